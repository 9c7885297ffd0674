/**
 * leger's own copy of each installed set's files
 * (`<state>/sets/<name>/`). Diffs, backups, rollbacks and the detection of
 * hand edits read it; it is swapped in whole when a version is committed.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { ensureDir, removeIfExists, syncDir } from "../fs.ts";
import type { ScopePaths } from "../paths.ts";
import { type CollectedFile, refusedError } from "../source/collect.ts";
import { walkSet } from "../source/load_set.ts";

/** Folder of a set's stored copy. */
export function setDir(paths: ScopePaths, name: string): string {
  return join(paths.stateDir, "sets", name);
}

/** Writes the files of a set into a folder (replacing it whole, atomically). */
export async function writeFilesTo(dir: string, files: CollectedFile[]): Promise<void> {
  const tmp = `${dir}.tmp-${Deno.pid}`;
  await removeIfExists(tmp);
  await ensureDir(tmp, 0o755);
  for (const f of files) {
    await ensureDir(dirname(join(tmp, f.name)));
    await Deno.writeFile(join(tmp, f.name), f.bytes);
  }
  const old = `${dir}.old-${Deno.pid}`;
  await ensureDir(dirname(dir));
  await Deno.rename(dir, old).catch(() => {});
  await Deno.rename(tmp, dir);
  await syncDir(dirname(dir));
  await removeIfExists(old);
}

/** Stores the installed copy of a set. */
export function saveSetFiles(paths: ScopePaths, name: string, files: CollectedFile[]): Promise<void> {
  return writeFilesTo(setDir(paths, name), files);
}

/**
 * Reads every file below a folder as a set's files (names relative,
 * sorted), through the set loader: a stored, staged or backed-up copy
 * holding a link out, a FIFO or an oversized file is refused, not read.
 */
export async function readFilesFrom(dir: string): Promise<CollectedFile[]> {
  let tree;
  try {
    tree = await walkSet(dir, { read: () => true, deep: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  if (tree.refused.length) throw refusedError(dir, tree.refused);
  const decoder = new TextDecoder();
  return tree.files.map((f) => ({ name: f.name, bytes: f.bytes!, text: decoder.decode(f.bytes!) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Reads the stored copy of an installed set ([] when there is none). */
export function loadSetFiles(paths: ScopePaths, name: string): Promise<CollectedFile[]> {
  return readFilesFrom(setDir(paths, name));
}

/** Deletes the stored copy. */
export function deleteSetFiles(paths: ScopePaths, name: string): Promise<void> {
  return removeIfExists(setDir(paths, name));
}
