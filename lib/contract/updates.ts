/**
 * `--json` outputs of staged updates: stage, staged, diff, apply, discard,
 * update (and update --now).
 *
 * @module
 */
import { z } from "zod";
import { UpdateRecord } from "../state/update_record.ts";
import { DiagnosticJson, DriftJson, PointJson, UnitFailureJson, UnitImpactJson, versionField } from "./parts.ts";

/** One file of a diff. */
export const FileDiffJson = z.strictObject({
  name: z.string(),
  status: z.enum(["added", "removed", "changed"]),
  diff: z.string().describe("unified diff text"),
});

/** Installed vs staged (or fetched) version of a set. */
export const DiffResultJson = z.strictObject({
  name: z.string(),
  from: PointJson,
  to: PointJson,
  files: z.array(FileDiffJson),
  summary: z.strictObject({
    images: z.array(z.strictObject({ file: z.string(), from: z.string().optional(), to: z.string().optional() })),
    portsAdded: z.array(z.string()),
    portsRemoved: z.array(z.string()),
    envAdded: z.array(z.string()),
    envRemoved: z.array(z.string()),
    envChanged: z.array(z.string()),
    secretsAdded: z.array(z.string()),
    secretsRemoved: z.array(z.string()),
    volumesAdded: z.array(z.string()),
    volumesRemoved: z.array(z.string()),
    risksAdded: z.array(z.string()).describe("host access the new version grants that the installed one does not"),
    risksRemoved: z.array(z.string()),
    units: UnitImpactJson,
  }),
  drift: z.array(DriftJson).describe("installed files edited by hand (apply refuses unless --overwrite-edits)"),
});

/** One set staged (or looked at). */
export const StageResultJson = z.strictObject({
  name: z.string(),
  changed: z.boolean().describe("false when the source has nothing new"),
  from: PointJson,
  to: PointJson,
  findings: z.array(DiagnosticJson),
  diff: DiffResultJson.optional(),
});

/** `leger stage --json`. */
export const StageJson = z.strictObject({ version: versionField(1), sets: z.array(StageResultJson) });

/** `leger staged --json`. */
export const StagedJson = z.strictObject({
  version: versionField(1),
  sets: z.array(z.strictObject({ name: z.string(), from: PointJson, to: PointJson, stagedAt: z.string() })),
});

/** `leger diff --json`. */
export const DiffJson = z.strictObject({ version: versionField(1), ...DiffResultJson.shape });

/** What an apply did to one set. */
export const ApplyResultJson = z.strictObject({
  name: z.string(),
  outcome: z.enum(["applied", "rolled-back", "skipped", "planned"]),
  from: PointJson,
  to: PointJson,
  backupId: z.string().optional(),
  impact: UnitImpactJson,
  failed: z.array(UnitFailureJson).optional(),
});

/** `leger apply --json`, and `leger update --json` (without --now). */
export const ApplyJson = z.strictObject({ version: versionField(1), sets: z.array(ApplyResultJson) });

/** `leger discard --json`. */
export const DiscardJson = z.strictObject({ version: versionField(1), discarded: z.array(z.string()) });

/** What one update check (the daemon's cycle) did to a set. */
export const CycleResultJson = z.strictObject({
  name: z.string(),
  result: z.union([z.enum(UpdateRecord.shape.lastResult.unwrap().options), z.enum(["not-due", "off"])]),
  commit: z.string().optional(),
});

/** `leger update --now --json`. */
export const UpdateNowJson = z.strictObject({ version: versionField(1), checked: z.array(CycleResultJson) });

/** `leger update --json`: applied sets, or with --now what the update check did. */
export const UpdateJson = z.union([ApplyJson, UpdateNowJson]);
