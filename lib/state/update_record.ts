/**
 * What the unattended updater remembers per set, in
 * `<state>/updates/<name>.json` (written atomically): when it last looked,
 * what it found, the last apply, and the commits that were rolled back,
 * with why, so that a bad version is never applied again automatically.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { atomicWriteJson, readTextIfExists, removeIfExists } from "../core/fs.ts";
import type { ScopePaths } from "../core/paths.ts";

/** A commit that came up unhealthy and was rolled back. */
export const BadCommit = z.object({
  commit: z.string(),
  /** The tag or branch it was found through. */
  ref: z.string().optional(),
  at: z.string(),
  /** leger's message (the units that did not come up). */
  reason: z.string(),
  /** The units that failed, with their journal lines. */
  failed: z.array(z.object({ unit: z.string(), state: z.string(), journal: z.string() })).default([]),
});
/** A commit that came up unhealthy and was rolled back. */
export type BadCommit = z.infer<typeof BadCommit>;

/** The updater's memory of one set. */
export const UpdateRecord = z.object({
  name: z.string(),
  /** When the set's source was last asked (ISO time). */
  lastCheck: z.string().optional(),
  /** What the last look found: up to date, staged, applied, rolled back, deferred, known bad, or failed. */
  lastResult: z.enum(["up-to-date", "staged", "applied", "rolled-back", "deferred", "known-bad", "failed"]).optional(),
  /** The message of the last failure (fetch, validation, lock...). */
  lastError: z.string().optional(),
  /** The commit staged and waiting (notify policy, or a closed window). */
  staged: z.object({ commit: z.string(), ref: z.string().optional(), at: z.string() }).optional(),
  /** The last unattended apply that kept its version. */
  lastApply: z.object({ from: z.string().optional(), to: z.string(), at: z.string() }).optional(),
  /** Commits that were rolled back: never applied again automatically. */
  bad: z.array(BadCommit).default([]),
  /** Image ids a set was rolled back from (`AutoUpdate=`): never tried again automatically. */
  badImages: z.array(z.string()).optional(),
  /** The last image update that was kept. */
  lastImageUpdate: z.object({ at: z.string(), images: z.record(z.string(), z.string()) }).optional(),
});
/** The updater's memory of one set. */
export type UpdateRecord = z.infer<typeof UpdateRecord>;

function recordPath(paths: ScopePaths, name: string): string {
  return join(paths.stateDir, "updates", `${name}.json`);
}

/** Reads a set's record (an empty one when there is none; a damaged one is started afresh, keeping nothing wrong). */
export async function readUpdateRecord(paths: ScopePaths, name: string): Promise<UpdateRecord> {
  const text = await readTextIfExists(recordPath(paths, name));
  if (text === undefined) return { name, bad: [] };
  try {
    const parsed = UpdateRecord.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.name === name) return parsed.data;
  } catch {
    // fall through: a torn or edited file must not stop the updater
  }
  return { name, bad: [], lastError: `the update record ${recordPath(paths, name)} was unreadable and was reset` };
}

/** Writes a set's record atomically. */
export async function writeUpdateRecord(paths: ScopePaths, record: UpdateRecord): Promise<void> {
  await atomicWriteJson(recordPath(paths, record.name), record);
}

/** Forgets a set (it was removed). */
export async function deleteUpdateRecord(paths: ScopePaths, name: string): Promise<void> {
  await removeIfExists(recordPath(paths, name));
}
