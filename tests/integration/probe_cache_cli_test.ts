/** podman's flag probe runs once per podman build, not once per leger command. */
import assert from "node:assert/strict";
import { bench } from "../fakes/fake_host_fixtures.ts";
import { probeCacheFile } from "../../lib/host/podman_probe_cache.ts";
import { runLeger } from "./cli_run.ts";

/** How many times podman was asked for `quadlet install/rm --help`. */
function probes(calls: { tool: string; args: string[] }[]): number {
  return calls.filter((c) => c.tool === "podman" && c.args[0] === "quadlet" && c.args.includes("--help")).length;
}

Deno.test("a second leger command does not spawn podman's flag probe again", async () => {
  const b = await bench({ podmanVersion: "6.1.1" });
  try {
    const first = await runLeger(b, ["doctor", "--json"]);
    assert.ok(first.stdout.includes("--application"), first.stdout);
    const before = probes(b.host.calls);
    assert.equal(before, 2, "the first command probes install and rm");
    const second = await runLeger(b, ["doctor", "--json"]);
    assert.ok(second.stdout.includes("--application"), second.stdout);
    assert.equal(probes(b.host.calls), before, "the second command probed podman again");
    const cached = JSON.parse(await Deno.readTextFile(probeCacheFile(b.host.env().LEGER_STATE_DIR!)));
    assert.equal(cached.application, true);
    const st = await Deno.stat(probeCacheFile(b.host.env().LEGER_STATE_DIR!));
    assert.equal(st.mode! & 0o022, 0, "the cache must not be group/world-writable");
  } finally {
    await b.cleanup();
  }
});
