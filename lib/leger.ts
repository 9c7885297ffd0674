/**
 * The one door into the operations (lib/ops/; nothing else imports them):
 * {@linkcode Leger}, what commands call and what a workflow file receives as
 * `leger`; {@linkcode CommandOps}, what only the commands call;
 * {@linkcode UnattendedOps}, what the unattended updater calls; and
 * {@linkcode listSets}, `leger list` without an engine. Each returns data,
 * not text. Every operation that changes the host or leger's state runs
 * through the one wrapper (lib/ops/guarded.ts: scope lock, recovery,
 * journal).
 *
 * This module imports only types; each operation's module is imported when
 * the operation is first called, so `leger list` never loads the
 * validator, the backup code or git fetching (start-up time is most of a
 * short command's time).
 *
 * @module
 */
import type { Engine } from "./engine.ts";
import type { DoctorCheck } from "./ops/query/doctor.ts";
import type { InstallOptions, InstallResult, PreparedSet, PrepareOptions } from "./ops/install/install.ts";
import type { ListSource, SetRow } from "./ops/query/list.ts";
import type { ValidateTarget, ValidateTargetOptions } from "./ops/check/validate_target.ts";
import type { Diagnostic } from "./quadlet/diagnostic.ts";
import type { Use } from "./quadlet/conflicts.ts";
import type { SetDetails } from "./ops/query/query.ts";
import type { RemoveOptions, RemoveResult } from "./ops/install/remove.ts";
import type { ValidateSourceOptions, ValidateSourceResult } from "./ops/check/validate_source.ts";
import type { AbandonOptions, AbandonResult, PendingRecovery } from "./ops/recover/pending.ts";
import type { BackupInfo } from "./backup/info.ts";
import type { PruneOptions, PruneResult } from "./ops/backup/retention.ts";
import type { RestoreResult } from "./ops/backup/restore.ts";
import type { VolumePath } from "./ops/backup/cow/snapshot.ts";
import type { UnitState } from "./host/systemd_state.ts";
import type { ApplyOptions, ApplyResult } from "./ops/update/apply.ts";
import type { DiffResult } from "./ops/update/diff.ts";
import type { StagedRow, StageOptions, StageResult } from "./ops/update/stage.ts";
import type { ImageUpdateResult, PendingImage } from "./ops/update/images.ts";
import type { Manifest } from "./state/manifest.ts";
import type { PreviewResult } from "./ops/update/preview.ts";
import type { Guard } from "./ops/guard.ts";
import type { Assignment } from "./ops/install/assignment.ts";
import {
  type AssignmentOptions,
  type DiffTextOptions,
  type Exact,
  type InspectSourceOptions,
  type LegerBackupOptions,
  type LegerImportComposeOptions,
  type LegerRestoreOptions,
  type LegerStageOptions,
  refuseUnknownOptions,
} from "./leger_options.ts";
import type { ImportComposeResult } from "./compose/import.ts";
import type { AdoptOptions, AdoptResult } from "./ops/adopt/adopt.ts";
import type { UnownedRow } from "./ops/adopt/unowned.ts";
import type { ExportOptions, ExportResult } from "./ops/adopt/export.ts";
import type { SearchOptions, SearchResult } from "./catalog/search.ts";
import type { SetPreview } from "./catalog/preview.ts";

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
  /** Quadlets on this host that no set owns, grouped as podman groups them, with their units' states. */
  unowned(): Promise<UnownedRow[]>;
  /** Makes sets of unowned quadlets (group names, unit files or units) without restarting anything. */
  adopt<O extends AdoptOptions>(selectors: string[], options?: Exact<O, AdoptOptions>): Promise<AdoptResult>;
  /** Writes a set (adopted or installed) out as a folder ready to commit, with a `.leger.yaml`. */
  exportSet<O extends ExportOptions>(
    name: string,
    dir: string,
    options?: Exact<O, ExportOptions>,
  ): Promise<ExportResult>;
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
  /**
   * Writes a quadlet set folder from a Compose file (or the folder holding
   * one); changes nothing on the host. Written for this host's podman
   * unless `podmanVersion` says otherwise.
   */
  importCompose<O extends LegerImportComposeOptions>(
    path: string,
    options?: Exact<O, LegerImportComposeOptions>,
  ): Promise<ImportComposeResult>;
  /**
   * Every set the catalogs offer (config.yaml `catalogs:`, or `catalog`)
   * whose name, description or image holds `term`, with what is installed.
   */
  search<O extends SearchOptions>(term?: string, options?: Exact<O, SearchOptions>): Promise<SearchResult>;
  /**
   * The full source of a set's short name (`web`, `CATALOG/web`) from the
   * catalogs; a path or URL is returned as it is.
   */
  resolveSource<O extends SearchOptions>(source: string, options?: Exact<O, SearchOptions>): Promise<string>;
  /**
   * A set that is not installed, as `install` would bring it (a source, or a
   * name in the catalogs): fetched and checked, the host read but unchanged.
   */
  inspectSource<O extends InspectSourceOptions>(
    source: string,
    options?: Exact<O, InspectSourceOptions>,
  ): Promise<SetPreview>;
}

/**
 * Binds the operations to an engine. Operations that change the host check
 * first that it is ready (podman, systemd: exit code 6), so a host that is
 * not ready is refused before anything is written.
 */
export function createLeger(engine: Engine): Leger {
  const installOps = () => import("./ops/install/install.ts");
  const query = () => import("./ops/query/query.ts");
  const staging = () => import("./ops/update/stage.ts");
  const diffOps = () => import("./ops/update/diff.ts");
  const recovery = () => import("./ops/recover/pending.ts");
  /** Sets named (or none, for "all"): a failed recovery of one of them refuses the operation. */
  const sets = (nameOrAll: string) => (nameOrAll === "all" ? [] : [nameOrAll]);
  // Every operation that changes the host or leger's state runs through the one wrapper: lock, recovery, journal.
  const guarded = async <T>(names: string[], op: (guard: Guard) => Promise<T>) =>
    (await import("./ops/guarded.ts")).guarded(engine, names, op);
  // "not found" and "nothing to do" come before "host not ready": what leger's own state answers is answered first.
  const inspectFirst = async (name: string) => (await import("./ops/set_lookup.ts")).requireManifest(engine, name);
  const ready = async (dryRun?: boolean) => {
    if (!dryRun) await (await import("./ops/host_ready.ts")).requireHostReady(engine);
  };
  const guardedStage = async (nameOrAll: string, options?: StageOptions) => {
    const ops = await staging();
    return await guarded(sets(nameOrAll), (g) => ops.stage(engine, g, nameOrAll, options));
  };
  const control = async (name: string, action: "start" | "stop" | "restart") => {
    await inspectFirst(name);
    await ready();
    return await (await query()).control(engine, name, action);
  };
  // An adopted set replaced from a source goes through stage and apply, not remove-then-install.
  const installOrReplace = async (prepared: PreparedSet, options?: InstallOptions) => {
    const ops = await installOps();
    await ops.refuseBeforeHost(engine, prepared, options);
    await ready(options?.dryRun);
    const adoption = options?.replace ? await import("./ops/adopt/replace.ts") : undefined;
    if (options && adoption && await adoption.isAdopted(engine, prepared.name)) {
      return await guarded([prepared.name], (g) => adoption.replaceAdopted(engine, g, prepared, options));
    }
    return await guarded([prepared.name], (g) => ops.installPrepared(engine, g, prepared, options));
  };
  return {
    prepare: async (source, options) => {
      refuseUnknownOptions("prepare", options);
      return (await installOps()).prepare(engine, source, options);
    },
    assignment: async (source, options) => {
      refuseUnknownOptions("assignment", options);
      return (await import("./ops/install/assignment.ts")).assignment(engine, source, options);
    },
    installPrepared: async (prepared, options) => {
      refuseUnknownOptions("installPrepared", options);
      return await installOrReplace(prepared, options);
    },
    install: async (source, options) => {
      refuseUnknownOptions("install", options);
      return await installOrReplace(await (await installOps()).prepare(engine, source, options), options);
    },
    remove: async (name, options) => {
      refuseUnknownOptions("remove", options);
      await inspectFirst(name);
      await ready(options?.dryRun);
      const ops = await import("./ops/install/remove.ts");
      return await guarded([name], (g) => ops.remove(engine, g, name, options));
    },
    list: async () => (await query()).list(engine),
    exportSet: async (name, dir, options) => {
      refuseUnknownOptions("exportSet", options);
      return (await import("./ops/adopt/export.ts")).exportSet(engine, name, dir, options);
    },
    unowned: async () => (await import("./ops/adopt/unowned.ts")).unowned(engine),
    adopt: async (selectors, options) => {
      refuseUnknownOptions("adopt", options);
      const ops = await import("./ops/adopt/adopt.ts");
      const plan = await ops.planAdoption(engine, selectors);
      if (options?.dryRun) return plan;
      await ready();
      return await guarded(plan.sets.map((s) => s.name), (g) => ops.adopt(engine, g, selectors));
    },
    inspect: async (name) => (await query()).inspect(engine, name),
    logs: async (name, lines) => (await query()).logs(engine, name, lines),
    start: (name) => control(name, "start"),
    stop: (name) => control(name, "stop"),
    restart: (name) => control(name, "restart"),
    validate: async (source, options) => {
      refuseUnknownOptions("validate", options);
      return (await import("./ops/check/validate_source.ts")).validateSource(engine, source, options);
    },
    doctor: async () => (await import("./ops/query/doctor.ts")).doctor(engine),
    stage: async (nameOrAll, options) => {
      refuseUnknownOptions("stage", options);
      return options?.dryRun
        ? (await import("./ops/update/preview.ts")).preview(engine, nameOrAll, {
          ...(options.ref !== undefined ? { ref: options.ref } : {}),
          ...(options.allowUnsigned ? { allowUnsigned: true } : {}),
        })
        : await guardedStage(nameOrAll, options);
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
      const ops = await import("./ops/update/apply.ts");
      if (!(await ops.anythingToApply(engine, nameOrAll))) return [];
      await ready(options?.dryRun);
      return await guarded(sets(nameOrAll), (g) => ops.apply(engine, g, nameOrAll, options));
    },
    discard: async (nameOrAll) => {
      const ops = await staging();
      // A killed apply may still be using the staged copy: the wrapper finishes it first.
      return await guarded(sets(nameOrAll), () => ops.discard(engine, nameOrAll));
    },
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
      // ops/backup/create.ts alone: a backup loads neither restore nor install (nor the YAML reader).
      const ops = await import("./ops/backup/create.ts");
      return await guarded([name], (g) => ops.backup(engine, g, name, options));
    },
    backupPaths: async (name) => {
      await inspectFirst(name);
      return (await import("./ops/backup/cow/snapshot.ts")).backupPaths(engine, name);
    },
    backups: async (name) => (await import("./backup/info.ts")).listBackups(engine, name),
    restore: async (name, id, options) => {
      refuseUnknownOptions("restore", options);
      const ops = await import("./ops/backup/restore.ts");
      await ops.findBackup(engine, name, id);
      await ready();
      return await guarded([name], (g) => ops.restore(engine, g, name, id, options));
    },
    prune: async (options) => {
      refuseUnknownOptions("prune", options);
      const [{ locked }, { applyRetention }] = await Promise.all([
        import("./ops/guarded.ts"),
        import("./ops/backup/retention.ts"),
      ]);
      return await locked(engine, () => applyRetention(engine, options ?? {}));
    },
    importCompose: async (path, options) => {
      refuseUnknownOptions("importCompose", options);
      const host = options?.podmanVersion ? undefined : await engine.podman().then((p) => p.version, () => undefined);
      return (await import("./compose/import.ts")).importCompose(path, {
        env: engine.env,
        ...(host ? { podmanVersion: `${host.major}.${host.minor}` } : {}),
        ...options,
      });
    },
    search: async (term, options) => {
      refuseUnknownOptions("search", options);
      return (await import("./catalog/search.ts")).search(engine, term, options);
    },
    inspectSource: async (source, options) => {
      refuseUnknownOptions("inspectSource", options);
      const { catalog, ...prepareOptions } = options ?? {};
      const full = await (await import("./catalog/resolve.ts")).resolveSource(
        engine,
        source,
        catalog ? { catalog } : {},
      );
      const prepared = await (await installOps()).prepare(engine, full, prepareOptions);
      return await (await import("./catalog/preview.ts")).preview(engine, prepared);
    },
    resolveSource: async (source, options) => {
      refuseUnknownOptions("resolveSource", options);
      return (await import("./catalog/resolve.ts")).resolveSource(engine, source, options);
    },
  };
}

/**
 * What the unattended updater (lib/gitops/) runs through the door: stage
 * and apply as `leger stage NAME` and `leger apply NAME` run them (the same
 * wrapper: scope lock, recovery, journal), without the readiness check a
 * command makes of the host first, and a set's image updates. Not part of
 * the workflow API.
 */
export interface UnattendedOps {
  /** Stages a set (at `ref`, when given). */
  stage(name: string, options?: StageOptions): Promise<StageResult[]>;
  /** Applies a set's staged version: backup, health gate, rollback. */
  apply(name: string): Promise<ApplyResult[]>;
  /** The risks the staged version adds over the installed one, as lines (lib/gitops/risk_gate.ts). */
  stagedRisks(name: string): Promise<string[]>;
  /** The set's units with a newer image, as `podman auto-update --dry-run` sees them. */
  pendingImages(units: readonly string[]): Promise<PendingImage[]>;
  /** Runs the new images, gated and rolled back like an apply (the images in `knownBad` are not tried). */
  updateImages(manifest: Manifest, pending: PendingImage[], knownBad: readonly string[]): Promise<ImageUpdateResult>;
}

/** Binds the updater's operations to an engine. */
export function unattendedOps(engine: Engine): UnattendedOps {
  const guarded = async <T>(name: string, op: (guard: Guard) => Promise<T>) =>
    (await import("./ops/guarded.ts")).guarded(engine, [name], op);
  return {
    stage: async (name, options) => {
      const ops = await import("./ops/update/stage.ts");
      return await guarded(name, (g) => ops.stage(engine, g, name, options));
    },
    apply: async (name) => {
      const ops = await import("./ops/update/apply.ts");
      return await guarded(name, (g) => ops.apply(engine, g, name));
    },
    stagedRisks: async (name) => (await import("./ops/update/staged_risks.ts")).stagedRisks(engine, name),
    pendingImages: async (units) => (await import("./ops/update/images.ts")).pendingImages(engine, units),
    updateImages: async (manifest, pending, knownBad) => {
      // Under the lock alone: an image update recovers nothing first, as before the wrapper.
      const [{ locked }, ops] = await Promise.all([import("./ops/guarded.ts"), import("./ops/update/images.ts")]);
      return await locked(engine, (g) => ops.updateImages(engine, g, manifest, pending, knownBad));
    },
  };
}

/**
 * What the commands reach through the door beyond the workflow API: the
 * host check a command makes before it asks a question that could not be
 * acted on, the backup a restore would use, `leger validate` and
 * `leger check-conflicts`.
 */
export interface CommandOps {
  /** Exit code 6 unless podman (with quadlet) and systemd are usable. */
  requireHostReady(): Promise<void>;
  /** A set's backup by id, or the newest (exit code 5 when there is none). */
  findBackup(name: string, id?: string): Promise<BackupInfo>;
  /** What the validator says of a folder, unit file, bundle, installed set, source URL or repository. */
  validateTarget(target: string, options: ValidateTargetOptions): Promise<ValidateTarget>;
  /** Which installed sets (or only `name`) publish a host port or use a volume. */
  findUses(name: string | undefined, query: { port?: number; volume?: string }): Promise<Use[]>;
  /** What an installed set clashes with among the other installed sets. */
  conflictsOf(name: string): Promise<Diagnostic[]>;
}

/** Binds the commands' own operations to an engine. */
export function commandOps(engine: Engine): CommandOps {
  const target = () => import("./ops/check/validate_target.ts");
  return {
    requireHostReady: async () => (await import("./ops/host_ready.ts")).requireHostReady(engine),
    findBackup: async (name, id) => (await import("./ops/backup/restore.ts")).findBackup(engine, name, id),
    validateTarget: async (t, options) => (await target()).validateTarget(engine, t, options),
    findUses: async (name, query) => (await target()).findUses(engine, name, query),
    conflictsOf: async (name) => (await target()).conflictsOf(engine, name),
  };
}

/**
 * Every installed set with its units' states, read without an engine:
 * `leger list` as main.ts runs it before commander loads (commands/list.ts,
 * decision 46), through the same function as {@linkcode Leger.list}.
 */
export async function listSets(source: ListSource): Promise<SetRow[]> {
  return await (await import("./ops/query/list.ts")).listSets(source);
}
