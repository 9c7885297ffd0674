/**
 * The file backend on the host it exists for: Debian trixie's podman 5.4
 * has quadlet but no `podman quadlet` command (like Fedora 40/41). leger
 * must pick the file backend by itself, say so, and run sets there.
 *
 * @module
 */
import assert from "node:assert/strict";
import { httpGet, onlyOn, sharedHost, webContainer } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "podman 5.4: doctor names the file backend and install/remove work without podman quadlet",
  ...opts,
  ...onlyOn("trixie"),
  fn: async () => {
    const host = await sharedHost();
    const version = await host.exec(["podman", "--version"]);
    assert.match(version.stdout, /podman version 5\.4/);
    const doctor = await host.exec(["leger", "--json", "doctor"], { user: "alice" });
    const checks = JSON.parse(doctor.stdout).checks as { name: string; ok: boolean; detail: string }[];
    assert.match(checks.find((c) => c.name === "backend")!.detail, /^files/);
    await host.writeFile(
      "/home/alice/sets/web/web.container",
      webContainer({ port: 18500, volume: "web-data.volume" }),
      { user: "alice" },
    );
    await host.writeFile("/home/alice/sets/web/web-data.volume", "[Volume]\n", { user: "alice" });
    const install = await host.exec(["leger", "install", "/home/alice/sets/web"], {
      user: "alice",
      timeoutMs: 120_000,
    });
    assert.equal(install.code, 0, install.stderr);
    assert.match(install.stderr, /files backend/);
    assert.match(await httpGet(host, "http://127.0.0.1:18500/") ?? "", /v1/);
    const files = await host.exec(["ls", "/home/alice/.config/containers/systemd/web"], { user: "alice" });
    assert.deepEqual(files.stdout.trim().split("\n").sort(), ["web-data.volume", "web.container"]);
    // Asking for the native backend on this podman is refused with what to do.
    const native = await host.exec([
      "leger",
      "--backend",
      "native",
      "install",
      "/home/alice/sets/web",
      "--name",
      "web2",
    ], { user: "alice" });
    assert.equal(native.code, 6);
    assert.match(native.stderr, /has no "podman quadlet"/);
    const rm = await host.exec(["leger", "remove", "web"], { user: "alice" });
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(await httpGet(host, "http://127.0.0.1:18500/", 1500), undefined);
    const left = await host.exec(["ls", "/home/alice/.config/containers/systemd"], { user: "alice" });
    assert.equal(left.stdout.trim(), "");
  },
});
