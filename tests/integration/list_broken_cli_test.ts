/**
 * One unreadable manifest does not hide the other sets: `leger list` shows
 * the broken set as broken, says what is wrong, and names a fix that works.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Bench, bench, CACHE_SET, repoWith, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { runLeger, systemdDownEnv } from "./cli_run.ts";
import { install } from "../helpers/ops.ts";

/** A bench with `web` (and `cache` when asked) installed from their repositories, for `fn`. */
async function withSets(sets: Array<"web" | "cache">, fn: (b: Bench, webUrl: string) => Promise<void>): Promise<void> {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    if (sets.includes("cache")) {
      const cacheRepo = await repoWith(b.host, [{ folder: "cache", files: CACHE_SET }]);
      await install(b.engine, `${cacheRepo.url}#main:apps/cache`, { healthTimeoutMs: 5_000 });
    }
    await fn(b, url);
  } finally {
    await b.cleanup();
  }
}

/**
 * `leger ARGS list` as main.ts runs it before commander, and the same line
 * through commander (short options run together are left to commander).
 */
async function bothWays(b: Bench, args: string[], env: Record<string, string> = {}) {
  return [await runLeger(b, ["list", ...args], env), await runLeger(b, ["-yq", "list", ...args], env)] as const;
}

Deno.test("leger list shows a set with a corrupt manifest as broken and lists the others; its fix works", () =>
  withSets(["web", "cache"], async (b, url) => {
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
  }));

Deno.test("leger list before commander (decision 46) prints what commander's list prints, broken records too", () =>
  withSets(["web", "cache"], async (b) => {
    // Valid JSON, broken deep inside: only zod's full check (the fallback) says where.
    const file = join(b.engine.paths.manifestsDir, "web.json");
    const manifest = JSON.parse(await Deno.readTextFile(file));
    manifest.files[0].kind = "bogus";
    await Deno.writeTextFile(file, JSON.stringify(manifest));

    for (const json of [[], ["--json"]]) {
      const asked = b.host.callLines("busctl").length;
      const [quick, full] = await bothWays(b, json);
      // The text asks busctl once (load/active/sub) and commander's path none; --json asks systemctl show.
      assert.equal(b.host.callLines("busctl").length - asked, json.length ? 0 : 1);
      assert.equal(quick.code, 0, quick.stderr);
      assert.equal(full.code, 0, full.stderr);
      assert.equal(quick.stdout, full.stdout);
      assert.equal(quick.stderr, full.stderr);
    }
    const rows = JSON.parse((await runLeger(b, ["ls", "--json"])).stdout).sets as { name: string; problem?: string }[];
    assert.deepEqual(rows.map((r) => r.name), ["cache", "web"]);
    assert.match(rows[1]!.problem!, /web\.json: files\.0\.kind: /);
    assert.equal(rows[0]!.problem, undefined);
  }));

Deno.test("leger list says systemd cannot be reached as commander's list does (exit 6, the same words)", () =>
  withSets(["web"], async (b) => {
    const [quick, full] = await bothWays(b, [], await systemdDownEnv(b));
    assert.equal(quick.code, 6, quick.stderr);
    assert.equal(full.code, 6, full.stderr);
    assert.match(quick.stderr, /Cannot reach systemd \(user\)/);
    assert.equal(quick.stderr, full.stderr);
  }));

Deno.test("a broken config.yaml does not stop leger list (it reads nothing from it), either way; other commands say so", () =>
  withSets(["web"], async (b) => {
    await Deno.mkdir(join(b.engine.paths.configFile, ".."), { recursive: true });
    await Deno.writeTextFile(b.engine.paths.configFile, "backend: [not, a, backend\n");
    const [quick, full] = await bothWays(b, []);
    assert.equal(quick.code, 0, quick.stderr);
    assert.equal(full.code, 0, full.stderr);
    assert.match(quick.stdout, /^web\s+active\s/m);
    assert.equal(quick.stdout, full.stdout);
    const status = await runLeger(b, ["status", "web"]);
    assert.equal(status.code, 78, status.stderr);
    assert.match(status.stderr, /config\.yaml/);
  }));
