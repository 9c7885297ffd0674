/**
 * The snapshot path's pieces on the fake host (whose folders do not clone:
 * the copier's failure and the fallback are what can be seen here; the
 * real path on btrfs is tests/e2e/backup_cow_test.ts).
 */
import assert from "node:assert/strict";
import { beginEntry, pendingEntries } from "../../../state/journal.ts";
import { listVolumes } from "../../../backup/storage/probe.ts";
import { backup } from "../../../../tests/helpers/ops.ts";
import { cowVolume, installSet, mountpoint, tarBench } from "../backup_fixtures_test.ts";
import { backupPaths, dropListedSnapshots, prepareSnapshotRun, snapshotPlanned } from "./snapshot.ts";

const VOLUME = "systemd-web-data";

Deno.test("where the copy cannot be made, the snapshot path says so and the backup archives the originals", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const m = mountpoint(b, VOLUME);
    await Deno.writeTextFile(`${m}/data.txt`, "x".repeat(100_000)); // an empty folder copies anywhere: a file needs the clone
    const data = cowVolume(b, VOLUME);
    const entry = await beginEntry(b.engine.paths, "backup", "web", {});
    assert.ok(await snapshotPlanned(b.engine, [data], entry));
    const run = (await prepareSnapshotRun(b.engine, [data], await listVolumes(b.engine.$)))!;
    assert.ok(b.host.volumes()["leger-snapshot-systemd-web-data"], "the copy's volume is made before the stop");
    assert.equal(await run.copy(), false);
    assert.match(
      b.log.text(),
      /Cannot make a reflink copy of systemd-web-data: .*archiving the volumes while the units are stopped instead/,
    );
    assert.equal(run.exportName(VOLUME), VOLUME, "the original is archived");
    await run.drop();
    assert.deepEqual(Object.keys(b.host.volumes()), [VOLUME]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a killed backup's temporary copies are removed by its recovery", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    await b.engine.$`podman volume create leger-snapshot-systemd-web-data`.quiet();
    const entry = await beginEntry(b.engine.paths, "backup", "web", {
      snapshots: ["leger-snapshot-systemd-web-data", "not-ours"],
    });
    await dropListedSnapshots(b.engine, entry);
    assert.deepEqual(Object.keys(b.host.volumes()), [VOLUME], "only leger's copies, by name");
  } finally {
    await b.cleanup();
  }
});

Deno.test("backup --dry-run's paths: on ext4 every volume is archived while stopped, and says why", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    assert.deepEqual(await backupPaths(b.engine, "web"), [
      { volume: VOLUME, path: "stream", why: "ext4 has no reflink copies" },
    ]);
    const info = await backup(b.engine, "web");
    assert.equal(info.volumes.length, 1);
    assert.deepEqual(await pendingEntries(b.engine.paths), []);
  } finally {
    await b.cleanup();
  }
});
