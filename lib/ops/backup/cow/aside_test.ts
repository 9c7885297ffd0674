/**
 * The aside restore on the fake host. The host's temporary folder does not
 * clone (ext4), so `restore()` keeps today's path there; these tests call
 * the aside path directly with the volume's data as the probe would give it
 * on btrfs: moving a folder aside is a rename, the same on any file system.
 * The real thing (btrfs, rootless, SIGKILL at every step) is
 * tests/e2e/backup_cow_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ExitCode, type LegerError } from "../../../core/errors.ts";
import type { Engine } from "../../../engine.ts";
import { beginEntry, pendingEntries } from "../../../state/journal.ts";
import { readManifest } from "../../../state/manifest.ts";
import { listBackups } from "../../../backup/info.ts";
import { asideOf, moveAside } from "../../../backup/storage/aside.ts";
import { backup } from "../../../../tests/helpers/ops.ts";
import {
  cowVolume,
  fillTree,
  installSet,
  mountpoint,
  type TarBench,
  tarBench,
  treeDigest,
} from "../backup_fixtures_test.ts";
import { guarded } from "../../guarded.ts";
import { recoverPending } from "../../recover/recover.ts";
import { planAside, restoreAside } from "./aside.ts";
import { trustBackup } from "../trust.ts";
import { treeSize } from "../create.ts";
import { sha256File } from "../../../core/fs.ts";
import { makeTar } from "../../../backup/tar_fixtures_test.ts";

/** {@linkcode restoreAside} as restore runs it: through the one wrapper (lock, recovery, journal). */
function asideRestore(
  engine: Engine,
  ...args: Parameters<typeof restoreAside> extends [Engine, unknown, ...infer R] ? R : never
) {
  return guarded(engine, [args[0].info.name], (g) => restoreAside(engine, g, ...args));
}

const VOLUME = "systemd-web-data";

const onBtrfs = (b: TarBench) => cowVolume(b, VOLUME);

async function leftAside(b: TarBench): Promise<string[]> {
  const dir = onBtrfs(b).volumesDir;
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).filter((n) => n.startsWith(".leger-"));
}

/**
 * Runs an aside restore of `trusted` that must fail and put the old state back (exit 7, `said` matching its message
 * or hint), then checks the host has exactly the data it had (`current`), renamed back (`inode` of new.txt), the unit
 * up (unless it was made to crash), nothing left aside and no journal entry pending.
 */
async function putBackAfter(
  b: TarBench,
  trusted: Awaited<ReturnType<typeof trustBackup>>,
  said: { message?: RegExp; hint?: RegExp; crashing?: boolean },
  before: { current: Awaited<ReturnType<typeof treeDigest>>; inode: number | bigint | null },
): Promise<void> {
  await assert.rejects(
    asideRestore(b.engine, trusted, (await readManifest(b.engine.paths, "web"))!, [onBtrfs(b)], {
      previous: "archive",
      timeoutMs: 3_000,
    }),
    (e: LegerError) => {
      assert.equal(e.exitCode, ExitCode.rolledBack);
      if (said.message) assert.match(e.message, said.message);
      if (said.hint) assert.match(e.hint ?? "", said.hint);
      return true;
    },
  );
  const vol = mountpoint(b, VOLUME);
  assert.deepEqual(await treeDigest(vol), before.current);
  assert.equal((await Deno.stat(join(vol, "new.txt"))).ino, before.inode, "renamed back, not copied");
  if (!said.crashing) assert.equal(b.host.unit("web.service").active, "active");
  assert.deepEqual(await leftAside(b), []);
  assert.deepEqual(await pendingEntries(b.engine.paths), []);
}

async function setUp(b: TarBench) {
  await installSet(b, "web");
  const vol = mountpoint(b, VOLUME);
  await fillTree(vol, "v1");
  const saved = await backup(b.engine, "web");
  await Deno.writeTextFile(join(vol, "index.html"), "<h1>current</h1>\n");
  await Deno.writeTextFile(join(vol, "new.txt"), "added after the backup");
  return { saved, current: await treeDigest(vol), backedUp: saved };
}

Deno.test("on ext4 the restore keeps today's path: nothing to move aside", async () => {
  const b = await tarBench();
  try {
    const { saved } = await setUp(b);
    assert.equal(await planAside(b.engine, saved), undefined);
  } finally {
    await b.cleanup();
  }
});

Deno.test("an aside restore puts the backup's data in place and, dropping the old, leaves nothing aside", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const vol = mountpoint(b, VOLUME);
    await fillTree(vol, "v1");
    const expected = await treeDigest(vol);
    const saved = await backup(b.engine, "web");
    await Deno.writeTextFile(join(vol, "index.html"), "<h1>current</h1>\n");
    const mark = b.calls.length;
    const r = await asideRestore(
      b.engine,
      await trustBackup(b.engine, saved),
      (await readManifest(b.engine.paths, "web"))!,
      [onBtrfs(b)],
      { previous: "drop", timeoutMs: 5_000 },
    );
    assert.ok(r.health.ok);
    assert.deepEqual(await treeDigest(mountpoint(b, VOLUME)), expected);
    assert.deepEqual(await leftAside(b), []);
    assert.deepEqual(await pendingEntries(b.engine.paths), []);
    assert.ok(
      !(await listBackups(b.engine, "web")).some((x) => x.reason === "before-restore"),
      "the files-only record goes",
    );
    assert.ok(b.log.text().includes("Moving the current data of systemd-web-data aside"));
    // Once the units stop: each stopped once, the volume removed in one call and made by its unit, no listing.
    const restoring = b.calls.slice(mark);
    const after = restoring.slice(restoring.findIndex((c) => /systemctl .*stop/.test(c)));
    assert.deepEqual(after.filter((c) => c.startsWith("podman volume ls")), [], after.join("\n"));
    assert.equal(after.filter((c) => c.startsWith("podman volume rm")).length, 1, after.join("\n"));
    assert.equal(after.filter((c) => c.startsWith("podman volume import")).length, 1);
    assert.equal(after.filter((c) => /systemctl .*stop .*web\.service/.test(c)).length, 1, after.join("\n"));
  } finally {
    await b.cleanup();
  }
});

Deno.test("kept as an archive, the old data becomes the before-restore backup by the next leger run, exactly", async () => {
  const b = await tarBench();
  try {
    const { saved, current } = await setUp(b);
    const r = await asideRestore(
      b.engine,
      await trustBackup(b.engine, saved),
      (await readManifest(b.engine.paths, "web"))!,
      [onBtrfs(b)],
      { previous: "archive", timeoutMs: 5_000 },
    );
    const [entry] = await pendingEntries(b.engine.paths);
    assert.equal(entry?.step, "committed", "waits for leger recover");
    assert.equal(r.pre.volumes.length, 0);
    const done = await recoverPending(await b.another());
    assert.deepEqual(done, [`the data web had before the restore is archived in backup ${r.pre.id}`]);
    const pre = (await listBackups(b.engine, "web")).find((x) => x.id === r.pre.id)!;
    assert.equal(pre.volumes.length, 1);
    assert.equal(pre.note, undefined);
    assert.deepEqual(await leftAside(b), []);
    assert.deepEqual(Object.keys(b.host.volumes()), [VOLUME], "the temporary volume is gone");
    await trustBackup(b.engine, pre); // a normal backup: every check passes

    await asideRestore(
      b.engine,
      await trustBackup(b.engine, pre),
      (await readManifest(b.engine.paths, "web"))!,
      [onBtrfs(b)],
      { previous: "drop", timeoutMs: 5_000 },
    );
    assert.deepEqual(await treeDigest(mountpoint(b, VOLUME)), current, "the data before the first restore");
  } finally {
    await b.cleanup();
  }
});

for (const fault of ["the units do not come up", "the import fails"] as const) {
  Deno.test(`when ${fault}, the old files and the very same data are put back (exit 7)`, async () => {
    const b = await tarBench();
    try {
      const { saved, current } = await setUp(b);
      const inode = (await Deno.stat(join(mountpoint(b, VOLUME), "new.txt"))).ino;
      if (fault === "the units do not come up") b.host.crashUnit("web.service");
      else b.faults.importFails = 1;
      await putBackAfter(b, await trustBackup(b.engine, saved), {
        hint: /back as it was before the restore: its files and the very data it had/,
        crashing: fault === "the units do not come up",
      }, { current, inode });
    } finally {
      await b.cleanup();
    }
  });
}

Deno.test("a restore killed after moving the data aside is put back by the next run", async () => {
  const b = await tarBench();
  try {
    const { saved, current } = await setUp(b);
    const pre = await backup(b.engine, "web", { reason: "before-restore", skipVolumes: true, prune: false });
    const a = asideOf(VOLUME, onBtrfs(b).folder, "t1");
    await b.engine.systemd.stop(["web.service"]);
    await moveAside(a);
    const entry = await beginEntry(b.engine.paths, "restore", "web", {
      id: saved.id,
      dir: saved.dir,
      preDir: pre.dir,
      mode: "aside",
      asides: [a],
      previous: "archive",
    });
    entry.step = "restoring";
    entry.pid = -1;
    await Deno.writeTextFile(join(b.engine.paths.journalDir, `${entry.id}.json`), JSON.stringify(entry));
    const done = await recoverPending(await b.another());
    assert.deepEqual(done, [
      "web was put back as it was before the interrupted restore (its files and the very data it had)",
    ]);
    assert.deepEqual(await treeDigest(mountpoint(b, VOLUME)), current);
    assert.equal(b.host.unit("web.service").active, "active");
    assert.deepEqual(await leftAside(b), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a damaged archive is found during the import, and the very old data is put back (exit 7)", async () => {
  const b = await tarBench();
  try {
    const { saved, current } = await setUp(b);
    const inode = (await Deno.stat(join(mountpoint(b, VOLUME), "new.txt"))).ino;
    const archive = join(saved.dir, saved.volumes[0]!.archive);
    const bytes = await Deno.readFile(archive);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await Deno.writeFile(archive, bytes);
    const trusted = await trustBackup(b.engine, saved, { contents: false }); // the structure is sound
    await putBackAfter(b, trusted, {
      message:
        /the backup is (damaged: volumes\/systemd-web-data\.tar\S* is damaged|not safe to restore: .*zstd could not read it)/,
    }, { current, inode });
  } finally {
    await b.cleanup();
  }
});

Deno.test("a checksum that does not match stops the restore before a unit starts, and the old data goes back", async () => {
  const b = await tarBench();
  try {
    const { saved, current } = await setUp(b);
    const inode = (await Deno.stat(join(mountpoint(b, VOLUME), "new.txt"))).ino;
    // A whole, safe archive that is not the one the backup recorded (an accident a checksum is for).
    const record = JSON.parse(await Deno.readTextFile(join(saved.dir, "backup.json")));
    record.volumes[0].sha256 = "0".repeat(64);
    await Deno.writeTextFile(join(saved.dir, "backup.json"), JSON.stringify(record, null, 2));
    const info = (await listBackups(b.engine, "web")).find((x) => x.id === saved.id)!;
    const trusted = await trustBackup(b.engine, info, { contents: false });
    const started = b.calls.length;
    await putBackAfter(b, trusted, {
      message: /the backup is damaged: volumes\/systemd-web-data\.tar\S* is damaged/,
    }, { current, inode });
    const starts = b.calls.slice(started).filter((c) => /systemctl .*start .*web\.service/.test(c));
    assert.equal(starts.length, 1, `web.service started once, by the put-back: ${starts.join(" | ")}`);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a forged archive (resealed) is refused on the import's stream; the host keeps the very old data", async () => {
  const b = await tarBench();
  try {
    const { saved, current } = await setUp(b);
    const inode = (await Deno.stat(join(mountpoint(b, VOLUME), "new.txt"))).ino;
    const evil = makeTar([{ name: "ok.txt", data: "fine" }, { name: "../../../.bashrc", data: "evil" }]);
    const record = JSON.parse(await Deno.readTextFile(join(saved.dir, "backup.json")));
    await Deno.remove(join(saved.dir, record.volumes[0].archive));
    record.volumes[0] = { ...record.volumes[0], compression: "none", archive: `volumes/${VOLUME}.tar` };
    await Deno.writeFile(join(saved.dir, record.volumes[0].archive), evil);
    record.volumes[0].sha256 = await sha256File(join(saved.dir, record.volumes[0].archive));
    record.volumes[0].sizeBytes = evil.length;
    record.sizeBytes = await treeSize(saved.dir) - (await Deno.stat(join(saved.dir, "backup.json"))).size;
    await Deno.writeTextFile(join(saved.dir, "backup.json"), JSON.stringify(record, null, 2));
    const info = (await listBackups(b.engine, "web")).find((x) => x.id === saved.id)!;
    const trusted = await trustBackup(b.engine, info, { contents: false });
    await putBackAfter(b, trusted, {
      message: /not safe to restore: volumes\/systemd-web-data\.tar .*climbs out with "\.\."/,
    }, { current, inode });
    await Deno.stat(join(mountpoint(b, VOLUME), "../../../.bashrc")).then(() => assert.fail("written out"), () => {});
  } finally {
    await b.cleanup();
  }
});
