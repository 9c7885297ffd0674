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
 * `leger restore <name> <id>`).
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
import { dirname, join } from "node:path";
import type { Engine } from "../../engine.ts";
import { parseDuration } from "../../core/duration.ts";
import { ExitCode, LegerError, NotFoundError } from "../../core/errors.ts";
import { ensureDir } from "../../core/fs.ts";
import { podman, volumeNames } from "../../host/podman.ts";
import { parseUnit } from "../../quadlet/parse.ts";
import { unitNameOf } from "../../quadlet/kinds.ts";
import { unitFilesOf } from "../../quadlet/units.ts";
import { placeSet } from "../install/place.ts";
import { type JournalEntry, markStep } from "../../state/journal.ts";
import { type Manifest, readManifest, writeManifest } from "../../state/manifest.ts";
import { saveSetFiles } from "../../state/store.ts";
import { type BackupInfo, backupsRoot, readBackup, scanBackups } from "../../backup/info.ts";
import { streamFromFile } from "../../backup/stream.ts";
import { backup } from "./create.ts";
import { describeFailures, type HealthResult, settleMsOf, startUnits } from "../health.ts";
import { checkSetName } from "../set_lookup.ts";
import type { Guard } from "../guard.ts";
import { trustBackup, type TrustedBackup } from "./trust.ts";
import { boundedList } from "../../core/bounded_list.ts";
import { unitArgs } from "../../host/systemd.ts";
import { operand } from "../../core/argv.ts";

/** Options of {@linkcode restore}. */
export interface RestoreOptions {
  /** Health gate timeout in ms (default: config health-timeout). */
  healthTimeoutMs?: number;
  /** Do not back up the current state first. */
  skipPreBackup?: boolean;
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

async function stopAll(engine: Engine, units: string[]): Promise<void> {
  for (const unit of [...new Set(units)].reverse()) {
    const r = await engine.systemd.systemctl(unitArgs("stop", [unit]));
    if (r.code !== 0) engine.log.warn(`${unit} did not stop: ${(r.stderr || r.stdout).trim()}`);
  }
}

/** Recreates a volume empty: through its `.volume` unit when it has one, else `podman volume create`. */
async function recreateVolume(
  engine: Engine,
  v: BackupInfo["volumes"][number],
  unitTexts: Map<string, string>,
): Promise<void> {
  if ((await volumeNames(engine.$)).includes(v.name)) {
    await podman(engine.$, ["volume", "rm", "--force", "--", v.name], `remove volume ${v.name} before restoring it`);
  }
  const text = v.unitFile ? unitTexts.get(v.unitFile) : undefined;
  if (v.unitFile && text !== undefined) {
    const unit = unitNameOf(v.unitFile, parseUnit(text, v.unitFile));
    await engine.systemd.resetFailed([unit]);
    const err = await engine.systemd.tryStart(unit);
    if (err !== undefined) engine.log.debug(`${unit} did not create ${v.name} (${err}); creating it directly`);
  }
  if (!(await volumeNames(engine.$)).includes(v.name)) {
    await podman(engine.$, ["volume", "create", "--", v.name], `create volume ${v.name}`);
  }
}

/**
 * Puts a verified backup in place: stops `stopUnits` and the backup's
 * units, reinstalls the files, recreates and fills every volume, extracts
 * archived binds, and records the manifest. Starts nothing.
 */
async function putBack(engine: Engine, trusted: TrustedBackup, stopUnits: string[]): Promise<Manifest> {
  const { info, files, manifest: target } = trusted;
  const name = info.name;
  const current = await readManifest(engine.paths, name);
  await stopAll(engine, [...stopUnits, ...(current?.units ?? []), ...target.units]);
  engine.log.step(`Putting back the files of ${name}`);
  const { records, backend } = await placeSet(engine, name, files, current);
  await engine.systemd.daemonReload();
  const texts = new Map(unitFilesOf(files).map((f) => [f.name, f.text]));
  for (const v of info.volumes) {
    engine.log.step(`Restoring volume ${v.name}`);
    await recreateVolume(engine, v, texts);
    await streamFromFile(
      engine.$,
      join(info.dir, v.archive),
      v.compression,
      (from) => ["podman", "volume", "import", "--", operand(v.name, "volume name"), from],
      `restore volume ${v.name} of ${name}`,
    );
  }
  for (const b of info.binds) {
    if (!b.archived || !b.archive) continue;
    engine.log.step(`Restoring bind mount ${b.hostPath} (merged into what is there)`);
    await ensureDir(dirname(b.hostPath));
    await streamFromFile(
      engine.$,
      join(info.dir, b.archive),
      b.compression ?? "none",
      // Owners by number (a name in the archive must not pick the owner); setuid, setgid, capabilities, devices
      // and links out were refused by the archive check (lib/backup/tar_check.ts).
      (from) => ["tar", "-C", dirname(b.hostPath), "--numeric-owner", "-xpf", from],
      `restore bind mount ${b.hostPath}`,
    );
  }
  await saveSetFiles(engine.paths, name, files);
  const now = new Date().toISOString();
  const manifest: Manifest = { ...target, scope: engine.scope, backend, files: records, updatedAt: now };
  await writeManifest(engine.paths, manifest);
  return manifest;
}

function healthTimeout(engine: Engine, options: RestoreOptions): number {
  return options.healthTimeoutMs ?? parseDuration(engine.config["health-timeout"], "health-timeout");
}

async function startAndCheck(engine: Engine, units: string[], timeoutMs: number): Promise<HealthResult> {
  if (units.length === 0) return { ok: true, states: [], failed: [] };
  engine.log.step(`Starting ${units.join(", ")}`);
  await engine.systemd.resetFailed(units);
  // The same settle time as every other health gate (health-settle): a slow service a user gave more time to come up
  // needs it after a restore too.
  return await startUnits(engine, units, { timeoutMs, settleMs: Math.min(settleMsOf(engine), timeoutMs) });
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
  engine.log.step(`Verifying backup ${info.id} of ${name}`);
  const trusted = await trustBackup(engine, info);
  const timeoutMs = healthTimeout(engine, options);
  const current = await readManifest(engine.paths, name);
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
 * when that is gone, putting back the before-restore backup).
 */
export async function recoverRestore(engine: Engine, entry: JournalEntry): Promise<string> {
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
