import assert from "node:assert/strict";
import { join } from "node:path";
import type { LegerError } from "../../core/errors.ts";
import { sha256File } from "../../core/fs.ts";
import { createLeger } from "../../leger.ts";
import { beginEntry, pendingEntries } from "../../state/journal.ts";
import { resolveWorkflow, runWorkflow } from "../../workflow/run.ts";
import { BUILTIN_WORKFLOWS } from "../../../commands/builtin_workflows.ts";
import { CACHE_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import { type BackupInfo, listBackups, verifyBackup } from "../../backup/info.ts";
import {
  backupFolders,
  fillTree,
  installSet,
  installSetThatCannotRestart,
  mountpoint,
  tarBench,
} from "./backup_fixtures_test.ts";
import { recoverPending } from "../recover/recover.ts";
import { run } from "../../host/shell.ts";
import { backup } from "../../../tests/helpers/ops.ts";

Deno.test("backup stops the units that use a volume, archives it with its checksum, and starts them again", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    await fillTree(mountpoint(b, "systemd-web-data"), "v1");
    const info = await backup(b.engine, "web", { note: "first" });
    assert.equal(info.name, "web");
    assert.equal(info.reason, "manual");
    assert.equal(info.note, "first");
    assert.equal(info.setVersion, "1.0.0");
    assert.match(info.id, /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    assert.equal(info.dir, join(b.engine.paths.backupsDir, "web", info.id));
    assert.deepEqual(info.volumes.map((v) => [v.name, v.archive, v.compression, v.unitFile]), [
      ["systemd-web-data", "volumes/systemd-web-data.tar.zst", "zstd", "web-data.volume"],
    ]);
    assert.equal(info.volumes[0]!.sha256, await sha256File(join(info.dir, info.volumes[0]!.archive)));
    assert.deepEqual(info.files.map((f) => f.name), [".leger.yaml", "web-data.volume", "web.container"]);
    assert.deepEqual(info.stopped, ["web.service"]);
    assert.ok(info.sizeBytes > info.volumes[0]!.sizeBytes);
    assert.deepEqual((await verifyBackup(info)).problems, []);

    const stops = b.calls.filter((c) => /^systemctl --user stop /.test(c));
    assert.deepEqual(stops, ["systemctl --user stop -- web.service"], "only the unit that uses the volume is stopped");
    assert.equal(b.host.unit("web.service").active, "active", "started again");
    assert.deepEqual(await pendingEntries(b.engine.paths), [], "no journal entry left");

    const listed = await listBackups(b.engine, "web");
    assert.deepEqual(listed.map((x) => x.id), [info.id]);
    assert.deepEqual(listed[0], info);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a unit that does not start again after the backup is named with systemd's words, and the backup is kept", async () => {
  const b = await tarBench();
  try {
    await installSetThatCannotRestart(b);
    const info = await backup(b.engine, "web");
    assert.deepEqual(info.notRestarted?.map((f) => f.unit), ["web.service"]);
    assert.match(info.notRestarted![0]!.error, /web\.service/);
    assert.deepEqual((await verifyBackup(info)).problems, [], "the backup itself is whole");
    assert.deepEqual((await listBackups(b.engine, "web")).map((x) => [x.id, x.notRestarted]), [[info.id, undefined]]);
    assert.notEqual(b.host.unit("web.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("backup --live copies without stopping anything and says so", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const info = await backup(b.engine, "web", { live: true });
    assert.equal(info.live, true);
    assert.deepEqual(info.stopped, []);
    assert.ok(!b.calls.some((c) => c.includes(" stop ")), "nothing stopped");
    assert.ok(b.log.events.some((e) => e.level === "warn" && /--live/.test(e.message)));
  } finally {
    await b.cleanup();
  }
});

Deno.test("a unit that will not stop fails the backup: every unit runs again and no partial backup is left or listed", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    b.faults.stopFails = ["web.service"];
    await assert.rejects(backup(b.engine, "web"), (e: LegerError) => {
      assert.match(e.message, /^Cannot back up web: web\.service did not stop: Job for web\.service canceled/);
      assert.match(e.hint ?? "", /--live/);
      return true;
    });
    assert.equal(b.host.unit("web.service").active, "active");
    assert.deepEqual(await listBackups(b.engine, "web"), []);
    assert.deepEqual(await backupFolders(b), []);
    assert.deepEqual(await pendingEntries(b.engine.paths), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a disk that fills during the export fails the backup: the units run again and nothing partial stays", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    await fillTree(mountpoint(b, "systemd-web-data"), "v1");
    b.faults.exportFailsAfter = 2048;
    await assert.rejects(backup(b.engine, "web"), (e: LegerError) => {
      assert.match(
        e.message,
        /^Cannot back up volume systemd-web-data of web: podman volume export failed: Error: write \/dev\/stdout: no space left on device/,
      );
      return true;
    });
    assert.equal(b.host.unit("web.service").active, "active", "web.service was stopped and started again");
    assert.ok(b.calls.includes("systemctl --user stop -- web.service"));
    assert.deepEqual(await backupFolders(b), []);
    assert.deepEqual(await listBackups(b.engine), []);
    assert.ok(b.log.events.some((e) => e.level === "error" && /nothing was kept/.test(e.message)));
  } finally {
    await b.cleanup();
  }
});

Deno.test("backup of a set that is not installed says what is installed", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    await assert.rejects(backup(b.engine, "nope"), /Cannot find a set named "nope"/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("plain named volumes and bind mounts: volumes archived, binds listed and skipped with a warning unless included", async () => {
  const b = await tarBench();
  try {
    const bindDir = join(b.host.root, "srv-conf");
    await Deno.mkdir(bindDir);
    await Deno.writeTextFile(join(bindDir, "app.conf"), "port=1\n");
    const files = { ...CACHE_SET, "cache.container": CACHE_SET["cache.container"] + `Volume=${bindDir}:/conf:ro\n` };
    await installSet(b, "cache", files);
    b.host.addVolume("cache-data", { "dump.rdb": "REDIS" });
    const plain = await backup(b.engine, "cache");
    assert.deepEqual(plain.volumes.map((v) => v.name), ["cache-data"]);
    assert.equal(plain.volumes[0]!.unitFile, undefined);
    assert.deepEqual(plain.binds, [{ hostPath: bindDir, archived: false }]);
    assert.ok(
      b.log.events.some((e) => e.level === "warn" && e.message.includes(`bind mount ${bindDir} is not backed up`)),
    );

    const withBinds = await backup(b.engine, "cache", { includeBinds: true });
    assert.equal(withBinds.binds[0]!.archived, true);
    assert.equal(withBinds.binds[0]!.archive, "binds/0.tar.zst");
    assert.equal(withBinds.binds[0]!.sha256, await sha256File(join(withBinds.dir, "binds/0.tar.zst")));
    assert.deepEqual((await verifyBackup(withBinds)).problems, []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a volume that does not exist yet is skipped with a warning", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "cache", CACHE_SET);
    await b.engine.systemd.stop(["cache.service"]);
    await run(b.engine.$, ["podman", "volume", "rm", "--force", "cache-data"]);
    const info = await backup(b.engine, "cache");
    assert.deepEqual(info.volumes, []);
    assert.deepEqual(info.stopped, [], "an inactive unit is neither stopped nor started");
    assert.equal(b.host.unit("cache.service").active, "inactive");
    assert.ok(b.log.events.some((e) => e.level === "warn" && /volume cache-data does not exist/.test(e.message)));
  } finally {
    await b.cleanup();
  }
});

Deno.test("the backup workflow backs up all installed sets; backups lists them newest first", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    await installSet(b, "other", CACHE_SET);
    const leger = createLeger(b.engine);
    const ref = await resolveWorkflow(b.engine, "backup", BUILTIN_WORKFLOWS);
    assert.equal(ref.kind, "builtin");
    const run = (args: string[], flags: Record<string, string | boolean> = {}, dryRun = false) =>
      runWorkflow(ref, { engine: b.engine, leger, builtins: BUILTIN_WORKFLOWS, args, flags, dryRun }) as Promise<
        BackupInfo[]
      >;
    assert.deepEqual(await run(["all"], {}, true), []);
    const first = await run(["all"], { reason: "nightly" });
    assert.deepEqual(first.map((x) => x.name), ["other", "web"]);
    assert.deepEqual(first.map((x) => [x.reason, x.note]), [["manual", "nightly"], ["manual", "nightly"]]);
    assert.deepEqual(first[0]!.volumes.map((v) => v.name), ["cache-data"]);
    const second = await run(["web"], { reason: "before-apply" });
    assert.equal(second[0]!.reason, "before-apply");
    const all = await leger.backups();
    assert.deepEqual(all.map((x) => x.name), ["web", "web", "other"]);
    assert.deepEqual(all.map((x) => x.id), [...all.map((x) => x.id)].sort().reverse());
    assert.deepEqual((await leger.backups("other")).map((x) => x.id), [first[0]!.id]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a backup cut short (leger killed) is cleaned up by the next run: partial folder gone, units started", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    await b.engine.systemd.stop(["web.service"]);
    const partial = join(b.engine.paths.backupsDir, "web", "2026-01-01T00-00-00-000Z.partial");
    await Deno.mkdir(join(partial, "volumes"), { recursive: true });
    const entry = await beginEntry(b.engine.paths, "backup", "web", { partial, stopped: ["web.service"] });
    entry.pid = -1;
    await Deno.writeTextFile(join(b.engine.paths.journalDir, `${entry.id}.json`), JSON.stringify(entry));
    const done = await recoverPending(await b.another());
    assert.deepEqual(done, ["the unfinished backup of web was removed and web.service started again"]);
    assert.equal(b.host.unit("web.service").active, "active");
    assert.deepEqual(await backupFolders(b), []);
  } finally {
    await b.cleanup();
  }
});
