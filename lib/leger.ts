/**
 * The operations of leger as one object: what commands call and what a
 * workflow file receives as `leger`. Each returns data, not text.
 *
 * @module
 */
import type { Engine } from "./engine.ts";
import { withLock } from "./lock.ts";
import { doctor, type DoctorCheck } from "./ops/doctor.ts";
import {
  install,
  type InstallOptions,
  installPrepared,
  type InstallResult,
  prepare,
  type PreparedSet,
  type PrepareOptions,
} from "./ops/install.ts";
import { control, inspect, list, logs, type SetDetails, type SetRow } from "./ops/query.ts";
import { remove, type RemoveOptions, type RemoveResult } from "./ops/remove.ts";
import { recoverPending } from "./ops/recover.ts";
import {
  backup,
  type BackupInfo,
  type BackupOptions,
  listBackups,
  pruneBackups,
  type PruneOptions,
  type PruneResult,
  restore,
  type RestoreOptions,
  type RestoreResult,
} from "./ops/backup.ts";
import type { UnitState } from "./systemd.ts";
import { apply, type ApplyOptions, type ApplyResult } from "./ops/apply.ts";
import { diff, type DiffResult, formatDiff } from "./ops/diff.ts";
import { discard, stage, staged, type StagedRow, type StageResult } from "./ops/stage.ts";

/** The operations a workflow can call. */
export interface Leger {
  /** Fetches and checks a source without changing the host. */
  prepare(source: string, options?: PrepareOptions): Promise<PreparedSet>;
  /** Installs a prepared set (refuses on check errors). */
  installPrepared(prepared: PreparedSet, options?: InstallOptions): Promise<InstallResult>;
  /** prepare + installPrepared. */
  install(source: string, options?: PrepareOptions & InstallOptions): Promise<InstallResult>;
  /** Removes an installed set. */
  remove(name: string, options?: RemoveOptions): Promise<RemoveResult>;
  /** Every installed set with its units' states. */
  list(): Promise<SetRow[]>;
  /** One set in detail (manifest, states, hand edits). */
  inspect(name: string): Promise<SetDetails>;
  /** Journal lines of a set's units. */
  logs(name: string, lines?: number): Promise<string>;
  /** Starts a set's units. */
  start(name: string): Promise<UnitState[]>;
  /** Stops a set's units. */
  stop(name: string): Promise<UnitState[]>;
  /** Restarts a set's units. */
  restart(name: string): Promise<UnitState[]>;
  /** Host readiness checks. */
  doctor(): Promise<DoctorCheck[]>;
  /** Fetches and checks new versions; keeps them aside (nothing applied). */
  stage(nameOrAll: string, options?: { ref?: string; force?: boolean }): Promise<StageResult[]>;
  /** What is staged. */
  staged(): Promise<StagedRow[]>;
  /** Installed vs staged, as data. */
  diff(name: string): Promise<DiffResult>;
  /** Installed vs staged, as the text `leger diff` prints. */
  diffText(name: string, options?: { color?: boolean }): Promise<string>;
  /** Applies staged versions (backup first, rollback when unhealthy). */
  apply(nameOrAll: string, options?: ApplyOptions): Promise<ApplyResult[]>;
  /** Drops staged versions. */
  discard(nameOrAll: string): Promise<string[]>;
  /** Finishes operations a killed run left behind. */
  recover(): Promise<string[]>;
  /** Backs up a set's files, manifest and volumes (units stopped for the copy unless `live`). */
  backup(name: string, options?: Omit<BackupOptions, "locked">): Promise<BackupInfo>;
  /** Backups of a set, or of every set, newest first. */
  backups(name?: string): Promise<BackupInfo[]>;
  /** Restores a set from a backup (the newest when `id` is left out). */
  restore(name: string, id?: string, options?: Omit<RestoreOptions, "locked">): Promise<RestoreResult>;
  /** Applies the backup retention rules. */
  prune(options?: PruneOptions): Promise<PruneResult>;
}

/** Binds the operations to an engine. */
export function createLeger(engine: Engine): Leger {
  return {
    prepare: (source, options) => prepare(engine, source, options),
    installPrepared: (prepared, options) => installPrepared(engine, prepared, options),
    install: (source, options) => install(engine, source, options),
    remove: (name, options) => remove(engine, name, options),
    list: () => list(engine),
    inspect: (name) => inspect(engine, name),
    logs: (name, lines) => logs(engine, name, lines),
    start: (name) => control(engine, name, "start"),
    stop: (name) => control(engine, name, "stop"),
    restart: (name) => control(engine, name, "restart"),
    doctor: () => doctor(engine),
    stage: (nameOrAll, options) => stage(engine, nameOrAll, options),
    staged: () => staged(engine),
    diff: (name) => diff(engine, name),
    diffText: async (name, options) => formatDiff(await diff(engine, name), options),
    apply: (nameOrAll, options) => apply(engine, nameOrAll, options),
    discard: (nameOrAll) => discard(engine, nameOrAll),
    recover: async () => {
      return await withLock(engine.paths.lockFile, () => recoverPending(engine));
    },
    backup: (name, options) => backup(engine, name, { ...options, locked: false }),
    backups: (name) => listBackups(engine, name),
    restore: (name, id, options) => restore(engine, name, id, { ...options, locked: false }),
    prune: (options) => pruneBackups(engine, options),
  };
}
