/**
 * Restoring a set from a backup. Every checksum is verified first: a
 * damaged backup is refused before anything is touched. Then the current
 * state is backed up (reason before-restore), the units are stopped, the
 * files go back through the backend, each volume is removed, recreated
 * empty (through its `.volume` unit when it has one, so its options and
 * labels are the unit's) and filled from the archive, so its content is
 * exactly the backup's; finally the units start and must come up healthy.
 *
 * When they do not, or a step fails, the before-restore backup is put
 * back the same way (exit code 7). Without a before-restore backup (the
 * set was not installed, or `skipPreBackup`: apply rolling back), a health
 * failure is returned in `health` with the restored data left in place. A set that is not installed can be
 * restored too (disaster recovery: copy the backup folder over, then
 * `leger restore <name> <id>`). Where the volumes sit on storage that
 * clones (btrfs, xfs), the current data is moved aside instead of archived
 * first (lib/ops/backup/cow/aside.ts).
 *
 * Recovery: a restore cut short (leger killed) is rolled FORWARD by the
 * next run: the backup was verified before anything changed and every
 * step is idempotent (files reinstalled, volumes recreated and imported),
 * so finishing it is the one outcome that needs no guess about how far it
 * got. When the backup is gone by then, the before-restore backup is put
 * back instead.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../../engine.ts";
import { parseDuration } from "../../core/duration.ts";
import { ExitCode, LegerError, NotFoundError } from "../../core/errors.ts";
import { type JournalEntry, markStep } from "../../state/journal.ts";
import { type Manifest, readManifest } from "../../state/manifest.ts";
import { type BackupInfo, backupsRoot, readBackup, scanBackups } from "../../backup/info.ts";
import { backup } from "./create.ts";
import { describeFailures, type HealthResult } from "../health.ts";
import { checkSetName } from "../set_lookup.ts";
import type { Guard } from "../guard.ts";
import { trustBackup, trustContents } from "./trust.ts";
import { putBack, startAndCheck } from "./put.ts";
import { planAside, type Previous, recoverAside, restoreAside } from "./cow/aside.ts";
import { boundedList } from "../../core/bounded_list.ts";

/** Options of {@linkcode restore}. */
export interface RestoreOptions {
  /** Health gate timeout in ms (default: config health-timeout). */
  healthTimeoutMs?: number;
  /** Do not back up the current state first. */
  skipPreBackup?: boolean;
  /**
   * Where the current data is moved aside instead of archived first (storage
   * that clones: lib/ops/backup/cow/aside.ts), what becomes of it after success:
   * `archive` (default) into the before-restore backup, by `leger recover`;
   * `drop`: removed.
   */
  previous?: Previous;
}

/** What a restore did. */
export interface RestoreResult {
  name: string;
  /** The backup restored. */
  id: string;
  /** The backup of the state before the restore, if one was taken. */
  preRestoreBackup?: string;
  /** The units' health after the restore. */
  health: HealthResult;
  /**
   * The current data was moved aside, not archived: `archiving` (leger
   * recover NAME turns it into the before-restore backup's archives; leger
   * restore starts it in the background) or `dropped`.
   */
  previousData?: "archiving" | "dropped";
}

/** Finds a backup of a set by id, or the newest. */
export async function findBackup(engine: Engine, name: string, id?: string): Promise<BackupInfo> {
  const root = backupsRoot(engine);
  const scan = await scanBackups(root, name);
  const found = id ? scan.backups.find((b) => b.id === id) : scan.backups[0];
  if (found) return found;
  const bad = id ? scan.unreadable.find((u) => u.dir === join(root, name, id)) : undefined;
  if (bad) {
    throw new LegerError(`Cannot restore ${name} from ${id}: ${bad.problem}`, {
      hint: `Nothing was changed. See leger backups ${name} for the backups that can be restored.`,
    });
  }
  const ids = scan.backups.map((b) => b.id);
  throw new NotFoundError(
    `Cannot find ${id ? `the backup ${id}` : "a backup"} of ${name} in ${join(root, name)}`,
    ids.length
      ? `Backups of ${name}: ${boundedList(ids)}.`
      : `To restore on a new host, copy the backup folder to ${join(root, name)}/ first.`,
  );
}

function healthTimeout(engine: Engine, options: RestoreOptions): number {
  return options.healthTimeoutMs ?? parseDuration(engine.config["health-timeout"], "health-timeout");
}

/** Puts the before-restore backup back after a failed restore (best effort, logged). */
async function rollBack(engine: Engine, pre: BackupInfo, stopUnits: string[], timeoutMs: number): Promise<boolean> {
  engine.log.warn(`putting ${pre.name} back as it was before the restore (backup ${pre.id})`);
  try {
    const m = await putBack(engine, await trustBackup(engine, pre), stopUnits);
    const h = await startAndCheck(engine, m.units, timeoutMs);
    if (!h.ok) engine.log.error(`after the rollback, ${h.failed.map((f) => f.unit).join(", ")} did not come up either`);
    return true;
  } catch (error) {
    engine.log.error(`could not put the previous state back: ${(error as Error).message}`);
    return false;
  }
}

/**
 * Restores a set from a backup (the newest when `id` is left out); the
 * caller holds the scope lock (see guard.ts).
 *
 * @example
 * ```ts
 * const r = await createLeger(engine).restore("web", "2026-05-01T10-00-00-000Z");
 * if (!r.health.ok) console.log(r.health.failed);
 * ```
 */
export async function restore(
  engine: Engine,
  guard: Guard,
  name: string,
  id?: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  checkSetName(name);
  const info = await findBackup(engine, name, id);
  const current = await readManifest(engine.paths, name);
  engine.log.step(`Verifying backup ${info.id} of ${name}`);
  // Which path the data takes (podman and file system probes) is asked while the backup's structure is checked.
  const planning = current && !options.skipPreBackup ? planAside(engine, info) : Promise.resolve(undefined);
  planning.catch(() => {}); // awaited below, after the structure's verdict
  const trusted = await trustBackup(engine, info, { contents: false });
  const aside = await planning;
  // Moving aside is undone exactly, so there the archives' contents are checked while the units stop and the data
  // goes in (decision 76); elsewhere before anything changes.
  if (!aside) await trustContents(engine, trusted);
  const timeoutMs = healthTimeout(engine, options);
  if (current && aside) {
    const previous = options.previous ?? "archive";
    const r = await restoreAside(engine, guard, trusted, current, aside, { previous, timeoutMs });
    return {
      name,
      id: info.id,
      ...(previous === "archive" ? { preRestoreBackup: r.pre.id } : {}),
      health: r.health,
      previousData: previous === "archive" ? "archiving" : "dropped",
    };
  }
  const pre = current && !options.skipPreBackup
    ? await backup(engine, guard, name, { reason: "before-restore", prune: false })
    : undefined;
  const stopUnits = current?.units ?? [];
  const data = { id: info.id, dir: info.dir, ...(pre ? { preDir: pre.dir } : {}) };
  return await guard.journal("restore", name, data, async (entry) => {
    engine.log.step(`Restoring ${name} from ${info.id}`);
    let manifest: Manifest;
    try {
      manifest = await putBack(engine, trusted, stopUnits);
    } catch (error) {
      const back = pre ? await rollBack(engine, pre, stopUnits, timeoutMs) : false;
      throw new LegerError(`Cannot restore ${name} from ${info.id}: ${(error as Error).message}`, {
        cause: error,
        ...(back ? { exitCode: ExitCode.rolledBack } : {}),
        hint: back
          ? `${name} is back as it was before the restore (backup ${pre!.id}).`
          : pre
          ? `The data of ${name} may be incomplete and putting back the state before failed too: fix the cause, then run leger restore ${name} ${pre.id} (the state before) or leger restore ${name} ${info.id}.`
          : `Fix the cause and run leger restore ${name} ${info.id} again.`,
      });
    }
    await markStep(engine.paths, entry, "restored");
    const health = await startAndCheck(engine, manifest.units, timeoutMs);
    if (!health.ok) {
      const failed = health.failed.map((f) => f.unit).join(", ");
      if (!pre) {
        // Nothing to go back to (not installed before, or the caller rolls back itself): report, keep the data.
        engine.log.error(
          `restored ${name} from ${info.id}, but ${failed} did not come up\n${describeFailures(health.failed)}`,
        );
        return { name, id: info.id, health };
      }
      await rollBack(engine, pre, manifest.units, timeoutMs);
      throw new LegerError(
        `Cannot restore ${name} from ${info.id}: ${failed} did not come up\n${describeFailures(health.failed)}`,
        {
          exitCode: ExitCode.rolledBack,
          hint: `${name} was put back as it was before the restore (backup ${pre.id}).`,
          details: { failed: health.failed, preRestoreBackup: pre.id },
        },
      );
    }
    engine.log.info(
      `restored ${name} from ${info.id}: ${info.volumes.length} volume(s), ${manifest.units.length} unit(s) up`,
    );
    return { name, id: info.id, ...(pre ? { preRestoreBackup: pre.id } : {}), health };
  });
}

/**
 * Recovers a restore cut short by rolling it forward from its backup (or,
 * when that is gone, putting back the before-restore backup); a restore
 * that moved the data aside is put back or finished (lib/ops/backup/cow/aside.ts).
 */
export async function recoverRestore(engine: Engine, entry: JournalEntry): Promise<string> {
  const aside = await recoverAside(engine, entry);
  if (aside !== undefined) return aside;
  const dir = typeof entry.data.dir === "string" ? entry.data.dir : "";
  const preDir = typeof entry.data.preDir === "string" ? entry.data.preDir : undefined;
  const usable = async (d: string | undefined) => {
    const info = d ? await readBackup(d).catch(() => undefined) : undefined;
    if (!info) return undefined;
    return await trustBackup(engine, info, { quick: true }).catch((e) => {
      engine.log.warn((e as Error).message);
      return undefined;
    });
  };
  const forward = await usable(dir);
  const target = forward ?? await usable(preDir);
  if (!target) {
    // Thrown, not returned: the entry stays pending (blocking only this set) until retried or abandoned.
    throw new Error("neither its backup nor the before-restore backup is readable");
  }
  const m = await putBack(engine, target, []);
  for (const unit of m.units) {
    const err = await engine.systemd.tryStart(unit);
    if (err !== undefined) engine.log.warn(`${unit} did not start: ${err}`);
  }
  return forward
    ? `the restore of ${entry.name} from ${target.info.id} was finished`
    : `${entry.name} was put back as before the interrupted restore (${target.info.id})`;
}
