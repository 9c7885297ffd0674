/**
 * What the daemon's fleet sync remembers, in `<state>/fleet.json` (written
 * atomically): the repository and commit it last read, the parsed
 * `leger-hosts.yaml` at that commit (so a quiet repository costs one
 * `git ls-remote` and no fetch), what it assigned, what it found no
 * longer assigned, and the sets that failed to install at a commit (not
 * tried again until the repository moves).
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { atomicWriteJson, readTextIfExists } from "../core/fs.ts";
import type { ScopePaths } from "../core/paths.ts";
import { HostsFile } from "../source/hosts_file.ts";

/** One set the file assigns to this host, and what the last sync did with it. */
export const FleetSet = z.object({
  /** Folder in the repository. */
  path: z.string(),
  /** The installed set's name (once known). */
  name: z.string().optional(),
  /** The source it is installed from. */
  source: z.string(),
  because: z.array(z.string()).default([]),
  outcome: z.enum(["present", "installed", "failed", "known-failed", "waiting"]),
});
/** One set the file assigns to this host. */
export type FleetSet = z.infer<typeof FleetSet>;

/** The fleet sync's memory. */
export const FleetRecord = z.object({
  /** `fleet.source` and `fleet.ref` of the config this record belongs to (another one starts afresh). */
  key: z.string(),
  /** When the repository was last asked (ISO). */
  lastCheck: z.string().optional(),
  lastResult: z.enum(["done", "failed"]).optional(),
  lastError: z.string().optional(),
  /** The commit leger-hosts.yaml was read at, and where. */
  commit: z.string().optional(),
  ref: z.string().optional(),
  subpath: z.string().default(""),
  /** The file as parsed at that commit. */
  file: HostsFile.optional(),
  /** What the file assigns to this host, and what the last sync did. */
  assigned: z.array(FleetSet).default([]),
  /** Installed sets from this repository that the file no longer assigns here (reported once). */
  unassigned: z.array(z.string()).default([]),
  /** Sets that could not be installed at a commit: not tried again until the repository moves. */
  failed: z.array(z.object({ path: z.string(), commit: z.string().optional(), at: z.string(), reason: z.string() }))
    .default([]),
});
/** The fleet sync's memory. */
export type FleetRecord = z.infer<typeof FleetRecord>;

function recordPath(paths: ScopePaths): string {
  return join(paths.stateDir, "fleet.json");
}

/** Reads the record; an absent, damaged or other repository's record starts afresh. */
export async function readFleetRecord(paths: ScopePaths, key: string): Promise<FleetRecord> {
  const fresh = FleetRecord.parse({ key });
  const text = await readTextIfExists(recordPath(paths));
  if (text === undefined) return fresh;
  try {
    const parsed = FleetRecord.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.key === key) return parsed.data;
  } catch {
    // a torn or edited file must not stop the daemon: start afresh
  }
  return fresh;
}

/** Writes the record atomically. */
export async function writeFleetRecord(paths: ScopePaths, record: FleetRecord): Promise<void> {
  await atomicWriteJson(recordPath(paths), record);
}
