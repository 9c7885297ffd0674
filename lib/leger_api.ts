/**
 * The door's interfaces (lib/leger.ts binds them to an engine):
 * {@linkcode Leger}, what commands call and what a workflow file receives as
 * `leger`; {@linkcode UnattendedOps}, what the unattended updater calls;
 * {@linkcode CommandOps}, what only the commands call. Types only: naming
 * them loads no operation, and reaching an operation still takes the door.
 *
 * @module
 */
import type { DoctorCheck } from "./ops/query/doctor.ts";
import type { InstallOptions, InstallResult, PreparedSet, PrepareOptions } from "./ops/install/install.ts";
import type { SetRow } from "./ops/query/list.ts";
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
import type { Assignment } from "./ops/install/assignment.ts";
import type {
  AssignmentOptions,
  DiffTextOptions,
  Exact,
  InspectSourceOptions,
  LegerBackupOptions,
  LegerImportComposeOptions,
  LegerRestoreOptions,
  LegerStageOptions,
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
  /**
   * Backs up a set's files, manifest and volumes (units stopped for the copy unless `live`; where volumes clone,
   * frozen for a reflink copy unless `stop`).
   */
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
