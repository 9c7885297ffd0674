import assert from "node:assert/strict";
import { join } from "node:path";
import { bench } from "../tests/fakes/fake_host_fixtures.ts";
import { probeCacheFile } from "./podman_probe_cache.ts";

/** How many times podman was asked for `quadlet install/rm --help`. */
function probes(calls: { tool: string; args: string[] }[]): number {
  return calls.filter((c) => c.tool === "podman" && c.args[0] === "quadlet" && c.args.includes("--help")).length;
}

Deno.test("the probe's answer is kept per podman version: an upgrade to podman 6 is probed anew", async () => {
  const b = await bench({ podmanVersion: "5.8.6" });
  try {
    const e1 = await b.another();
    assert.equal((await e1.podman()).quadletApplication, false);
    const n = probes(b.host.calls);
    assert.ok(n >= 2, "the first run probes");
    assert.equal((await (await b.another()).podman()).quadletApplication, false);
    assert.equal(probes(b.host.calls), n, "same podman: no probe");
    b.host.setPodmanVersion("6.1.1");
    const caps = await (await b.another()).podman();
    assert.equal(caps.quadletApplication, true, "podman 6 must not be read from 5.8's answer");
    assert.equal(caps.quadletRecursiveRm, true);
    assert.ok(probes(b.host.calls) > n);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a cache file of the wrong shape, or writable by others, is not trusted: podman is probed", async () => {
  const b = await bench({ podmanVersion: "5.8.6" });
  try {
    const file = probeCacheFile(b.engine.paths.stateDir);
    await (await b.another()).podman();
    const good = JSON.parse(await Deno.readTextFile(file));
    const lies = { ...good, application: true, recursiveRm: true };
    const bad: [string, string, number][] = [
      ["not JSON", "{", 0o644],
      ["an extra field", JSON.stringify({ ...lies, extra: 1 }), 0o644],
      ["a string for a boolean", JSON.stringify({ ...good, application: "yes" }), 0o644],
      ["world-writable", JSON.stringify(lies), 0o666],
      ["another podman's key", JSON.stringify({ ...lies, key: "podman version 6.1.1" }), 0o644],
    ];
    for (const [label, text, mode] of bad) {
      await Deno.writeTextFile(file, text);
      await Deno.chmod(file, mode);
      const n = probes(b.host.calls);
      const caps = await (await b.another()).podman();
      assert.equal(caps.quadletApplication, false, `${label}: a podman 5.8 read as podman 6`);
      assert.ok(probes(b.host.calls) > n, `${label}: podman was not probed`);
    }
    await Deno.remove(file);
    await Deno.symlink(join(b.host.root, "elsewhere.json"), file);
    await Deno.writeTextFile(join(b.host.root, "elsewhere.json"), JSON.stringify(lies));
    assert.equal((await (await b.another()).podman()).quadletApplication, false, "a link is not followed");
  } finally {
    await b.cleanup();
  }
});
