/**
 * The operations of leger as one object: what commands call and what a
 * workflow file receives as `leger`. Each returns data, not text.
 *
 * Each operation's module is imported when the operation is first called,
 * so `leger list` never loads the validator, the backup code or git
 * fetching (start-up time is most of a short command's time).
 *
 * @module
 */
import type { Engine } from "./engine.ts";
import type { DoctorCheck } from "./ops/doctor.ts";
import type { InstallOptions, InstallResult, PreparedSet, PrepareOptions } from "./ops/install.ts";
import type { SetDetails, SetRow } from "./ops/query.ts";
import type { RemoveOptions, RemoveResult } from "./ops/remove.ts";
import type { ValidateSourceOptions, ValidateSourceResult } from "./ops/validate_source.ts";
import type { AbandonOptions, AbandonResult, PendingRecovery } from "./ops/recover_user.ts";
import type { BackupInfo, PruneOptions, PruneResult, RestoreResult } from "./ops/backup.ts";
import type { VolumePath } from "./ops/backup_snapshot.ts";
import type { UnitState } from "./systemd.ts";
import type { ApplyOptions, ApplyResult } from "./ops/apply.ts";
import type { DiffResult } from "./ops/diff.ts";
import type { StagedRow } from "./ops/stage.ts";
import type { PreviewResult } from "./ops/preview.ts";
import type { Assignment } from "./fleet/plan.ts";
import {
  type AssignmentOptions,
  type DiffTextOptions,
  type Exact,
  type LegerBackupOptions,
  type LegerRestoreOptions,
  type LegerStageOptions,
  refuseUnknownOptions,
} from "./leger_options.ts";

/**
 * The operations a workflow can call. Options are exact: a key an
 * operation does not take is a compile error, and an error at run time
 * (exit code 2) for a workflow that is not type-checked.
 */
export interface Leger {
  /**
   * Fetches a source and validates it, as `leger validate --no-host` does;
   * needs no podman (set `host: true` to also ask this host).
   */
  validate<O extends ValidateSourceOptions>(
    source: string,
    options?: Exact<O, ValidateSourceOptions>,
  ): Promise<ValidateSourceResult>;
  /** Fetches and checks a source without changing the host (needs podman: it checks against this host). */
  prepare<O extends PrepareOptions>(source: string, options?: Exact<O, PrepareOptions>): Promise<PreparedSet>;
  /**
   * The sets a repository's `leger-hosts.yaml` assigns to this host, or
   * undefined when the source's folder has no such file (a single set).
   */
  assignment<O extends AssignmentOptions>(
    source: string,
    options?: Exact<O, AssignmentOptions>,
  ): Promise<Assignment | undefined>;
  /** Installs a prepared set (refuses on check errors). */
  installPrepared<O extends InstallOptions>(
    prepared: PreparedSet,
    options?: Exact<O, InstallOptions>,
  ): Promise<InstallResult>;
  /** prepare + installPrepared. */
  install<O extends PrepareOptions & InstallOptions>(
    source: string,
    options?: Exact<O, PrepareOptions & InstallOptions>,
  ): Promise<InstallResult>;
  /** Removes an installed set. */
  remove<O extends RemoveOptions>(name: string, options?: Exact<O, RemoveOptions>): Promise<RemoveResult>;
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
  /**
   * Fetches and checks new versions; keeps them aside (nothing applied).
   * With `dryRun`, nothing is kept: each changed result carries its `diff`.
   */
  stage<O extends LegerStageOptions>(
    nameOrAll: string,
    options?: Exact<O, LegerStageOptions>,
  ): Promise<PreviewResult[]>;
  /** What is staged. */
  staged(): Promise<StagedRow[]>;
  /** Installed vs staged, as data. */
  diff(name: string): Promise<DiffResult>;
  /** Installed vs staged, as the text `leger diff` prints. */
  diffText<O extends DiffTextOptions>(name: string, options?: Exact<O, DiffTextOptions>): Promise<string>;
  /** A diff (from `diff` or a dry-run `stage`) as the text `leger diff` prints. */
  formatDiff<O extends DiffTextOptions>(diff: DiffResult, options?: Exact<O, DiffTextOptions>): Promise<string>;
  /** Applies staged versions (backup first, rollback when unhealthy). */
  apply<O extends ApplyOptions>(nameOrAll: string, options?: Exact<O, ApplyOptions>): Promise<ApplyResult[]>;
  /** Drops staged versions. */
  discard(nameOrAll: string): Promise<string[]>;
  /** Finishes operations a killed run left behind (of one set, or all); throws when one cannot be finished. */
  recover(name?: string): Promise<string[]>;
  /** Operations left behind that are not recovered yet, with what each left on the host. */
  pendingRecoveries(name?: string): Promise<PendingRecovery[]>;
  /** Stops trying to recover a set's interrupted operations (the host stays as it is). */
  abandonRecovery<O extends AbandonOptions>(name: string, options?: Exact<O, AbandonOptions>): Promise<AbandonResult>;
  /** Backs up a set's files, manifest and volumes (units stopped for the copy unless `live`). */
  backup<O extends LegerBackupOptions>(name: string, options?: Exact<O, LegerBackupOptions>): Promise<BackupInfo>;
  /** Which path each volume of a set takes in a backup: a reflink copy (btrfs, xfs) or the stream, and why. */
  backupPaths(name: string): Promise<VolumePath[]>;
  /** Backups of a set, or of every set, newest first. */
  backups(name?: string): Promise<BackupInfo[]>;
  /** Restores a set from a backup (the newest when `id` is left out). */
  restore<O extends LegerRestoreOptions>(
    name: string,
    id?: string,
    options?: Exact<O, LegerRestoreOptions>,
  ): Promise<RestoreResult>;
  /** Applies the backup retention rules. */
  prune<O extends PruneOptions>(options?: Exact<O, PruneOptions>): Promise<PruneResult>;
}

/**
 * Binds the operations to an engine. Operations that change the host check
 * first that it is ready (podman, systemd: exit code 6), so a host that is
 * not ready is refused before anything is written.
 */
export function createLeger(engine: Engine): Leger {
  const installOps = () => import("./ops/install.ts");
  const query = () => import("./ops/query.ts");
  const staging = () => import("./ops/stage.ts");
  const diffOps = () => import("./ops/diff.ts");
  const backups = () => import("./ops/backup.ts");
  const recovery = () => import("./ops/recover_user.ts");
  // "not found" and "nothing to do" come before "host not ready": what leger's own state answers is answered first.
  const inspectFirst = async (name: string) => (await import("./ops/set_lookup.ts")).requireManifest(engine, name);
  const ready = async (dryRun?: boolean) => {
    if (!dryRun) await (await import("./ops/host_ready.ts")).requireHostReady(engine);
  };
  const control = async (name: string, action: "start" | "stop" | "restart") => {
    await inspectFirst(name);
    await ready();
    return await (await query()).control(engine, name, action);
  };
  return {
    prepare: async (source, options) => {
      refuseUnknownOptions("prepare", options);
      return (await installOps()).prepare(engine, source, options);
    },
    assignment: async (source, options) => {
      refuseUnknownOptions("assignment", options);
      return (await import("./fleet/plan.ts")).assignment(engine, source, options);
    },
    installPrepared: async (prepared, options) => {
      refuseUnknownOptions("installPrepared", options);
      const ops = await installOps();
      await ops.refuseBeforeHost(engine, prepared, options);
      await ready(options?.dryRun);
      return await ops.installPrepared(engine, prepared, options);
    },
    install: async (source, options) => {
      refuseUnknownOptions("install", options);
      const ops = await installOps();
      const prepared = await ops.prepare(engine, source, options);
      await ops.refuseBeforeHost(engine, prepared, options);
      await ready(options?.dryRun);
      return await ops.installPrepared(engine, prepared, options);
    },
    remove: async (name, options) => {
      refuseUnknownOptions("remove", options);
      await inspectFirst(name);
      await ready(options?.dryRun);
      return await (await import("./ops/remove.ts")).remove(engine, name, options);
    },
    list: async () => (await query()).list(engine),
    inspect: async (name) => (await query()).inspect(engine, name),
    logs: async (name, lines) => (await query()).logs(engine, name, lines),
    start: (name) => control(name, "start"),
    stop: (name) => control(name, "stop"),
    restart: (name) => control(name, "restart"),
    validate: async (source, options) => {
      refuseUnknownOptions("validate", options);
      return (await import("./ops/validate_source.ts")).validateSource(engine, source, options);
    },
    doctor: async () => (await import("./ops/doctor.ts")).doctor(engine),
    stage: async (nameOrAll, options) => {
      refuseUnknownOptions("stage", options);
      return options?.dryRun
        ? (await import("./ops/preview.ts")).preview(
          engine,
          nameOrAll,
          options.ref !== undefined ? { ref: options.ref } : {},
        )
        : (await staging()).stage(engine, nameOrAll, options);
    },
    staged: async () => (await staging()).staged(engine),
    diff: async (name) => (await diffOps()).diff(engine, name),
    diffText: async (name, options) => {
      refuseUnknownOptions("diffText", options);
      const { diff, formatDiff } = await diffOps();
      return formatDiff(await diff(engine, name), options);
    },
    formatDiff: async (d, options) => {
      refuseUnknownOptions("formatDiff", options);
      return (await diffOps()).formatDiff(d, options);
    },
    apply: async (nameOrAll, options) => {
      refuseUnknownOptions("apply", options);
      const ops = await import("./ops/apply.ts");
      if (!(await ops.anythingToApply(engine, nameOrAll))) return [];
      await ready(options?.dryRun);
      return await ops.apply(engine, nameOrAll, options);
    },
    discard: async (nameOrAll) => (await staging()).discard(engine, nameOrAll),
    recover: async (name) => (await recovery()).recover(engine, name).then((r) => r.recovered),
    pendingRecoveries: async (name) => (await recovery()).pendingRecoveries(engine, name),
    abandonRecovery: async (name, options) => {
      refuseUnknownOptions("abandonRecovery", options);
      return (await recovery()).abandon(engine, name, options);
    },
    backup: async (name, options) => {
      refuseUnknownOptions("backup", options);
      if (name !== "all") await inspectFirst(name);
      await ready();
      // Its own module, not ops/backup.ts: a backup loads neither restore nor install (nor the YAML reader).
      return await (await import("./ops/backup_create.ts")).backup(engine, name, { ...options, locked: false });
    },
    backupPaths: async (name) => {
      await inspectFirst(name);
      return (await import("./ops/backup_snapshot.ts")).backupPaths(engine, name);
    },
    backups: async (name) => (await backups()).listBackups(engine, name),
    restore: async (name, id, options) => {
      refuseUnknownOptions("restore", options);
      await (await import("./ops/restore.ts")).findBackup(engine, name, id);
      await ready();
      return await (await backups()).restore(engine, name, id, { ...options, locked: false });
    },
    prune: async (options) => {
      refuseUnknownOptions("prune", options);
      return (await backups()).pruneBackups(engine, options);
    },
  };
}
