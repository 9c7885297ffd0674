/**
 * The state-changing operations as the facade (lib/leger.ts) runs them,
 * through the one wrapper (scope lock, recovery of interrupted runs,
 * journal: lib/ops/guarded.ts), without the facade's checks of the host
 * first: for the unit tests of one operation. The sets each one names to
 * the wrapper are the facade's.
 *
 * @module
 */
import type { Engine } from "../../lib/engine.ts";
import { guarded, locked } from "../../lib/ops/guarded.ts";
import * as applyOps from "../../lib/ops/update/apply.ts";
import * as backupOps from "../../lib/ops/backup/create.ts";
import * as installOps from "../../lib/ops/install/install.ts";
import * as removeOps from "../../lib/ops/install/remove.ts";
import * as restoreOps from "../../lib/ops/backup/restore.ts";
import * as retentionOps from "../../lib/ops/backup/retention.ts";
import * as stageOps from "../../lib/ops/update/stage.ts";

const sets = (nameOrAll: string) => (nameOrAll === "all" ? [] : [nameOrAll]);

/** Fetch, check and install. */
export async function install(
  engine: Engine,
  source: string,
  options: installOps.PrepareOptions & installOps.InstallOptions = {},
): Promise<installOps.InstallResult> {
  const prepared = await installOps.prepare(engine, source, options);
  return await guarded(engine, [prepared.name], (g) => installOps.installPrepared(engine, g, prepared, options));
}

/** Removes a set. */
export function remove(engine: Engine, name: string, options?: removeOps.RemoveOptions) {
  return guarded(engine, [name], (g) => removeOps.remove(engine, g, name, options));
}

/** Stages one set or all. */
export function stage(engine: Engine, nameOrAll: string, options?: stageOps.StageOptions) {
  return guarded(engine, sets(nameOrAll), (g) => stageOps.stage(engine, g, nameOrAll, options));
}

/** Drops staged copies. */
export function discard(engine: Engine, nameOrAll: string) {
  return guarded(engine, sets(nameOrAll), () => stageOps.discard(engine, nameOrAll));
}

/** Applies staged sets. */
export function apply(engine: Engine, nameOrAll: string, options?: applyOps.ApplyOptions) {
  return guarded(engine, sets(nameOrAll), (g) => applyOps.apply(engine, g, nameOrAll, options));
}

/** Backs up a set. */
export function backup(engine: Engine, name: string, options?: backupOps.BackupOptions) {
  return guarded(engine, [name], (g) => backupOps.backup(engine, g, name, options));
}

/** Restores a set from a backup. */
export function restore(engine: Engine, name: string, id?: string, options?: restoreOps.RestoreOptions) {
  return guarded(engine, [name], (g) => restoreOps.restore(engine, g, name, id, options));
}

/** Applies the retention rules. */
export function pruneBackups(engine: Engine, options: retentionOps.PruneOptions = {}) {
  return locked(engine, () => retentionOps.applyRetention(engine, options));
}
