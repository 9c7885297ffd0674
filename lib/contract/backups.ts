/**
 * `--json` outputs of backups: backup, backup prune, backups, restore.
 *
 * @module
 */
import { z } from "zod";
import { HealthJson, versionField } from "./parts.ts";

const Compression = z.enum(["zstd", "gzip", "none"]);

/** One backup, as its `backup.json` records it. */
export const BackupInfoJson = z.strictObject({
  id: z.string().describe("sortable timestamp, e.g. 2026-05-01T10-00-00-000Z"),
  name: z.string().describe("the set's name"),
  reason: z.enum(["manual", "before-apply", "before-restore"]),
  createdAt: z.string(),
  legerVersion: z.string(),
  setVersion: z.string().optional().describe("version: of the set's .leger.yaml"),
  commit: z.string().optional(),
  dir: z.string().describe("absolute folder of the backup"),
  sizeBytes: z.number().int().min(0),
  volumes: z.array(z.strictObject({
    name: z.string(),
    archive: z.string(),
    sha256: z.string(),
    sizeBytes: z.number().int().min(0),
    compression: Compression,
    unitFile: z.string().optional(),
  })),
  binds: z.array(z.strictObject({
    hostPath: z.string(),
    archived: z.boolean(),
    archive: z.string().optional(),
    sha256: z.string().optional(),
    compression: Compression.optional(),
  })),
  files: z.array(z.strictObject({ name: z.string(), sha256: z.string() })),
  manifestSha256: z.string().optional(),
  note: z.string().optional(),
  stopped: z.array(z.string()).optional().describe("units stopped for the copy"),
  frozen: z.array(z.string()).optional().describe(
    "units frozen (paused with systemctl freeze, never stopped) for a reflink copy, where volumes clone",
  ),
  live: z.boolean().optional(),
  notRestarted: z.array(z.strictObject({ unit: z.string(), error: z.string() })).optional().describe(
    "leger backup only: units it stopped that did not start again (the command exits 1)",
  ),
});

/** `leger backup --json` (the backups taken) and `leger backups --json` (newest first). */
export const BackupsJson = z.strictObject({ version: versionField(1), backups: z.array(BackupInfoJson) });

/** `leger backup prune --json`. */
export const PruneJson = z.strictObject({
  version: versionField(1),
  removed: z.array(z.string()),
  kept: z.array(z.string()),
});

/** `leger restore --json`. */
export const RestoreJson = z.strictObject({
  version: versionField(1),
  name: z.string(),
  id: z.string().describe("the backup restored"),
  preRestoreBackup: z.string().optional().describe("the backup of the state before the restore"),
  health: HealthJson,
  previousData: z.enum(["archiving", "dropped"]).optional().describe(
    "where the current data was moved aside instead of archived first (btrfs, xfs): archiving (a leger recover NAME started in the background makes it the before-restore backup's archives) or dropped (leger restore --previous drop)",
  ),
});
