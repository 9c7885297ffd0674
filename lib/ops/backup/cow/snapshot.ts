/**
 * The short-downtime path of a backup: where every volume to copy sits on
 * storage that clones (lib/backup/storage/probe.ts: btrfs, xfs with
 * reflink), the units are stopped only while a reflink copy of each volume
 * is made into a temporary podman volume, started again, and the archives
 * are made from the copies while the service runs. Elsewhere (ext4, tmpfs,
 * remote or mounted volumes), or when bind mounts are archived too (they
 * have no copy), nothing here runs and the backup is today's: stopped for
 * the whole archive.
 *
 * The journal entry lists the copies before they exist, so a backup killed
 * at any point leaves none behind after recovery.
 *
 * @module
 */
import type { Engine } from "../../../engine.ts";
import { type JournalEntry, markStep } from "../../../state/journal.ts";
import { listVolumes, probeVolumes, type VolumeData, type VolumeRow } from "../../../backup/storage/probe.ts";
import { planBackup } from "../../../backup/plan.ts";
import { loadSetFiles } from "../../../state/store.ts";
import { requireManifest } from "../../set_lookup.ts";
import {
  type Copier,
  dropSnapshots,
  prepareSnapshots,
  type Snapshot,
  SNAPSHOT_PREFIX,
  snapshotName,
  startCopier,
} from "../../../backup/storage/snapshot.ts";

/** A snapshot path ready to copy when the units are stopped. */
export interface SnapshotRun {
  /** The temporary volume to export instead of each original, by volume name. */
  exportName(volume: string): string;
  /** Makes the copies (units stopped); false when the copier failed (then export the originals, still stopped). */
  copy(): Promise<boolean>;
  /** Removes the copies (always called). */
  drop(): Promise<void>;
}

/** Whether leger runs podman rootless (its files may belong to sub-uids). */
export function rootless(engine: Engine): boolean {
  return engine.scope === "user" && Deno.uid() !== 0;
}

/** The journal data key listing a backup's temporary copies. */
export const SNAPSHOTS_KEY = "snapshots";

/**
 * Whether the snapshot path applies (every one of `volumes` clones); if
 * so, lists its temporary copies in the journal entry before any exists.
 */
export async function snapshotPlanned(engine: Engine, volumes: VolumeData[], entry: JournalEntry): Promise<boolean> {
  if (volumes.length === 0 || volumes.some((v) => v.path !== "reflink")) return false;
  await markStep(engine.paths, entry, "snapshot", { [SNAPSHOTS_KEY]: volumes.map((v) => snapshotName(v.name)) });
  return true;
}

/**
 * Creates the temporary volumes and starts the copier, before the units
 * are stopped (nothing runs beside their stop: decision 72); undefined,
 * with a warning, when podman cannot make them (the backup then takes
 * today's path).
 */
export async function prepareSnapshotRun(
  engine: Engine,
  volumes: VolumeData[],
  rows: VolumeRow[],
): Promise<SnapshotRun | undefined> {
  const names = volumes.map((v) => snapshotName(v.name));
  let snaps: Snapshot[];
  try {
    snaps = await prepareSnapshots(engine.$, volumes, new Set(rows.map((r) => r.name)));
  } catch (error) {
    engine.log.warn(`${(error as Error).message}; archiving the volumes while the units are stopped instead`);
    await dropSnapshots(engine.$, names).catch(() => {});
    return undefined;
  }
  const copier: Copier = startCopier(engine.$, snaps, rootless(engine));
  let copied = false;
  return {
    exportName: (volume) => copied ? snaps.find((s) => s.volume === volume)?.copy ?? volume : volume,
    async copy() {
      engine.log.step(`Taking a reflink copy of ${volumes.map((v) => v.name).join(", ")}`);
      try {
        const t0 = performance.now();
        await copier.go();
        copied = true;
        engine.log.debug(`the reflink copy took ${Math.round(performance.now() - t0)} ms`);
      } catch (error) {
        engine.log.warn(`${(error as Error).message}; archiving the volumes while the units are stopped instead`);
      }
      return copied;
    },
    async drop() {
      await copier.cancel();
      await dropSnapshots(engine.$, snaps.map((s) => s.copy)).catch((e) =>
        engine.log.error(`could not remove the temporary copies: ${(e as Error).message}`)
      );
    },
  };
}

/** Recovery: removes the temporary copies a killed backup listed in its journal entry. */
export async function dropListedSnapshots(engine: Engine, entry: JournalEntry): Promise<void> {
  const listed = entry.data[SNAPSHOTS_KEY];
  const names = Array.isArray(listed)
    ? listed.filter((n): n is string => typeof n === "string" && n.startsWith(SNAPSHOT_PREFIX))
    : [];
  await dropSnapshots(engine.$, names);
}

/** Which path one volume of a set takes in a backup (`leger backup --dry-run`). */
export interface VolumePath {
  volume: string;
  /** `reflink`: frozen (`stop`: stopped) only for a copy; `stream`: stopped for the whole archive; `absent`: nothing to back up. */
  path: "reflink" | "stream" | "absent";
  why: string;
}

/** The path each volume of an installed set would take in a backup, read without changing anything. */
export async function backupPaths(engine: Engine, name: string): Promise<VolumePath[]> {
  const manifest = await requireManifest(engine, name);
  const plan = planBackup(manifest, await loadSetFiles(engine.paths, name));
  if (plan.volumes.length === 0) return [];
  const rows = await listVolumes(engine.$);
  const data = await probeVolumes(engine.$, rows.filter((r) => plan.volumes.some((v) => v.name === r.name)));
  return plan.volumes.map((v) => {
    const d = data.find((x) => x.name === v.name);
    return d
      ? { volume: v.name, path: d.path, why: d.why }
      : { volume: v.name, path: "absent" as const, why: "the volume does not exist (its units never ran?)" };
  });
}
