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
export type { WorkflowContext, WorkflowModule } from "./lib/workflow.ts";
export type { Leger } from "./lib/leger.ts";
export type { Logger } from "./lib/log.ts";
export type { RunResult, Shell } from "./lib/shell.ts";
export type { Systemd, UnitState } from "./lib/systemd.ts";
export type { Scope } from "./lib/paths.ts";
export type { Manifest } from "./lib/state/manifest.ts";
export type { InstallOptions, InstallResult, PreparedSet, PrepareOptions } from "./lib/ops/install.ts";
export type { RemoveOptions, RemoveResult } from "./lib/ops/remove.ts";
export type { ValidateSourceOptions, ValidateSourceResult } from "./lib/ops/validate_source.ts";
export type { Diagnostic } from "./lib/quadlet/diagnostic.ts";
export type { SetDetails, SetRow } from "./lib/ops/query.ts";
export type { DoctorCheck } from "./lib/ops/doctor.ts";
export type {
  BackupInfo,
  BackupOptions,
  PruneOptions,
  PruneResult,
  RestoreOptions,
  RestoreResult,
} from "./lib/ops/backup.ts";
export type { VolumePath } from "./lib/ops/backup_snapshot.ts";
export type { ApplyOptions, ApplyResult } from "./lib/ops/apply.ts";
export type { DiffResult, DiffSummary, FileDiff } from "./lib/ops/diff.ts";
export type { StagedRow, StageOptions, StageResult } from "./lib/ops/stage.ts";
export type { PreviewResult } from "./lib/ops/preview.ts";
export type { UpdateEvent } from "./lib/gitops/updater.ts";
export type { UpdateStatus } from "./lib/gitops/status.ts";
export type { Assignment } from "./lib/fleet/plan.ts";
export type { AssignedSet, HostIdentity } from "./lib/fleet/assign.ts";

import type { WorkflowContext } from "./lib/workflow.ts";

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
