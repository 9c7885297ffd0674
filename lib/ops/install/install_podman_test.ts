/** install on each podman leger meets: the versions it refuses, the backend it picks, how it replaces without --replace. */
import assert from "node:assert/strict";
import { bench, repoWith, WEB_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import type { LegerError } from "../../core/errors.ts";
import { listManifests } from "../../state/manifest.ts";
import { install } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };

Deno.test("podman 4.3 is refused: quadlet arrived in podman 4.4", async () => {
  const b = await bench({ podmanVersion: "4.3.1" });
  try {
    await assert.rejects((await b.another()).podman(), (e: LegerError) => {
      assert.match(e.message, /Cannot manage quadlets with podman 4\.3\.1: quadlet arrived in podman 4\.4/);
      assert.equal(e.exitCode, 6);
      return true;
    });
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    // The engine that was refused once refuses again (nothing cached past the check), with exit code 6.
    await assert.rejects(install(b.engine, `${url}#main:apps/web`, FAST), (e: LegerError) => {
      assert.match(e.message, /quadlet arrived in podman 4\.4/);
      assert.equal(e.exitCode, 6);
      return true;
    });
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.deepEqual(await listManifests(b.engine.paths), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("podman 5.4 with backend auto installs with the files backend", async () => {
  const b = await bench({ podmanVersion: "5.4.2" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    const r = await install(b.engine, `${url}#main:apps/web`, FAST);
    assert.equal(r.manifest.backend, "files");
    assert.deepEqual(b.host.quadletFiles(), ["web/web-data.volume", "web/web.container"]);
    assert.equal(b.host.unit("web.service").active, "active");
    assert.ok(!b.host.callLines("podman").some((l) => l.startsWith("quadlet")), "podman quadlet was never called");
  } finally {
    await b.cleanup();
  }
});

Deno.test("backend native on podman 5.4 is refused with what to do", async () => {
  const b = await bench({ podmanVersion: "5.4.2", backend: "native" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await assert.rejects(install(b.engine, `${url}#main:apps/web`, FAST), (e: LegerError) => {
      assert.match(e.message, /podman 5\.4\.2 has no "podman quadlet" \(5\.6\+\)/);
      assert.match(e.hint ?? "", /--backend files/);
      return true;
    });
  } finally {
    await b.cleanup();
  }
});

Deno.test("podman 5.6 (no --replace) replaces a set by removing the old files first", async () => {
  const b = await bench({ podmanVersion: "5.6.0" });
  try {
    const v2 = { "web.container": WEB_SET["web.container"].replace("8080:80", "8090:80") };
    const { url, ids } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }, { folder: "web", files: v2 }]);
    await install(b.engine, `${url}#${ids[0]}:apps/web`, FAST);
    await install(b.engine, `${url}#main:apps/web`, { ...FAST, replace: true });
    assert.ok(!b.host.callLines("podman").some((l) => l.includes("--replace")));
    assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8090:80"]);
  } finally {
    await b.cleanup();
  }
});
