/**
 * The journal of operations under way. An operation writes an entry before
 * it touches the host and updates its step as it goes; it deletes the
 * entry when it is done. A run that finds an entry left behind (leger was
 * killed) finishes or undoes that operation before doing anything else.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { atomicWriteJson, removeIfExists, syncDir } from "../core/fs.ts";
import type { ScopePaths } from "../core/paths.ts";

/** One journal entry. */
export const JournalEntry = z.object({
  id: z.string(),
  op: z.enum(["install", "remove", "apply", "restore", "backup", "adopt"]),
  name: z.string(),
  step: z.string(),
  pid: z.number(),
  startedAt: z.string(),
  data: z.record(z.string(), z.unknown()),
  /** Set when a recovery of this entry was tried and failed (it then blocks only its own set). */
  recoveryFailed: z.object({ at: z.string(), error: z.string(), attempts: z.number() }).optional(),
});
/** One journal entry. */
export type JournalEntry = z.infer<typeof JournalEntry>;

/** Starts an entry (caller holds the lock). */
export async function beginEntry(
  paths: ScopePaths,
  op: JournalEntry["op"],
  name: string,
  data: Record<string, unknown>,
): Promise<JournalEntry> {
  const entry: JournalEntry = {
    id: `${Date.now()}-${op}-${name}`,
    op,
    name,
    step: "begin",
    pid: Deno.pid,
    startedAt: new Date().toISOString(),
    data,
  };
  await atomicWriteJson(join(paths.journalDir, `${entry.id}.json`), entry);
  return entry;
}

/** Records that an entry reached a step. */
export async function markStep(
  paths: ScopePaths,
  entry: JournalEntry,
  step: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  entry.step = step;
  Object.assign(entry.data, data);
  await atomicWriteJson(join(paths.journalDir, `${entry.id}.json`), entry);
}

/** Ends an entry (the operation is complete or fully undone). */
export function endEntry(paths: ScopePaths, entry: JournalEntry): Promise<void> {
  return removeIfExists(join(paths.journalDir, `${entry.id}.json`));
}

/** Records that recovering an entry failed, and why (the entry stays). */
export async function markRecoveryFailed(paths: ScopePaths, entry: JournalEntry, error: string): Promise<void> {
  entry.recoveryFailed = {
    at: new Date().toISOString(),
    error,
    attempts: (entry.recoveryFailed?.attempts ?? 0) + 1,
  };
  await atomicWriteJson(join(paths.journalDir, `${entry.id}.json`), entry);
}

/**
 * Sets an entry aside without recovering it (`leger recover NAME
 * --abandon`): it is kept as `<id>.json.abandoned` for the record and no
 * run reads it again.
 */
export async function abandonEntry(paths: ScopePaths, entry: JournalEntry): Promise<string> {
  const from = join(paths.journalDir, `${entry.id}.json`);
  const to = `${from}.abandoned`;
  await Deno.rename(from, to);
  await syncDir(paths.journalDir);
  return to;
}

/** Entries left behind, oldest first. Unreadable ones are returned as errors. */
export async function pendingEntries(paths: ScopePaths): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  try {
    for await (const e of Deno.readDir(paths.journalDir)) {
      if (!e.isFile || !e.name.endsWith(".json")) continue;
      const text = await Deno.readTextFile(join(paths.journalDir, e.name));
      try {
        out.push(JournalEntry.parse(JSON.parse(text)));
      } catch {
        // A torn entry cannot exist (writes are atomic); a hand-edited one is set aside.
        await Deno.rename(join(paths.journalDir, e.name), join(paths.journalDir, e.name + ".unreadable"));
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
