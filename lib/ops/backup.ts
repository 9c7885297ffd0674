/**
 * Backup and restore of quadlet sets and their volumes: the one module the
 * rest of leger imports. The work is done in backup_create.ts (taking a
 * backup), restore.ts (putting one back), retention.ts (pruning) and
 * lib/backup/ (layout, streaming archives, what a backup covers).
 *
 * ```ts
 * const info = await backup(engine, "web");                 // manual, units stopped and started again
 * const all = await listBackups(engine, "web");             // newest first
 * const r = await restore(engine, "web", all[0]!.id);       // verified first, health-checked after
 * const p = await pruneBackups(engine, { dryRun: true });   // what retention would remove
 * ```
 *
 * @module
 */
export { backup, type BackupOptions, LEGER_VERSION } from "./backup_create.ts";
export { findBackup, restore, type RestoreOptions, type RestoreResult } from "./restore.ts";
export { pruneBackups, type PruneOptions, type PruneResult } from "./retention.ts";
export { type BackupInfo, listBackups, verifyBackup } from "../backup/info.ts";
export type { HealthResult } from "./health.ts";
