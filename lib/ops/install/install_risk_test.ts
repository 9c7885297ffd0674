import assert from "node:assert/strict";
import { bench, logged, NGINX, repoWith } from "../../../tests/fakes/fake_host_fixtures.ts";
import { install } from "../../../tests/helpers/ops.ts";
import { inspect } from "../query/query.ts";

const FAST = { healthTimeoutMs: 5_000 };

Deno.test("install says what a set asks of the host, goes ahead, and inspect lists it", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{
      folder: "mon",
      files: { "mon.container": `[Container]\nImage=${NGINX}\nNetwork=host\nVolume=/:/host:ro\n` },
    }]);
    const r = await install(b.engine, `${url}#main:apps/mon`, FAST);
    assert.equal(r.name, "mon");
    const warnings = logged(b.log.events, "warn");
    assert.ok(warnings.includes("mon asks for host access (2 risk findings):"), warnings.join("\n"));
    assert.ok(warnings.some((w) => /mon\.container:3: shares the host's network.*\(risk\/host-namespace\)/.test(w)));
    assert.ok(
      warnings.some((w) => /mon\.container:4: mounts the host's \/ into the container \(risk\/host-path\)/.test(w)),
    );
    assert.deepEqual((await inspect(b.engine, "mon")).risks, [
      "mon.container: shares the host's network: the container reaches every service listening on the host, loopback too (risk/host-namespace)",
      "mon.container: mounts the host's / into the container (risk/host-path)",
    ]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("install from http:// off this host warns that anyone on the path can change the units", async () => {
  const b = await bench({ backend: "files" });
  try {
    await assert.rejects(install(b.engine, "http://git.example.invalid/ops/sets.git#main:web", FAST));
    assert.ok(
      logged(b.log.events, "warn").some((w) =>
        /is fetched over http:\/\/, unencrypted and unauthenticated: anyone on the network path can change/.test(w)
      ),
    );
  } finally {
    await b.cleanup();
  }
});
