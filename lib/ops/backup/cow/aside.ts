/**
 * A restore that keeps the current data by moving it, not archiving it.
 * Where every volume the backup restores that exists now is a plain local
 * volume on storage that clones (the same condition as a backup's
 * snapshot path, lib/backup/storage/probe.ts: btrfs, xfs with reflink),
 * the before-restore backup holds only the files and the manifest, and
 * each volume's folder is renamed aside (lib/backup/storage/aside.ts)
 * before the restored data goes in. Elsewhere (ext4 and the rest) the
 * restore is today's: a full before-restore backup first.
 *
 * Moving aside is undone exactly, so the archives' contents are checked
 * during the restore instead of in a pass before: each volume's members on
 * the import's own stream, no member passed to podman before it passed
 * (lib/backup/import/checked.ts); the checksums and bind archives beside
 * the stop and the imports (lib/ops/backup/trust.ts), before any bind is
 * extracted and before a unit starts. A backup refused then is a restore
 * put back (exit 7), where today's path refuses it before anything changes.
 *
 * The moved-aside data is kept until the restored set passes its health
 * gate. When a step fails, the gate fails, or leger is killed (the next
 * run's recovery, or `leger recover`), the old files are reinstalled, each
 * volume is made again through the old unit and its old folder renamed
 * back: the host has the old data or the restored data, never a mix.
 *
 * After success the old data is, by `previous`: `archive` (the default)
 * turned into the before-restore backup's volume archives, which `leger
 * restore` leaves to a `leger recover NAME` it starts in the background (or
 * the next leger run, if that one is stopped); or `drop`: removed at once
 * with the files-only record. Until then the journal entry stays at step
 * "committed" and says where the data waits.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../../../engine.ts";
import { ExitCode, LegerError } from "../../../core/errors.ts";
import { atomicWriteJson, removeIfExists } from "../../../core/fs.ts";
import { operand } from "../../../core/argv.ts";
import { watchFileSize, watching } from "../../../core/progress/watch.ts";
import { removeVolumes } from "../../../host/podman.ts";
import { type JournalEntry, markStep } from "../../../state/journal.ts";
import type { Manifest } from "../../../state/manifest.ts";
import { unitFilesOf } from "../../../quadlet/units.ts";
import { type BackupInfo, PARTIAL, readBackup, toRecord } from "../../../backup/info.ts";
import { planBackup } from "../../../backup/plan.ts";
import { archiveSuffix, chooseCompression, streamToFile } from "../../../backup/stream.ts";
import { listVolumes, probeVolumes, type VolumeData } from "../../../backup/storage/probe.ts";
import {
  type Aside,
  asideOf,
  moveAside,
  putBack as renameBack,
  removeData,
  waiting,
} from "../../../backup/storage/aside.ts";
import { dropSnapshots, SNAPSHOT_LABEL, snapshotName } from "../../../backup/storage/snapshot.ts";
import type { Guard } from "../../guard.ts";
import { describeFailures, type HealthResult } from "../../health.ts";
import { backup, treeSize } from "../create.ts";
import { putBack, recreateVolume, startAndCheck, stopAll } from "../put.ts";
import { checkContents, trustBackup, type TrustedBackup } from "../trust.ts";
import { rootless } from "./snapshot.ts";

/** What happens to the moved-aside data after a successful restore. */
export type Previous = "archive" | "drop";

/** The journal entry's data of a restore that moved data aside. */
interface AsideData {
  id: string;
  dir: string;
  preDir: string;
  mode: "aside";
  asides: Aside[];
  previous: Previous;
}

/** The note on a before-restore backup whose volume data is still aside. */
const PENDING_NOTE = "volume data kept aside by the restore; leger recover archives it";

/**
 * The volumes to move aside, or undefined when the restore must take
 * today's path (a volume that is not plain, or storage without reflinks).
 */
export async function planAside(engine: Engine, info: BackupInfo): Promise<VolumeData[] | undefined> {
  if (info.volumes.length === 0) return undefined;
  const rows = await listVolumes(engine.$);
  const wanted = new Set(info.volumes.map((v) => v.name));
  const now = rows.filter((r) => wanted.has(r.name));
  if (now.length === 0) return undefined;
  const data = await probeVolumes(engine.$, now);
  return data.every((d) => d.movable && d.path === "reflink") ? data : undefined;
}

/** What {@linkcode restoreAside} returns (restore.ts adds the rest of its result). */
export interface AsideResult {
  manifest: Manifest;
  health: HealthResult;
  pre: BackupInfo;
  /** `archive`: the entry waits for `leger recover` to archive the old data. */
  previous: Previous;
}

function asideData(entry: JournalEntry): AsideData | undefined {
  const d = entry.data as Partial<AsideData>;
  if (d.mode !== "aside" || typeof d.preDir !== "string" || !Array.isArray(d.asides)) return undefined;
  const asides = d.asides.filter((a): a is Aside =>
    typeof a?.volume === "string" && typeof a.folder === "string" && typeof a.aside === "string" &&
    a.aside.slice(a.aside.lastIndexOf("/") + 1).startsWith(".leger-aside-")
  );
  return { ...(d as AsideData), asides, previous: d.previous === "drop" ? "drop" : "archive" };
}

/**
 * Restores `trusted` with the current data of `volumes` moved aside (see
 * the module's notes). Throws a LegerError with exit code 7 when it put
 * the old state back.
 */
export async function restoreAside(
  engine: Engine,
  guard: Guard,
  trusted: TrustedBackup,
  current: Manifest,
  volumes: VolumeData[],
  options: { previous: Previous; timeoutMs: number },
): Promise<AsideResult> {
  const { info } = trusted;
  const name = info.name;
  const pre = await backup(engine, guard, name, {
    reason: "before-restore",
    prune: false,
    skipVolumes: true,
    note: PENDING_NOTE,
  });
  const asides = volumes.map((v) => asideOf(v.name, v.folder, pre.id.toLowerCase()));
  const data: AsideData = { id: info.id, dir: info.dir, preDir: pre.dir, mode: "aside", asides, ...options };
  return await guard.journal("restore", name, { ...data }, async (entry) => {
    let manifest: Manifest | undefined;
    // The checksums and bind archives are checked while the units stop and the volumes are imported; each volume's
    // members on the import's own stream (lib/backup/import/checked.ts). Nothing is extracted unchecked.
    const checked = checkContents(engine, info, undefined, { volumesOnStream: true }).then((problems) => {
      if (problems.length) {
        throw new LegerError(`the backup is not safe to restore: ${problems.join("; ")}`, {
          hint: `Pick another backup (leger backups ${name}).`,
        });
      }
    });
    checked.catch(() => {}); // awaited by putBack; a failure there is the restore's error
    try {
      engine.log.step(`Restoring ${name} from ${info.id}`);
      await markStep(engine.paths, entry, "aside");
      await stopAll(engine, [...current.units, ...trusted.manifest.units]);
      engine.log.step(`Moving the current data of ${asides.map((a) => a.volume).join(", ")} aside`);
      for (const a of asides) await moveAside(a);
      await markStep(engine.paths, entry, "restoring");
      manifest = await putBack(engine, trusted, [], { checkedOnTheWay: checked, stopped: true });
      await markStep(engine.paths, entry, "restored");
      const health = await startAndCheck(engine, manifest.units, options.timeoutMs);
      if (!health.ok) {
        const failed = health.failed.map((f) => f.unit).join(", ");
        throw new LegerError(`${failed} did not come up\n${describeFailures(health.failed)}`, {
          details: { failed: health.failed },
        });
      }
      await markStep(engine.paths, entry, "committed");
      engine.log.info(
        `restored ${name} from ${info.id}: ${info.volumes.length} volume(s), ${manifest.units.length} unit(s) up`,
      );
      if (options.previous === "drop") await finishAside(engine, entry);
      return { manifest, health, pre, previous: options.previous };
    } catch (error) {
      const back = await putAsidesBack(engine, entry, options.timeoutMs).then(() => true, (e) => {
        engine.log.error(`could not put the previous state back: ${(e as Error).message}`);
        return false;
      });
      throw new LegerError(`Cannot restore ${name} from ${info.id}: ${(error as Error).message}`, {
        cause: error,
        ...(back ? { exitCode: ExitCode.rolledBack } : {}),
        hint: back
          ? `${name} is back as it was before the restore: its files and the very data it had.`
          : `The old data of ${name} waits in ${
            asides.map((a) => a.aside).join(", ")
          }: fix the cause, then run leger recover ${name} to put it back.`,
        ...(error instanceof LegerError && error.details ? { details: error.details } : {}),
      });
    }
  }, {
    // Put back: the entry ends. Not put back: it stays, for leger recover to finish.
    keepOnFailure: (error) => !(error instanceof LegerError && error.exitCode === ExitCode.rolledBack),
    // `archive`: the entry waits at "committed" for leger recover (started in the background) to archive the old data.
    keepOnSuccess: options.previous === "archive",
  });
}

/**
 * Puts the state before an aside restore back: the old files, each volume
 * made again through its old unit with its old folder renamed back in, and
 * the units started. Every step looks at what is there, so it finishes a
 * put-back that was itself cut short.
 */
async function putAsidesBack(engine: Engine, entry: JournalEntry, timeoutMs: number): Promise<void> {
  const d = asideData(entry);
  if (!d) throw new Error("its journal entry does not say where the data went");
  const preInfo = await readBackup(d.preDir);
  if (!preInfo) throw new Error(`the record of the files before the restore (${d.preDir}) is gone`);
  engine.log.warn(`putting ${entry.name} back as it was before the restore`);
  const pre = await trustBackup(engine, preInfo, { quick: true });
  const manifest = await putBack(engine, pre, []);
  const units = new Map(planBackup(pre.manifest, pre.files).volumes.map((v) => [v.name, v.unitFile]));
  const texts = new Map(unitFilesOf(pre.files).map((f) => [f.name, f.text]));
  for (const a of d.asides) {
    if (!(await waiting(a))) continue;
    await removeVolumes(engine.$, [a.volume]);
    const unitFile = units.get(a.volume);
    await recreateVolume(engine, { name: a.volume, ...(unitFile ? { unitFile } : {}) }, texts);
    const discard = await renameBack(a);
    if (discard) await removeData(engine.$, discard, rootless(engine));
  }
  const health = await startAndCheck(engine, manifest.units, timeoutMs);
  if (!health.ok) {
    engine.log.error(`after putting it back, ${health.failed.map((f) => f.unit).join(", ")} did not come up either`);
  }
  await markStep(engine.paths, entry, "put-back");
  await removeIfExists(d.preDir);
}

/**
 * After success: archives the moved-aside data into the before-restore
 * backup (`archive`), or removes it with that files-only record (`drop`).
 * Safe to repeat: a volume already archived is passed over.
 */
async function finishAside(engine: Engine, entry: JournalEntry): Promise<string> {
  const d = asideData(entry);
  if (!d) throw new Error("its journal entry does not say where the data went");
  const rootlessRun = rootless(engine);
  if (d.previous === "drop") {
    for (const a of d.asides) await removeData(engine.$, a.aside, rootlessRun);
    await removeIfExists(d.preDir);
    await markStep(engine.paths, entry, "finished");
    return `the data ${entry.name} had before the restore was removed`;
  }
  const pre = await readBackup(d.preDir);
  if (!pre) throw new Error(`the before-restore backup ${d.preDir} is gone`);
  const compression = await chooseCompression(engine);
  const existing = new Set((await listVolumes(engine.$)).map((r) => r.name));
  for (const a of d.asides) {
    if (pre.volumes.some((v) => v.name === a.volume)) continue;
    const snap = snapshotName(a.volume);
    const volumesDir = a.folder.slice(0, a.folder.lastIndexOf("/"));
    if (await waiting(a)) {
      // The aside becomes a podman volume of its own, so podman archives it as it archives any volume.
      if (!existing.has(snap)) await createVolume(engine, snap, a.volume);
      const discard = await renameBack({ volume: snap, folder: join(volumesDir, snap), aside: a.aside });
      if (discard) await removeData(engine.$, discard, rootlessRun);
    } else if (!existing.has(snap)) {
      engine.log.warn(`${entry.name}: the old data of ${a.volume} is gone; it is not in the before-restore backup`);
      continue;
    }
    const archive = `volumes/${a.volume}${archiveSuffix(compression)}`;
    const partial = `${d.preDir}-${a.volume}${PARTIAL}`;
    const w = await watching(
      engine.log,
      `archive the old data of volume ${a.volume}`,
      {},
      (on) => watchFileSize(partial, on),
      () =>
        streamToFile(
          engine.$,
          ["podman", "volume", "export", "--", operand(snap, "volume name")],
          compression,
          partial,
          `archive ${a.volume}`,
        ),
    );
    await Deno.mkdir(join(d.preDir, "volumes"), { recursive: true, mode: 0o700 });
    await Deno.rename(partial, join(d.preDir, archive));
    pre.volumes.push({ name: a.volume, archive, sha256: w.sha256, sizeBytes: w.sizeBytes, compression });
    // As a backup counts it: every file but backup.json itself.
    pre.sizeBytes = await treeSize(d.preDir) - (await Deno.stat(join(d.preDir, "backup.json"))).size;
    await atomicWriteJson(join(d.preDir, "backup.json"), toRecord(pre), { mode: 0o600 });
    await dropSnapshots(engine.$, [snap]);
  }
  if (pre.note === PENDING_NOTE) {
    delete pre.note;
    await atomicWriteJson(join(d.preDir, "backup.json"), toRecord(pre), { mode: 0o600 });
  }
  await markStep(engine.paths, entry, "finished");
  return `the data ${entry.name} had before the restore is archived in backup ${pre.id}`;
}

async function createVolume(engine: Engine, name: string, of: string): Promise<void> {
  const r = await engine.$`podman volume create --label ${`${SNAPSHOT_LABEL}=${of}`} -- ${operand(name, "volume name")}`
    .stdout("null")
    .stderr("piped").noThrow();
  if (r.code !== 0) throw new Error(`cannot create ${name}: ${r.stderr.trim()}`);
}

/**
 * Recovery of an aside restore: before "committed", the old state is put
 * back; after it, the old data is archived or dropped as asked. Returns
 * undefined for an entry that is not an aside restore.
 */
export async function recoverAside(engine: Engine, entry: JournalEntry): Promise<string | undefined> {
  if (!asideData(entry)) return undefined;
  if (entry.step === "put-back") return `${entry.name} had been put back as it was before the interrupted restore`;
  if (entry.step === "committed" || entry.step === "finished") return await finishAside(engine, entry);
  await putAsidesBack(engine, entry, 30_000);
  return `${entry.name} was put back as it was before the interrupted restore (its files and the very data it had)`;
}
