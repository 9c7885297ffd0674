import assert from "node:assert/strict";
import { join } from "node:path";
import { createEngine, type Engine } from "../../engine.ts";
import { sha256 } from "../../core/fs.ts";
import { memoryLogger } from "../../../tests/helpers/memory_logger.ts";
import { createShell } from "../../host/shell.ts";
import { type BackupInfo, type BackupRecord, newBackupId, toRecord } from "../../backup/info.ts";
import { defaultConfig } from "../../config.ts";
import { listBackups } from "../../backup/info.ts";
import { installSet, tarBench } from "./backup_fixtures_test.ts";
import { retentionRules, selectPrunable } from "./retention.ts";
import { backup, pruneBackups, restore } from "../../../tests/helpers/ops.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-06-30T12:00:00.000Z");

async function engineIn(dir: string, retention: { count?: number; age?: string }): Promise<Engine> {
  const config = defaultConfig();
  config["backup-retention"] = retention;
  return await createEngine({
    scope: "user",
    $: createShell(),
    log: memoryLogger(),
    env: { HOME: dir, LEGER_STATE_DIR: join(dir, "state") },
    config,
  });
}

/** Writes a backup folder by hand: no volumes, just the manifest (enough for retention). */
async function fake(
  engine: Engine,
  name: string,
  daysAgo: number,
  reason: BackupRecord["reason"] = "manual",
  broken = false,
): Promise<string> {
  const at = new Date(Date.now() - daysAgo * DAY);
  const id = newBackupId(at);
  const dir = join(engine.paths.backupsDir, name, id);
  await Deno.mkdir(dir, { recursive: true });
  const manifest = "{}\n";
  if (!broken) await Deno.writeTextFile(join(dir, "manifest.json"), manifest);
  const info: BackupInfo = {
    id,
    name,
    reason,
    createdAt: at.toISOString(),
    legerVersion: "0.1.0",
    dir,
    sizeBytes: 3,
    volumes: [],
    binds: [],
    files: [],
    manifestSha256: await sha256(manifest),
  };
  await Deno.writeTextFile(join(dir, "backup.json"), JSON.stringify(toRecord(info)));
  return `${name}/${id}`;
}

Deno.test("selectPrunable: count and age both limit; the newest good and protected ones stay", () => {
  const b = (id: string, daysAgo: number) =>
    ({ id, createdAt: new Date(NOW - daysAgo * DAY).toISOString() }) as BackupInfo;
  const list = [b("e", 0), b("d", 1), b("c", 5), b("b", 10), b("a", 40)];
  const ids = (x: BackupInfo[]) => x.map((y) => y.id);
  assert.deepEqual(ids(selectPrunable(list, {}, "e", [], NOW)), []);
  assert.deepEqual(ids(selectPrunable(list, { count: 3 }, "e", [], NOW)), ["b", "a"]);
  assert.deepEqual(ids(selectPrunable(list, { ageMs: 7 * DAY }, "e", [], NOW)), ["b", "a"]);
  assert.deepEqual(ids(selectPrunable(list, { count: 4, ageMs: 30 * DAY }, "e", [], NOW)), ["a"]);
  assert.deepEqual(ids(selectPrunable(list, { count: 1 }, "e", ["c"], NOW)), ["d", "b", "a"]);
  // every backup is older than the age limit: the newest good one still stays
  assert.deepEqual(ids(selectPrunable(list, { ageMs: 1 }, "e", [], NOW)), ["d", "c", "b", "a"]);
  // the newest is damaged: the newest good one (d) stays, even beyond count
  assert.deepEqual(ids(selectPrunable(list, { count: 1 }, "d", [], NOW)), ["c", "b", "a"]);
});

Deno.test("retentionRules reads count and age from the config", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepEqual(retentionRules(await engineIn(dir, { count: 10 })), { count: 10 });
    assert.deepEqual(retentionRules(await engineIn(dir, { age: "7d" })), { ageMs: 7 * DAY });
    assert.deepEqual(retentionRules(await engineIn(dir, { count: 2, age: "12h" })), {
      count: 2,
      ageMs: 12 * 3_600_000,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prune by age across sets, dry run first; the newest good backup stays even when old (a damaged newer one does not count)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const engine = await engineIn(dir, { age: "7d" });
    const webOld = await fake(engine, "web", 400);
    const webMid = await fake(engine, "web", 30, "before-apply");
    const webNew = await fake(engine, "web", 1);
    const dbOld = await fake(engine, "db", 300);
    const dbOlder = await fake(engine, "db", 350, "before-restore");
    const dbBroken = await fake(engine, "db", 2, "manual", true);
    await Deno.mkdir(join(engine.paths.backupsDir, "db", "2026-06-30T00-00-00-000Z.partial"), { recursive: true });
    await Deno.mkdir(join(engine.paths.backupsDir, "db", "junk"), { recursive: true });

    const dry = await pruneBackups(engine, { dryRun: true });
    assert.deepEqual([...dry.removed].sort(), [dbOlder, "db/2026-06-30T00-00-00-000Z.partial", webOld, webMid].sort());
    assert.deepEqual(
      [...dry.kept].sort(),
      [dbBroken, dbOld, webNew].sort(),
      "db's newest good backup stays although it is old",
    );
    assert.equal((await listBackups(engine)).length, 6, "dry run removed nothing");

    const real = await pruneBackups(engine);
    assert.deepEqual(real, dry);
    assert.deepEqual((await listBackups(engine)).map((b) => `${b.name}/${b.id}`), [webNew, dbBroken, dbOld]);
    assert.ok(
      await Deno.stat(join(engine.paths.backupsDir, "db", "junk")),
      "a folder that is not a backup is left alone",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prune of one set by count leaves the other sets alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const engine = await engineIn(dir, { count: 1 });
    const a1 = await fake(engine, "a", 3);
    const a2 = await fake(engine, "a", 2);
    const b1 = await fake(engine, "b", 3);
    await fake(engine, "b", 2);
    const r = await pruneBackups(engine, { name: "a" });
    assert.deepEqual(r, { removed: [a1], kept: [a2] });
    assert.equal((await listBackups(engine, "b")).length, 2);
    assert.ok((await listBackups(engine, "b")).some((x) => `b/${x.id}` === b1));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retention runs after each backup, before-apply backups count too", async () => {
  const b = await tarBench();
  try {
    b.engine.config["backup-retention"] = { count: 2 };
    await installSet(b, "web");
    const first = await backup(b.engine, "web", { reason: "before-apply" });
    const second = await backup(b.engine, "web");
    const third = await backup(b.engine, "web", { reason: "before-apply" });
    assert.deepEqual((await listBackups(b.engine, "web")).map((x) => x.id), [third.id, second.id]);
    assert.ok(b.log.events.some((e) => e.message === `pruned 1 backup(s): web/${first.id}`));
  } finally {
    await b.cleanup();
  }
});

Deno.test("the backup being restored is not pruned by the before-restore backup", async () => {
  const b = await tarBench();
  try {
    b.engine.config["backup-retention"] = { count: 1 };
    await installSet(b, "web");
    const saved = await backup(b.engine, "web");
    const r = await restore(b.engine, "web", saved.id, { healthTimeoutMs: 5_000 });
    const ids = (await listBackups(b.engine, "web")).map((x) => x.id);
    assert.ok(ids.includes(saved.id) && ids.includes(r.preRestoreBackup!));
  } finally {
    await b.cleanup();
  }
});
