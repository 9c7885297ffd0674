/**
 * One unreadable manifest does not hide the other sets: `leger list` shows
 * the broken set as broken, says what is wrong, and names a fix that works.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, CACHE_SET, repoWith, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { install } from "../../lib/ops/install.ts";
import { runLeger } from "./cli_run.ts";

Deno.test("leger list shows a set with a corrupt manifest as broken and lists the others; its fix works", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    const cacheRepo = await repoWith(b.host, [{ folder: "cache", files: CACHE_SET }]);
    await install(b.engine, `${url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    await install(b.engine, `${cacheRepo.url}#main:apps/cache`, { healthTimeoutMs: 5_000 });
    const file = join(b.engine.paths.manifestsDir, "web.json");
    await Deno.writeTextFile(file, '{"name": "web", "units": [');

    const text = await runLeger(b, ["list"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^cache\s+active\s+1\s/m);
    assert.match(text.stdout, /^web\s+broken\s+0\s/m);
    assert.match(text.stdout, /web is broken: Cannot read .*web\.json: not JSON/);
    assert.doesNotMatch(text.stdout + text.stderr, /--force/);

    const json = JSON.parse((await runLeger(b, ["--json", "list"])).stdout).sets as {
      name: string;
      state: string;
      problem?: string;
      hint?: string;
    }[];
    assert.deepEqual(json.map((r) => [r.name, r.state]), [["cache", "active"], ["web", "broken"]]);
    const hint = json[1]!.hint!;
    assert.match(json[1]!.problem!, /not JSON/);

    // The hint's steps, done as written, bring the set back.
    const mv = /\(mv (\S+) (\S+)\)/.exec(hint)!;
    assert.equal(mv[1], file);
    await Deno.rename(mv[1]!, mv[2]!);
    const again = await runLeger(b, [
      "install",
      `${url}#main:apps/web`,
      ...hint.split("<its source>")[1]!.replace(/\.$/, "").trim().split(" "),
    ]);
    assert.equal(again.code, 0, again.stderr);
    const after = JSON.parse((await runLeger(b, ["--json", "list"])).stdout).sets as { name: string; state: string }[];
    assert.deepEqual(after.map((r) => [r.name, r.state]), [["cache", "active"], ["web", "active"]]);
  } finally {
    await b.cleanup();
  }
});
