/**
 * What a backup is on disk and how leger reads it back.
 *
 * ```
 * <backup-dir>/<set>/<id>/
 *   backup.json          this file's BackupRecord (zod-checked when read)
 *   manifest.json        the set's manifest when the backup was taken
 *   files/               the set's stored files (lib/state/store.ts)
 *   volumes/<vol>.tar[.zst|.gz]
 *   binds/<n>.tar[.zst|.gz]   only with --include-binds
 * ```
 *
 * A backup is written into `<id>.partial/` and renamed when complete, so
 * a folder without that suffix and with a readable `backup.json` is a
 * finished backup; nothing else is listed.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import type { Engine } from "../engine.ts";
import { LegerError } from "../core/errors.ts";
import { readTextIfExists, sha256File } from "../core/fs.ts";
import { parseManifest } from "../state/manifest.ts";

/** Why a backup was taken. */
export const BackupReason = z.enum(["manual", "before-apply", "before-restore"]);

/** The compression of an archive. */
export const Compression = z.enum(["zstd", "gzip", "none"]);
/** The compression of an archive. */
export type Compression = z.infer<typeof Compression>;

const sha = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in hex");

/** `backup.json`: everything about a backup except where it lies. */
export const BackupRecord = z.object({
  schema: z.literal(1),
  id: z.string(),
  name: z.string(),
  reason: BackupReason,
  note: z.string().optional(),
  createdAt: z.string(),
  legerVersion: z.string(),
  setVersion: z.string().optional(),
  commit: z.string().optional(),
  /** Bytes of every file of the backup. */
  sizeBytes: z.number().int().nonnegative(),
  /** Units that were stopped for the copy (empty with --live). */
  stopped: z.array(z.string()).default([]),
  /** Units that were frozen for a reflink copy instead (decision 79); absent when none was. */
  frozen: z.array(z.string()).optional(),
  live: z.boolean().default(false),
  manifestSha256: sha,
  volumes: z.array(z.object({
    name: z.string(),
    /** Path relative to the backup folder. */
    archive: z.string(),
    sha256: sha,
    /** Bytes of the archive as stored. */
    sizeBytes: z.number().int().nonnegative(),
    compression: Compression,
    /** The `.volume` file that defines it, if any. */
    unitFile: z.string().optional(),
  })),
  binds: z.array(z.object({
    hostPath: z.string(),
    archived: z.boolean(),
    archive: z.string().optional(),
    sha256: sha.optional(),
    compression: Compression.optional(),
  })),
  files: z.array(z.object({ name: z.string(), sha256: sha })),
});
/** `backup.json`. */
export type BackupRecord = z.infer<typeof BackupRecord>;

/** A finished backup: its record plus the folder it lies in. */
export interface BackupInfo {
  /** Sortable timestamp, e.g. `2026-05-01T10-00-00-000Z`. */
  id: string;
  /** The set's name. */
  name: string;
  /** Why it was taken. */
  reason: "manual" | "before-apply" | "before-restore";
  /** ISO time it was taken. */
  createdAt: string;
  /** leger's version that wrote it. */
  legerVersion: string;
  /** `version:` of the set's `.leger.yaml`, if any. */
  setVersion?: string;
  /** Source commit of the set, if it came from git. */
  commit?: string;
  /** Absolute folder of the backup. */
  dir: string;
  /** Bytes of every file of the backup. */
  sizeBytes: number;
  /** Archived podman volumes. */
  volumes: Array<
    {
      name: string;
      archive: string;
      sha256: string;
      sizeBytes: number;
      compression: "zstd" | "gzip" | "none";
      unitFile?: string;
    }
  >;
  /** Bind mounts of host paths, archived or only listed. */
  binds: Array<
    { hostPath: string; archived: boolean; archive?: string; sha256?: string; compression?: "zstd" | "gzip" | "none" }
  >;
  /** The set's files in `files/`. */
  files: Array<{ name: string; sha256: string }>;
  /** sha256 of `manifest.json`. */
  manifestSha256?: string;
  /** Free text given with the backup. */
  note?: string;
  /** Units stopped for the copy. */
  stopped?: string[];
  /** Units frozen (paused, never stopped) for a reflink copy, where volumes clone. */
  frozen?: string[];
  /** True when taken with --live (units kept running). */
  live?: boolean;
  /**
   * Units the backup stopped that did not start again, with systemd's words
   * (this run's answer only: never in backup.json). `leger backup` then exits 1.
   */
  notRestarted?: Array<{ unit: string; error: string }>;
}

/** Suffix of a backup being written. */
export const PARTIAL = ".partial";

/** The folder holding every set's backups (config `backup-dir` or the state folder's). */
export function backupsRoot(engine: Engine): string {
  const dir = engine.config["backup-dir"];
  if (!dir) return engine.paths.backupsDir;
  return isAbsolute(dir) ? dir : resolve(engine.paths.configDir, dir);
}

/** A new sortable backup id from a time: `2026-05-01T10-00-00-000Z`. */
export function newBackupId(at: Date = new Date()): string {
  return at.toISOString().replace(/[:.]/g, "-");
}

/** Turns a record and its folder into a BackupInfo. */
export function toInfo(record: BackupRecord, dir: string): BackupInfo {
  const { schema: _schema, ...rest } = record;
  return { ...rest, dir };
}

/** The record to write as `backup.json` for an info. */
export function toRecord(info: BackupInfo): BackupRecord {
  const { dir: _dir, ...rest } = info;
  return BackupRecord.parse({ schema: 1, ...rest });
}

/** Reads `<dir>/backup.json`; undefined when absent; throws when unreadable. */
export async function readBackup(dir: string): Promise<BackupInfo | undefined> {
  const file = join(dir, "backup.json");
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new LegerError(`Cannot read ${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = BackupRecord.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LegerError(`Cannot read ${file}: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  return toInfo(parsed.data, dir);
}

/** What {@linkcode scanBackups} finds: good backups and folders it could not read. */
export interface BackupScan {
  /** Readable backups, newest first. */
  backups: BackupInfo[];
  /** Folders that are not a readable backup (damaged, or a `.partial`). */
  unreadable: Array<{ dir: string; problem: string }>;
}

async function subdirs(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) out.push(e.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

/** Reads every backup of one set, or of all sets. */
export async function scanBackups(root: string, name?: string): Promise<BackupScan> {
  const backups: BackupInfo[] = [];
  const unreadable: BackupScan["unreadable"] = [];
  for (const set of name ? [name] : await subdirs(root)) {
    for (const id of await subdirs(join(root, set))) {
      const dir = join(root, set, id);
      if (id.endsWith(PARTIAL)) {
        unreadable.push({ dir, problem: "unfinished backup" });
        continue;
      }
      try {
        const info = await readBackup(dir);
        if (info && info.name === set && info.id === id) backups.push(info);
        else unreadable.push({ dir, problem: info ? "backup.json names another backup" : "no backup.json" });
      } catch (error) {
        unreadable.push({ dir, problem: (error as Error).message });
      }
    }
  }
  backups.sort((a, b) => b.id.localeCompare(a.id) || a.name.localeCompare(b.name));
  return { backups, unreadable };
}

/** Every finished backup of a set (or of all sets), newest first. */
export async function listBackups(engine: Engine, name?: string): Promise<BackupInfo[]> {
  return (await scanBackups(backupsRoot(engine), name)).backups;
}

/** Options of {@linkcode verifyBackup}. */
export interface VerifyOptions {
  /** Only check that every file exists with its recorded size (no hashing). */
  quick?: boolean;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return undefined;
  }
}

/**
 * Checks a backup before anything relies on it: every archive and file
 * against its sha256 (read as streams, any size), and the manifest.
 */
export async function verifyBackup(
  info: BackupInfo,
  options: VerifyOptions = {},
): Promise<{ ok: boolean; problems: string[] }> {
  const problems: string[] = [];
  const check = async (rel: string, expected: string | undefined, size?: number) => {
    const path = join(info.dir, rel);
    const actualSize = await sizeOf(path);
    if (actualSize === undefined) return problems.push(`${rel} is missing`);
    if (size !== undefined && actualSize !== size) {
      return problems.push(`${rel} has ${actualSize} bytes, ${size} expected`);
    }
    if (options.quick || !expected) return;
    const actual = await sha256File(path);
    if (actual !== expected) {
      problems.push(`${rel} is damaged (sha256 ${actual.slice(0, 12)}..., ${expected.slice(0, 12)}... expected)`);
    }
  };
  for (const v of info.volumes) await check(v.archive, v.sha256, v.sizeBytes);
  for (const b of info.binds) if (b.archived && b.archive) await check(b.archive, b.sha256);
  for (const f of info.files) await check(join("files", f.name), f.sha256);
  await check("manifest.json", info.manifestSha256);
  if (!options.quick && problems.every((p) => !p.startsWith("manifest.json"))) {
    try {
      parseManifest(await Deno.readTextFile(join(info.dir, "manifest.json")), join(info.dir, "manifest.json"));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { ok: problems.length === 0, problems };
}
