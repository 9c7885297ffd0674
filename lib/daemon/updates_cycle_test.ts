import assert from "node:assert/strict";
import { bench, NGINX, repoWith } from "../../tests/fakes/fake_host_fixtures.ts";
import { createLeger } from "../leger.ts";
import { writeUpdateRecord } from "../state/update_record.ts";
import { runUpdatesCycle } from "./updates_cycle.ts";
import { dueAt } from "../gitops/updater.ts";
import { install } from "../../tests/helpers/ops.ts";

/** Counts the reads of the manifests folder and of `.leger.yaml` files while `body` runs. */
async function countingReads(manifestsDir: string, body: () => Promise<void>) {
  const counts = { manifestLists: 0, legerYaml: 0 };
  const d = Deno as unknown as Record<string, unknown>;
  // The set loader looks at each file once (lstat) before it opens it (through node:fs, lib/source/open_inside.ts).
  const readDir = Deno.readDir, lstatSync = Deno.lstatSync;
  d.readDir = (path: string | URL) => {
    if (String(path) === manifestsDir) counts.manifestLists++;
    return readDir(path);
  };
  d.lstatSync = (path: string | URL) => {
    if (String(path).endsWith("/.leger.yaml")) counts.legerYaml++;
    return lstatSync(path);
  };
  try {
    await body();
  } finally {
    d.readDir = readDir;
    d.lstatSync = lstatSync;
  }
  return counts;
}

Deno.test("an update tick reads the manifests and each .leger.yaml once, and says when the set is next due", async () => {
  const b = await bench({ backend: "files" });
  try {
    const repo = await repoWith(b.host, [{
      folder: "web",
      files: {
        "web.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n`,
        ".leger.yaml": "version: 1\nupdates:\n  policy: apply\n  interval: 1h\n",
      },
    }]);
    await install(b.engine, `${repo.url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    // Checked a moment ago: the tick finds the set, works out its interval, and the cycle finds it not due.
    const lastCheck = new Date().toISOString();
    await writeUpdateRecord(b.engine.paths, { name: "web", lastCheck, bad: [] });
    let reply: Awaited<ReturnType<typeof runUpdatesCycle>> | undefined;
    const counts = await countingReads(b.engine.paths.manifestsDir, async () => {
      reply = await runUpdatesCycle(b.engine, createLeger(b.engine), {});
    });
    assert.deepEqual(counts, { manifestLists: 1, legerYaml: 1 });
    assert.deepEqual(reply!.results, [{ name: "web", result: "not-due" }]);
    // The daemon sleeps until the set is due: its interval after the last check, within ±10%.
    const due = reply!.nextDueMs!;
    assert.ok(due > 0.85 * 3_600_000 && due <= 1.1 * 3_600_000, String(due));
    const at = dueAt({ name: "web", lastCheck, bad: [] }, { intervalMs: 3_600_000 } as never);
    assert.ok(Math.abs(Date.now() + due - at) < 5_000);
    // The same set checked at another time is due at another point of the ±10% (hosts drift apart).
    const other = dueAt({ name: "web", lastCheck: new Date(Date.parse(lastCheck) + 1).toISOString(), bad: [] }, {
      intervalMs: 3_600_000,
    } as never);
    assert.notEqual(other - 1, at);
  } finally {
    await b.cleanup();
  }
});

Deno.test("an update tick with no set followed loads no update code and answers that nothing is followed", async () => {
  const b = await bench({ backend: "files" });
  try {
    assert.deepEqual(await runUpdatesCycle(b.engine, createLeger(b.engine), {}), { followed: false, results: [] });
    // leger update --now with nothing followed still answers per set (none here).
    const now = await runUpdatesCycle(b.engine, createLeger(b.engine), { now: [] });
    assert.deepEqual([now.followed, now.results], [true, []]);
  } finally {
    await b.cleanup();
  }
});
