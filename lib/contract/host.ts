/**
 * `--json` outputs of the host's commands: doctor, secrets status (also
 * daemon status), secrets sync, daemon install, recover.
 *
 * @module
 */
import { z } from "zod";
import { FleetSet } from "../state/fleet_record.ts";
import { HostUpdatePolicy } from "../meta/set_meta.ts";
import { versionField } from "./parts.ts";

/** `leger doctor --json`. */
export const DoctorJson = z.strictObject({
  version: versionField(1),
  ok: z.boolean(),
  checks: z.array(z.strictObject({
    name: z.string(),
    ok: z.boolean(),
    detail: z.string(),
    fix: z.string().optional(),
  })),
});

const SyncAction = z.enum([
  "created",
  "rotated",
  "refreshed",
  "unchanged",
  "stale",
  "failed",
  "would-create",
  "would-rotate",
  "would-refresh",
]);

/** One declared secret's state. */
export const SecretStatusJson = z.strictObject({
  name: z.string().describe("Setec secret name"),
  podmanSecret: z.string(),
  users: z.array(z.string()),
  version: z.number().int().optional().describe("Setec version held"),
  fetchedAt: z.string().optional(),
  checkedAt: z.string().optional(),
  stale: z.boolean(),
  ageMs: z.number().optional(),
  lastAction: SyncAction.optional(),
  lastError: z.string().optional(),
});

/** `leger secrets status --json` and `leger daemon status --json`. */
export const SecretsStatusJson = z.strictObject({
  version: versionField(1),
  source: z.enum(["daemon", "cache"]).describe("daemon: a running daemon answered; cache: leger's local cache"),
  daemon: z.strictObject({
    pid: z.number().int(),
    startedAt: z.string(),
    uptimeMs: z.number(),
    server: z.string(),
    pollIntervalMs: z.number(),
    nextPollAt: z.string().optional(),
    lastSyncAt: z.string().optional(),
    consecutiveFailures: z.number().int().min(0),
    lastCycleError: z.string().optional(),
    updates: z.strictObject({
      lastCycleAt: z.string().optional(),
      lastError: z.string().optional(),
      sets: z.array(z.strictObject({ name: z.string(), result: z.string(), commit: z.string().optional() })),
      fleet: z.strictObject({
        result: z.enum(["not-due", "done", "failed"]),
        source: z.string(),
        commit: z.string().optional(),
        assigned: z.array(FleetSet),
        unassigned: z.array(z.string()),
        removed: z.array(z.string()),
        error: z.string().optional(),
      }).optional().describe("the last look at the fleet repository (fleet: in config.yaml)"),
    }).optional(),
  }).optional(),
  secrets: z.array(SecretStatusJson),
});

/** `leger secrets sync --json`. */
export const SecretsSyncJson = z.strictObject({
  version: versionField(1),
  startedAt: z.string(),
  finishedAt: z.string(),
  dryRun: z.boolean(),
  results: z.array(z.strictObject({
    name: z.string(),
    podmanSecret: z.string(),
    action: SyncAction,
    fromVersion: z.number().int().optional(),
    toVersion: z.number().int().optional(),
    restarted: z.array(z.string()),
    stale: z.strictObject({ fetchedAt: z.string(), ageMs: z.number() }).optional(),
    error: z.strictObject({
      message: z.string(),
      hint: z.string().optional(),
      status: z.number().int().optional(),
      aclAction: z.string().optional(),
    }).optional(),
  })),
  restarted: z.array(z.string()),
  restartError: z.string().optional(),
  ok: z.boolean(),
  unreachable: z.boolean(),
  by: z.enum(["daemon", "local"]).describe("who synced: the running daemon, or this command"),
});

/** `leger daemon install --json`. */
export const DaemonInstallJson = z.strictObject({
  version: versionField(1),
  scope: z.enum(["user", "system"]),
  unit: z.string(),
  unitPath: z.string(),
  source: z.enum(["packaged", "written", "kept"]),
  started: z.boolean(),
  linger: z.boolean().optional(),
  notes: z.array(z.string()),
});

/** An interrupted operation waiting for recovery. */
export const PendingRecoveryJson = z.strictObject({
  id: z.string(),
  op: z.enum(["install", "remove", "apply", "restore", "backup", "adopt"]),
  name: z.string(),
  step: z.string(),
  startedAt: z.string(),
  failed: z.strictObject({ at: z.string(), error: z.string(), attempts: z.number().int() }).optional(),
  leftovers: z.array(z.strictObject({
    kind: z.enum(["file", "unit", "volume", "record", "backup", "unknown"]),
    what: z.string(),
    detail: z.string(),
  })),
});

/** `leger recover --json`. */
export const RecoverDoneJson = z.strictObject({
  version: versionField(1),
  recovered: z.array(z.string()),
  pending: z.number().int().min(0).describe("entries pending before this run"),
});

/** `leger recover NAME --abandon --json`. */
export const RecoverAbandonJson = z.strictObject({
  version: versionField(1),
  name: z.string(),
  abandoned: z.array(PendingRecoveryJson),
  keptAt: z.array(z.string()),
  dryRun: z.boolean(),
});

/** `leger recover --json`, with or without --abandon. */
export const RecoverJson = z.union([RecoverDoneJson, RecoverAbandonJson]);

/** One set's update policy as `leger policy show` gives it. */
export const PolicyRowJson = z.strictObject({
  name: z.string(),
  installed: z.boolean(),
  override: HostUpdatePolicy.describe("what config.yaml sets for this set (updates.sets.NAME)"),
  policy: z.enum(["off", "notify", "apply"]),
  follow: z.string(),
  intervalMs: z.number(),
  window: z.string().optional(),
  from: z.array(z.string()),
});

/** `leger policy show --json` (every set; one set under `policy` when named). */
export const PolicyListJson = z.strictObject({ version: versionField(1), policies: z.array(PolicyRowJson) });
/** `leger policy show NAME --json`. */
export const PolicyOneJson = z.strictObject({ version: versionField(1), policy: PolicyRowJson.optional() });
/** `leger policy show --json`, of every set or of one. */
export const PolicyShowJson = z.union([PolicyListJson, PolicyOneJson]);

/** `leger policy set|reset --json`. */
export const PolicyChangeJson = z.strictObject({
  version: versionField(1),
  ...PolicyRowJson.shape,
  changed: z.boolean(),
  before: HostUpdatePolicy,
  file: z.string().describe("the config.yaml edited"),
});
