/**
 * The contract of leger's `--json` output: each command's zod schema, from
 * which docs/schemas/<command>.schema.json is generated; commands print
 * through `versioned` (lib/contract/versioned.ts) so every output carries
 * its schema's `version`. The version of an output is bumped when
 * a change could break a reader (a field removed, renamed, retyped or
 * meaning something else); a new optional field does not bump it.
 *
 * @module
 */
import { z } from "zod";
import { BackupsJson, PruneJson, RestoreJson } from "./backups.ts";
import {
  DaemonInstallJson,
  DoctorJson,
  PolicyChangeJson,
  PolicyShowJson,
  RecoverJson,
  SecretsStatusJson,
  SecretsSyncJson,
} from "./host.ts";
import {
  CheckConflictsJson,
  ErrorJson,
  EventJson,
  RunJson,
  ValidateJson,
  WorkflowEjectJson,
  WorkflowListJson,
  WorkflowTypesJson,
} from "./misc.ts";
import { InspectJson, InstallJson, ListJson, LogsJson, RemoveJson, UnitsJson } from "./sets.ts";
import { ImportComposeJson } from "./compose.ts";
import { AdoptJson, ExportJson } from "./adopt.ts";
import { InspectPreviewJson, SearchJson } from "./catalog.ts";
import { ApplyJson, DiffJson, DiscardJson, StagedJson, StageJson, UpdateJson } from "./updates.ts";

/**
 * Every `--json` output by the command that prints it (`leger <command>`;
 * words joined by "-" in file names), plus the error document and the
 * progress events every command can print.
 */
export const JSON_OUTPUTS: Record<string, z.ZodType> = {
  install: InstallJson,
  list: ListJson,
  // An installed set's record, or the preview of a set that is not installed (lib/catalog/).
  inspect: z.union([InspectJson, InspectPreviewJson]),
  status: InspectJson,
  logs: LogsJson,
  start: UnitsJson,
  stop: UnitsJson,
  restart: UnitsJson,
  remove: RemoveJson,
  stage: StageJson,
  staged: StagedJson,
  diff: DiffJson,
  apply: ApplyJson,
  discard: DiscardJson,
  update: UpdateJson,
  validate: ValidateJson,
  "check-conflicts": CheckConflictsJson,
  doctor: DoctorJson,
  run: RunJson,
  "workflow list": WorkflowListJson,
  "workflow eject": WorkflowEjectJson,
  "workflow types": WorkflowTypesJson,
  "secrets status": SecretsStatusJson,
  "secrets sync": SecretsSyncJson,
  "daemon status": SecretsStatusJson,
  "daemon install": DaemonInstallJson,
  backup: BackupsJson,
  "backup prune": PruneJson,
  backups: BackupsJson,
  restore: RestoreJson,
  recover: RecoverJson,
  "policy show": PolicyShowJson,
  "policy set": PolicyChangeJson,
  "policy reset": PolicyChangeJson,
  "import compose": ImportComposeJson,
  adopt: AdoptJson,
  export: ExportJson,
  search: SearchJson,
  available: SearchJson,
  error: ErrorJson,
  event: EventJson,
};

/** The schema file of an output: `docs/schemas/<name>.schema.json`. */
export function schemaFile(output: string): string {
  return `${output.replaceAll(" ", "-")}.schema.json`;
}
