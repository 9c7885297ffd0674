import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX, repoWith } from "../../tests/fakes/fake_host_fixtures.ts";
import { git } from "../../tests/helpers/git_repo.ts";
import { unattendedOps } from "../leger.ts";
import { readStaged } from "../ops/update/stage.ts";
import { readManifest } from "../state/manifest.ts";
import { readUpdateRecord } from "../state/update_record.ts";
import { updateCycle, type UpdateEvent } from "./updater.ts";
import { install } from "../../tests/helpers/ops.ts";

const web = (exec: string) => `[Container]\nImage=${NGINX}\nExec=${exec}\n`;
const yaml = (updates: string) => `version: 1\nupdates:\n${updates}`;
const APPLY = "  policy: apply\n  interval: 1m\n";

async function commit(dir: string, files: Record<string, string>, message: string, tag?: string): Promise<string> {
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, "apps/web", name), text);
  await git(dir, "add", "-A");
  await git(dir, "commit", "-qm", message);
  if (tag) await git(dir, "tag", tag);
  return (await git(dir, "rev-parse", "HEAD")).trim();
}

/** A fake host with set "web" installed from a repository (policy from `updates`). */
async function installed(updates: string) {
  const b = await bench({ backend: "files", crashAfterMs: 100 });
  const repo = await repoWith(b.host, [{
    folder: "web",
    files: { "web.container": web("sleep infinity"), ".leger.yaml": yaml(updates) },
  }]);
  await install(b.engine, `${repo.url}#main:apps/web`, { healthTimeoutMs: 5_000 });
  b.engine.config["health-settle"] = "400ms";
  const events: UpdateEvent[] = [];
  let clock = new Date("2026-11-29T10:00:00Z").getTime();
  const cycle = async (force = true) => {
    clock += 120_000;
    return await updateCycle(b.engine, unattendedOps(b.engine), {
      now: () => new Date(clock),
      random: () => 0.5,
      onEvent: (e) => void events.push(e),
      ...(force ? { force: ["web"] } : {}),
    });
  };
  return { b, repo, events, cycle, commitOf: async () => (await readManifest(b.engine.paths, "web"))!.source.commit };
}

Deno.test("apply policy: a new commit is applied; a broken one is rolled back, remembered and never retried; the next is applied", async () => {
  const { b, repo, events, cycle, commitOf } = await installed(APPLY);
  try {
    assert.deepEqual((await cycle()).map((r) => r.result), ["up-to-date"]);

    const v2 = await commit(repo.dir, { "web.container": web("sleep 1d") }, "v2");
    assert.deepEqual((await cycle()).map((r) => r.result), ["applied"]);
    assert.equal(await commitOf(), v2);
    assert.equal(events.at(-1)?.kind, "applied");

    const v3 = await commit(repo.dir, { "web.container": web("/bin/false") }, "v3 crashes");
    assert.deepEqual((await cycle()).map((r) => r.result), ["rolled-back"]);
    assert.equal(await commitOf(), v2, "the set is back at v2");
    assert.equal(b.host.unit("web.service").active, "active");
    const record = await readUpdateRecord(b.engine.paths, "web");
    assert.deepEqual(record.bad.map((x) => x.commit), [v3]);
    assert.deepEqual(record.bad[0]!.failed.map((f) => f.unit), ["web.service"]);
    assert.equal(events.at(-1)?.kind, "rolled-back");

    const before = events.length;
    assert.deepEqual((await cycle()).map((r) => r.result), ["known-bad"]);
    assert.deepEqual((await cycle()).map((r) => r.result), ["known-bad"]);
    assert.equal(events.length, before, "a known-bad commit is neither applied nor announced again");
    assert.equal(await commitOf(), v2);

    const v4 = await commit(repo.dir, { "web.container": web("sleep 2d") }, "v4");
    assert.deepEqual((await cycle()).map((r) => r.result), ["applied"]);
    assert.equal(await commitOf(), v4);
  } finally {
    await b.cleanup();
  }
});

Deno.test("notify policy stages and reports once; nothing is applied", async () => {
  const { b, repo, events, cycle, commitOf } = await installed("  policy: notify\n");
  try {
    const v1 = await commitOf();
    const v2 = await commit(repo.dir, { "web.container": web("sleep 1d") }, "v2");
    assert.deepEqual((await cycle()).map((r) => r.result), ["staged"]);
    assert.deepEqual((await cycle()).map((r) => r.result), ["staged"]);
    assert.deepEqual(events.map((e) => [e.kind, e.to.commit]), [["staged", v2]]);
    assert.equal(await commitOf(), v1);
    assert.equal((await readStaged(b.engine, "web"))?.record.source.commit, v2);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a closed window defers the apply; the host's config overrides the set's policy", async () => {
  // 2026-11-29 is a Sunday; the cycles run at 10:02, 10:04, ... UTC.
  const { b, repo, events, cycle, commitOf } = await installed(`${APPLY}  window: "Mon *-*-* 03:00..05:00 UTC"\n`);
  try {
    const v1 = await commitOf();
    const v2 = await commit(repo.dir, { "web.container": web("sleep 1d") }, "v2");
    assert.deepEqual((await cycle()).map((r) => r.result), ["deferred"]);
    assert.equal(await commitOf(), v1);
    assert.equal(events.at(-1)?.kind, "deferred");

    const hostSays = (web: Record<string, string>) =>
      b.engine.config = { ...b.engine.config, updates: { ...b.engine.config.updates, sets: { web } } };
    hostSays({ window: "Sun *-*-* 10:00..11:00 UTC" });
    assert.deepEqual((await cycle()).map((r) => r.result), ["applied"]);
    assert.equal(await commitOf(), v2);

    hostSays({ policy: "off" });
    await commit(repo.dir, { "web.container": web("sleep 3d") }, "v3");
    assert.deepEqual((await cycle()).map((r) => r.result), ["off"]);
    assert.equal(await commitOf(), v2);
  } finally {
    await b.cleanup();
  }
});

Deno.test("following tags: the newest matching tag in version order is applied, other tags are not", async () => {
  const { b, repo, cycle, commitOf } = await installed(`${APPLY}  follow: "tag:v1.*"\n`);
  try {
    await commit(repo.dir, { "web.container": web("sleep 9") }, "v1.9", "v1.9.0");
    const v110 = await commit(repo.dir, { "web.container": web("sleep 10") }, "v1.10", "v1.10.0");
    await commit(repo.dir, { "web.container": web("sleep 20") }, "v2", "v2.0.0");
    await commit(repo.dir, { "web.container": web("sleep 30") }, "untagged work");
    assert.deepEqual((await cycle()).map((r) => r.result), ["applied"]);
    assert.equal(await commitOf(), v110);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.ref, "v1.10.0");
    assert.deepEqual((await cycle()).map((r) => r.result), ["up-to-date"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("sets are checked when their interval is due, and each repository is asked once per cycle", async () => {
  const { b, cycle } = await installed("  policy: notify\n  interval: 5m\n");
  try {
    const fetchesBefore = b.engine.fetcher.stats.fetches;
    assert.deepEqual((await cycle(false)).map((r) => r.result), ["up-to-date"]);
    assert.deepEqual((await cycle(false)).map((r) => r.result), ["not-due"], "2 minutes later");
    assert.deepEqual((await cycle(false)).map((r) => r.result), ["not-due"], "4 minutes later");
    assert.deepEqual((await cycle(false)).map((r) => r.result), ["up-to-date"], "6 minutes later");
    assert.equal(b.engine.fetcher.stats.fetches, fetchesBefore, "nothing moved: no fetch, only ls-remote");
  } finally {
    await b.cleanup();
  }
});
