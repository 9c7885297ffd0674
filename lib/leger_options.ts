/**
 * The options each operation of the facade (lib/leger.ts) takes, and the
 * check that refuses any other key, at compile time and at run time.
 *
 * The fact that forced it: the install workflow passed `force: true` to
 * `installPrepared` (a flag that no longer existed) and neither `replace`
 * nor `acceptWarnings`, so `--replace` and `--accept-warnings` did nothing
 * when installing from a repository's `leger-hosts.yaml`. TypeScript let
 * the dead key through because the options were built in a variable
 * before the call (excess properties are checked only on a literal), and a
 * user's workflow is not type-checked at all when `leger run` loads it.
 * So the facade's parameters are {@linkcode Exact} (a key the type lacks
 * is an error wherever the object was built) and every call checks its
 * keys against lists the compiler keeps equal to the types.
 *
 * @module
 */
import { ExitCode, LegerError } from "./core/errors.ts";
import type { InstallOptions, PrepareOptions } from "./ops/install/install.ts";
import type { RemoveOptions } from "./ops/install/remove.ts";
import type { ValidateSourceOptions } from "./ops/check/validate_source.ts";
import type { AbandonOptions } from "./ops/recover/pending.ts";
import type { BackupOptions } from "./ops/backup/create.ts";
import type { PruneOptions } from "./ops/backup/retention.ts";
import type { RestoreOptions } from "./ops/backup/restore.ts";
import type { ApplyOptions } from "./ops/update/apply.ts";
import type { StageOptions } from "./ops/update/stage.ts";
import type { ImportComposeOptions } from "./compose/import.ts";
import type { AdoptOptions } from "./ops/adopt/adopt.ts";
import type { ExportOptions } from "./ops/adopt/export.ts";
import type { SearchOptions } from "./catalog/search.ts";

/**
 * `O`, refused by the compiler when it has a key `T` lacks: each such key
 * must then be `never`. Unlike a plain `T` parameter this holds for an
 * object built before the call, not only for a literal written in it.
 */
export type Exact<O, T> = O & { [K in Exclude<keyof O, keyof T>]: never };

/** What `leger.backup` takes: the operation's options but the lock, which the facade owns. */
export type LegerBackupOptions = Omit<BackupOptions, "locked" | "skipVolumes">;
/** What `leger.restore` takes. */
export type LegerRestoreOptions = Omit<RestoreOptions, "locked">;
/** What `leger.stage` takes. */
export type LegerStageOptions = StageOptions & { dryRun?: boolean };
/** What `leger.importCompose` takes: the importer's environment is the engine's. */
export type LegerImportComposeOptions = Omit<ImportComposeOptions, "env">;
/** What `leger.assignment` takes. */
export interface AssignmentOptions {
  /** Branch, tag or commit instead of the source's. */
  ref?: string;
  /** Read leger-hosts.yaml from a commit the trust rule refuses (recorded as not verified). */
  allowUnsigned?: boolean;
}
/** What `leger.diffText` and `leger.formatDiff` take. */
export interface DiffTextOptions {
  /** Show leger's style marks as colour. */
  color?: boolean;
}

/** Every key of `T`, once: the compiler refuses a missing key and an extra one. */
type KeysOf<T> = { readonly [K in keyof Required<T>]: true };

const INSTALL: KeysOf<InstallOptions> = {
  replace: true,
  acceptWarnings: true,
  noStart: true,
  dryRun: true,
  healthTimeoutMs: true,
};
const PREPARE: KeysOf<PrepareOptions> = { name: true, ref: true, allowUnsigned: true };

/** What `leger.inspectSource` takes: where to look a short name up, and prepare's options. */
export type InspectSourceOptions = SearchOptions & PrepareOptions;

/** The keys each operation of the facade accepts in its options. */
export const OPTION_KEYS = {
  validate: { ref: true, name: true, podmanVersion: true, strict: true, host: true } satisfies KeysOf<
    ValidateSourceOptions
  >,
  prepare: PREPARE,
  assignment: { ref: true, allowUnsigned: true } satisfies KeysOf<AssignmentOptions>,
  installPrepared: INSTALL,
  install: { ...PREPARE, ...INSTALL } satisfies KeysOf<PrepareOptions & InstallOptions>,
  remove: { purgeVolumes: true, dryRun: true } satisfies KeysOf<RemoveOptions>,
  stage: { ref: true, acceptWarnings: true, dryRun: true, allowUnsigned: true } satisfies KeysOf<LegerStageOptions>,
  diffText: { color: true } satisfies KeysOf<DiffTextOptions>,
  formatDiff: { color: true } satisfies KeysOf<DiffTextOptions>,
  apply: {
    noBackup: true,
    healthTimeoutMs: true,
    overwriteEdits: true,
    acceptWarnings: true,
    dryRun: true,
    confirm: true,
    allowUnsigned: true,
  } satisfies KeysOf<ApplyOptions>,
  adopt: { dryRun: true } satisfies KeysOf<AdoptOptions>,
  exportSet: { overwrite: true } satisfies KeysOf<ExportOptions>,
  abandonRecovery: { dryRun: true } satisfies KeysOf<AbandonOptions>,
  backup: { reason: true, live: true, stop: true, includeBinds: true, note: true, prune: true } satisfies KeysOf<
    LegerBackupOptions
  >,
  restore: { healthTimeoutMs: true, skipPreBackup: true, previous: true } satisfies KeysOf<LegerRestoreOptions>,
  prune: { name: true, dryRun: true } satisfies KeysOf<PruneOptions>,
  importCompose: {
    out: true,
    name: true,
    envFile: true,
    profiles: true,
    strict: true,
    podmanVersion: true,
    setecPrefix: true,
    replace: true,
    dryRun: true,
  } satisfies KeysOf<LegerImportComposeOptions>,
  search: { catalog: true } satisfies KeysOf<SearchOptions>,
  resolveSource: { catalog: true } satisfies KeysOf<SearchOptions>,
  inspectSource: { catalog: true, name: true, ref: true, allowUnsigned: true } satisfies KeysOf<InspectSourceOptions>,
} as const;

/**
 * Refuses options with a key `operation` does not take (exit code 2), as
 * a user's workflow file may pass one: naming the key and the ones known.
 */
export function refuseUnknownOptions(operation: keyof typeof OPTION_KEYS, options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new LegerError(`leger.${operation}: its options must be an object`, { exitCode: ExitCode.usage });
  }
  const known: Record<string, true> = OPTION_KEYS[operation];
  const unknown = Object.keys(options).filter((k) => !Object.hasOwn(known, k));
  if (unknown.length === 0) return;
  const names = unknown.map((k) => JSON.stringify(k)).join(", ");
  throw new LegerError(`leger.${operation} has no option ${names}`, {
    exitCode: ExitCode.usage,
    hint: `Its options are ${Object.keys(known).join(", ")} (see the README's workflow API).`,
  });
}
