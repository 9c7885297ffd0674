/**
 * leger's public workflow API: what a workflow file sees.
 *
 * A workflow is a TypeScript file whose default export leger calls with a
 * {@linkcode WorkflowContext}. It needs no runtime import from leger, only
 * types, so the same file runs under `leger run` in the compiled binary:
 *
 * ```ts
 * // ~/.config/leger/workflows/install.ts
 * import type { WorkflowContext } from "leger";
 *
 * export const description = "Install, then tell my phone";
 *
 * export default async function ({ leger, args, log, $ }: WorkflowContext) {
 *   const result = await leger.install(args[0]!, { name: args[1] });
 *   log.info(`installed ${result.name}`);
 *   await $`curl -s -d ${result.name} ntfy.sh/homelab`;
 * }
 * ```
 *
 * @module
 */
export type { WorkflowContext, WorkflowModule } from "./lib/workflow/run.ts";
export type { Leger } from "./lib/leger_api.ts";
export type { Logger } from "./lib/core/log.ts";
export type { RunResult, Shell } from "./lib/host/shell.ts";
export type { Systemd } from "./lib/host/systemd.ts";
export type { UnitState } from "./lib/host/systemd_state.ts";
export type { Scope } from "./lib/core/paths.ts";
export type { Manifest } from "./lib/state/manifest.ts";
export type { InstallOptions, InstallResult, PreparedSet, PrepareOptions } from "./lib/ops/install/install.ts";
export type { RemoveOptions, RemoveResult } from "./lib/ops/install/remove.ts";
export type { ValidateSourceOptions, ValidateSourceResult } from "./lib/ops/check/validate_source.ts";
export type { Diagnostic } from "./lib/quadlet/diagnostic.ts";
export type { SetDetails } from "./lib/ops/query/query.ts";
export type { SetRow } from "./lib/ops/query/list.ts";
export type { DoctorCheck } from "./lib/ops/query/doctor.ts";
export type { BackupInfo } from "./lib/backup/info.ts";
export type { BackupOptions } from "./lib/ops/backup/create.ts";
export type { PruneOptions, PruneResult } from "./lib/ops/backup/retention.ts";
export type { RestoreOptions, RestoreResult } from "./lib/ops/backup/restore.ts";
export type { VolumePath } from "./lib/ops/backup/cow/snapshot.ts";
export type { ApplyOptions, ApplyResult } from "./lib/ops/update/apply.ts";
export type { DiffResult, DiffSummary, FileDiff } from "./lib/ops/update/diff.ts";
export type { StagedRow, StageOptions, StageResult } from "./lib/ops/update/stage.ts";
export type { PreviewResult } from "./lib/ops/update/preview.ts";
export type { AbandonOptions, AbandonResult, PendingRecovery } from "./lib/ops/recover/pending.ts";
export type { AdoptedSet, AdoptOptions, AdoptResult } from "./lib/ops/adopt/adopt.ts";
export type { ExportOptions, ExportResult } from "./lib/ops/adopt/export.ts";
export type { UnownedRow } from "./lib/ops/adopt/unowned.ts";
export type { UpdateEvent } from "./lib/gitops/updater.ts";
export type { UpdateStatus } from "./lib/policy/status.ts";
export type { Assignment } from "./lib/ops/install/assignment.ts";
export type { AssignedSet, HostIdentity } from "./lib/source/hosts_file.ts";
export type { CatalogStatus, SearchOptions, SearchResult, SearchRow } from "./lib/catalog/search.ts";
export type { SetPreview } from "./lib/catalog/preview.ts";

import type { WorkflowContext } from "./lib/workflow/run.ts";

/**
 * Gives a workflow function its type without importing anything at run
 * time (use it from a file inside the project; user files can simply
 * annotate the parameter with `import type`).
 */
export function defineWorkflow<T>(
  fn: (ctx: WorkflowContext) => T | Promise<T>,
): (ctx: WorkflowContext) => T | Promise<T> {
  return fn;
}
