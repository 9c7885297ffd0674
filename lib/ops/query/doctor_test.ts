import assert from "node:assert/strict";
import { bench } from "../../../tests/fakes/fake_host_fixtures.ts";
import { doctor } from "./doctor.ts";

function byName(checks: Awaited<ReturnType<typeof doctor>>) {
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

Deno.test("doctor names podman's version and the backend it picks", async () => {
  for (
    const [version, backend, line] of [
      ["6.1.1", /^native \(podman 6\.1\.1: one folder per set, podman quadlet install --application\)$/, "6.x: tested"],
      ["5.8.6", /^native \(podman quadlet with --replace\)$/, "5.6-5.8: tested"],
      [
        "5.8.2",
        /^native \(podman quadlet with --replace; not used: podman 5\.8\.2 keeps an old file's tail\)$/,
        "5.6-5.8: supported, tested on 5.8.6",
      ],
      ["5.4.2", /^files \(writes into .*; podman 5\.4\.2 has no podman quadlet\)$/, "4.4-5.5: tested"],
    ] as const
  ) {
    const b = await bench({ podmanVersion: version });
    try {
      const c = byName(await doctor(b.engine));
      assert.equal(c.podman!.ok, true);
      assert.equal(
        c.podman!.detail,
        `podman ${version} (${line}; supported: podman 6.x, 5.6-5.8, 4.4-5.5; tested on 6.1.1, 5.8.6, 5.4.2)`,
      );
      assert.match(c.backend!.detail, backend);
      assert.deepEqual([c["systemd (user)"]!.ok, c["systemd (user)"]!.detail], [true, "running"]);
      assert.equal(c.git!.ok, true);
      assert.equal(c["state folder"]!.ok, true);
      assert.equal(c["quadlet folder"]!.detail, b.host.quadletDir);
      assert.equal(c.linger!.ok, false, "no linger file for the fake user");
      assert.match(c.linger!.fix ?? "", /loginctl enable-linger alice/);
    } finally {
      await b.cleanup();
    }
  }
});

Deno.test("doctor on podman 4.3 says quadlet is missing and what to install, without throwing", async () => {
  const b = await bench({ podmanVersion: "4.3.1" });
  try {
    const c = byName(await doctor(b.engine));
    assert.equal(c.podman!.ok, false);
    assert.match(c.podman!.detail, /quadlet arrived in podman 4\.4/);
    assert.match(c.podman!.fix ?? "", /podman 4\.4 or newer/);
    assert.equal(c.backend, undefined);
  } finally {
    await b.cleanup();
  }
});
