/**
 * `--json` outputs of the commands about installed sets: list, inspect,
 * status, logs, start, stop, restart, remove, install.
 *
 * @module
 */
import { z } from "zod";
import { BadCommit, RefusedCommit, UpdateRecord } from "../state/update_record.ts";
import { TrustRecord } from "../trust/record.ts";
import { Manifest } from "../state/manifest.ts";
import { DriftJson, UnitStateJson, versionField } from "./parts.ts";
import { UnownedJson } from "./adopt.ts";
import { LIST_JSON_VERSION } from "./versions.ts";

/** One installed set as `leger list` shows it. */
export const SetRowJson = z.strictObject({
  name: z.string(),
  scope: z.string(),
  state: z.string().describe("active, failed, inactive, partial, none (no units) or broken (see problem)"),
  units: z.array(UnitStateJson),
  source: z.string(),
  ref: z.string().optional(),
  commit: z.string().optional(),
  version: z.string().optional(),
  backend: z.string(),
  updatedAt: z.string(),
  problem: z.string().optional().describe("for a broken set: what is wrong with leger's record of it"),
  hint: z.string().optional().describe("for a broken set: how to fix it"),
});

/** `leger list --json`. */
export const ListJson = z.strictObject({
  version: versionField(LIST_JSON_VERSION),
  sets: z.array(SetRowJson),
  unowned: z.array(UnownedJson).optional().describe("with --all: quadlets no set owns, grouped as podman groups them"),
});

/** A set's unattended updates as `leger status` shows them. */
export const UpdateStatusJson = z.strictObject({
  policy: z.enum(["off", "notify", "apply"]),
  follow: z.string(),
  intervalMs: z.number(),
  window: z.string().optional(),
  policyFrom: z.array(z.string()),
  policyError: z.string().optional(),
  lastCheck: z.string().optional(),
  lastResult: UpdateRecord.shape.lastResult,
  lastError: z.string().optional(),
  staged: UpdateRecord.shape.staged,
  lastApply: UpdateRecord.shape.lastApply,
  rolledBack: z.array(BadCommit),
  refused: z.array(RefusedCommit).describe("commits the trust rule refused (config.yaml trust:), newest last"),
});

/** One set in detail. */
export const SetDetailsJson = z.strictObject({
  ...SetRowJson.shape,
  manifest: Manifest,
  drift: z.array(DriftJson).describe("installed files edited or deleted by hand since install"),
  updates: UpdateStatusJson,
  backendNote: z.string().optional().describe("why the set uses another backend than the scope's"),
  risks: z.array(z.string()).describe("what the set lets its containers do to the host (risk/ findings)"),
  trust: TrustRecord.optional().describe("the signature check of the installed commit (config.yaml trust:)"),
});

/**
 * `leger inspect --json` and `leger status --json`: the set under `set`
 * (its own `version` is the set's `.leger.yaml` version).
 */
export const InspectJson = z.strictObject({ version: versionField(1), set: SetDetailsJson });

/** `leger logs --json`. */
export const LogsJson = z.strictObject({
  version: versionField(1),
  name: z.string(),
  lines: z.array(z.string()).describe("journal lines, oldest first"),
});

/** `leger start|stop|restart --json`. */
export const UnitsJson = z.strictObject({ version: versionField(1), name: z.string(), units: z.array(UnitStateJson) });

/** `leger remove --json`. */
export const RemoveJson = z.strictObject({
  version: versionField(1),
  name: z.string(),
  stopped: z.array(z.string()),
  removedFiles: z.array(z.string()),
  removedVolumes: z.array(z.string()),
  keptVolumes: z.array(z.string()),
  removedSecrets: z.array(z.string()),
  dryRun: z.boolean(),
});

/** One installed (or, with --dry-run, planned) set. */
export const InstallResultJson = z.strictObject({
  name: z.string(),
  manifest: Manifest,
  started: z.array(z.string()),
  dryRun: z.boolean(),
});

/** `leger install --json` of one set. */
export const InstallOneJson = z.strictObject({ version: versionField(1), ...InstallResultJson.shape });

/** `leger install --json` of a repository whose leger-hosts.yaml assigns sets to this host. */
export const InstallAssignedJson = z.strictObject({
  version: versionField(1),
  host: z.strictObject({ name: z.string(), labels: z.array(z.string()) }),
  file: z.string().describe("the leger-hosts.yaml that assigned the sets"),
  commit: z.string().optional(),
  sets: z.array(z.strictObject({
    name: z.string(),
    path: z.string(),
    because: z.array(z.string()),
    outcome: z.enum(["installed", "present", "planned"]),
    result: InstallResultJson.optional(),
  })),
});

/** `leger install --json`: one set, or the sets a repository assigns to this host. */
export const InstallJson = z.union([InstallOneJson, InstallAssignedJson]);
