/**
 * `--json` outputs of validate, check-conflicts, run and workflow, and the
 * two every command shares: the error document on stdout and the progress
 * events on stderr.
 *
 * @module
 */
import { z } from "zod";
import { DiagnosticJson, versionField } from "./parts.ts";
import { EVENT_JSON_VERSION } from "../core/log.ts";
import { ERROR_JSON_VERSION } from "./versions.ts";

/** `leger validate --json` of one set (a folder, file, installed set or source). */
export const ValidateSetJson = z.strictObject({
  version: versionField(1),
  ok: z.boolean(),
  errors: z.number().int().min(0),
  warnings: z.number().int().min(0),
  diagnostics: z.array(DiagnosticJson),
});

/** `leger validate --json` of a repository folder whose subfolders are sets. */
export const ValidateRepositoryJson = z.strictObject({
  version: versionField(1),
  ok: z.boolean(),
  errors: z.number().int().min(0),
  warnings: z.number().int().min(0),
  sets: z.array(z.strictObject({
    path: z.string().describe("folder relative to the repository"),
    name: z.string(),
    ok: z.boolean(),
    errors: z.number().int().min(0),
    warnings: z.number().int().min(0),
    diagnostics: z.array(DiagnosticJson),
  })),
});

/** `leger validate --json`: a set, or a repository of sets. */
export const ValidateJson = z.union([ValidateSetJson, ValidateRepositoryJson]);

/** `leger check-conflicts --port N|--volume V --json`: who uses it. */
export const ConflictUsesJson = z.strictObject({
  version: versionField(1),
  uses: z.array(z.strictObject({
    set: z.string(),
    file: z.string(),
    line: z.number().int().min(1),
    what: z.string().describe("what uses it, e.g. PublishPort=8080:80"),
  })),
});

/** `leger check-conflicts NAME --json`: the set's conflicts with the other installed sets. */
export const ConflictsOfSetJson = z.strictObject({
  version: versionField(1),
  name: z.string(),
  conflicts: z.array(DiagnosticJson),
});

/** `leger check-conflicts --json`. */
export const CheckConflictsJson = z.union([ConflictUsesJson, ConflictsOfSetJson]);

/** `leger run --json`: what the workflow returned, as the workflow shaped it. */
export const RunJson = z.strictObject({
  version: versionField(1),
  workflow: z.string(),
  result: z.unknown().describe("the workflow's return value (absent when it returned nothing)"),
});

/** `leger workflow list --json`. */
export const WorkflowListJson = z.strictObject({
  version: versionField(1),
  workflows: z.array(z.strictObject({
    name: z.string(),
    kind: z.enum(["builtin", "user", "file"]),
    location: z.string(),
    description: z.string(),
    overrides: z.boolean().describe("a user workflow of a built-in's name, run instead of it"),
  })),
});

/** `leger workflow eject --json`. */
export const WorkflowEjectJson = z.strictObject({
  version: versionField(1),
  name: z.string(),
  path: z.string().describe("the workflow file written"),
  types: z.string().describe("the workflow API's declarations (leger.d.ts) written beside it"),
  config: z.string().describe('the deno.json beside it that maps "leger" to the declarations'),
  configState: z.enum(["written", "kept", "yours"]).describe(
    "written now; kept (it already maps the name); yours (it does not: see notes)",
  ),
  notes: z.array(z.string()),
});

/** `leger workflow types --json`. */
export const WorkflowTypesJson = z.strictObject({
  version: versionField(1),
  folder: z.string().describe("the folder written into"),
  types: z.string().describe("the workflow API's declarations (leger.d.ts)"),
  config: z.string().describe('the deno.json that maps "leger" to the declarations'),
  configState: z.enum(["written", "kept", "yours"]).describe(
    "written now; kept (it already maps the name); yours (it does not: see notes)",
  ),
  check: z.string().describe("the command that type-checks a workflow of the folder from anywhere (add the file)"),
  notes: z.array(z.string()),
});

/** The document a failed command prints on stdout under --json (with a non-zero exit code). */
export const ErrorJson = z.strictObject({
  version: versionField(ERROR_JSON_VERSION),
  error: z.strictObject({
    message: z.string(),
    hint: z.string().optional(),
    exitCode: z.number().int().min(1),
    causes: z.array(z.string()).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** One progress line on stderr under --json. */
export const EventJson = z.strictObject({
  version: versionField(EVENT_JSON_VERSION),
  level: z.enum(["debug", "info", "step", "warn", "error"]),
  message: z.string(),
  time: z.string(),
  progress: z.strictObject({
    task: z.string().describe("what is being done, e.g. 'back up volume web-data'"),
    done: z.number().min(0).describe("bytes done so far"),
    total: z.number().min(0).optional().describe("bytes in all, when known"),
    estimated: z.boolean().optional().describe("true when total is an estimate (the size of the last archive)"),
    rate: z.number().min(0).describe("bytes per second over the last few seconds"),
    etaSeconds: z.number().min(0).optional().describe("seconds left at that rate, when a total is known"),
    finished: z.boolean().describe("the task's last report"),
  }).optional().describe("present on the reports of long work (level info), at most two a second per task"),
});
