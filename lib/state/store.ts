/**
 * leger's own copy of each installed set's files (`<state>/sets/<name>`).
 * Diffs, backups, rollbacks, conflict checks and the detection of hand
 * edits read it, so it must never be half written and never silently
 * missing.
 *
 * Layout: `<parent>/<name>` is a symbolic link to one complete version
 * folder `<parent>/.<name>.versions/<id>`. A new version is written into
 * `<id>.tmp` (every file and folder fsynced), renamed to `<id>` (complete),
 * and committed by renaming a fresh link over `<name>`: one rename(2), so a
 * reader sees the old version or the new one, never a gap. Old versions
 * are deleted after the commit. {@linkcode recoverStore} (run under the
 * scope lock before every state change) tidies what a kill at any point
 * left: `.tmp` folders, versions no link names, and a link lost while an
 * old-layout folder was being converted. The staged copies of updates use
 * the same mechanism (`writeFilesTo`).
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { LegerError } from "../core/errors.ts";
import { ensurePrivateDir, PRIVATE_FILE, removeIfExists, syncDir } from "../core/fs.ts";
import type { ScopePaths } from "../core/paths.ts";
import { type CollectedFile, refusedError } from "../source/collect.ts";
import { walkSet } from "../source/load_set.ts";

/** Folder (link) of a set's stored copy. */
export function setDir(paths: ScopePaths, name: string): string {
  return join(paths.stateDir, "sets", name);
}

/** The folder holding the versions behind the link `dir`. */
export function versionsDir(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.versions`);
}

const TMP = ".tmp";

async function lstat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true, mode: PRIVATE_FILE });
  try {
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.sync();
  } finally {
    file.close();
  }
}

async function versionIds(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(versionsDir(dir))) if (e.isDirectory) out.push(e.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

/** The version id the link `dir` names, or undefined (no link, or an old-layout folder). */
async function linkedId(dir: string): Promise<string | undefined> {
  const info = await lstat(dir);
  if (!info?.isSymlink) return undefined;
  return basename(await Deno.readLink(dir));
}

/** Points `dir` at version `id` with one rename over it, and flushes the parent. */
async function commitLink(dir: string, id: string): Promise<void> {
  const parent = dirname(dir);
  const link = join(parent, `.${basename(dir)}.link-${crypto.randomUUID().slice(0, 8)}`);
  await Deno.symlink(join(basename(versionsDir(dir)), id), link);
  try {
    await Deno.rename(link, dir);
  } catch (error) {
    await removeIfExists(link);
    throw error;
  }
  await syncDir(parent);
}

/**
 * Writes the files of a set as the new content of `dir` (a link to a
 * version folder), atomically and durably: a reader sees the old files or
 * the new ones, and after a crash the folder is one of the two.
 */
export async function writeFilesTo(dir: string, files: CollectedFile[]): Promise<void> {
  const parent = dirname(dir);
  const versions = versionsDir(dir);
  await ensurePrivateDir(versions);
  const id = `${Date.now().toString().padStart(14, "0")}-${crypto.randomUUID().slice(0, 8)}`;
  const tmp = join(versions, id + TMP);
  await ensurePrivateDir(tmp);
  const folders = new Set<string>([tmp]);
  for (const f of files) {
    const path = join(tmp, f.name);
    if (!path.startsWith(tmp + "/")) throw new LegerError(`Cannot store ${f.name}: the name leaves its folder`);
    await ensurePrivateDir(dirname(path));
    for (let d = dirname(path); d !== tmp && d.startsWith(tmp); d = dirname(d)) folders.add(d);
    await writeDurably(path, f.bytes);
  }
  for (const d of [...folders].sort((a, b) => b.length - a.length)) await syncDir(d);
  await Deno.rename(tmp, join(versions, id));
  await syncDir(versions);
  const old = await lstat(dir);
  if (old && !old.isSymlink) {
    // An old-layout folder: move it aside first (recoverStore relinks if a kill falls in between).
    await Deno.rename(dir, join(versions, `00000000000000-legacy-${crypto.randomUUID().slice(0, 8)}`));
  }
  await ensurePrivateDir(parent);
  await commitLink(dir, id);
  for (const other of await versionIds(dir)) {
    if (other !== id) await removeIfExists(join(versions, other));
  }
}

/** Stores the installed copy of a set. */
export function saveSetFiles(paths: ScopePaths, name: string, files: CollectedFile[]): Promise<void> {
  return writeFilesTo(setDir(paths, name), files);
}

/**
 * Reads every file below a folder as a set's files (names relative,
 * sorted), through the set loader: a stored, staged or backed-up copy
 * holding a link out, a FIFO or an oversized file is refused, not read.
 * [] when the folder does not exist.
 */
export async function readFilesFrom(dir: string): Promise<CollectedFile[]> {
  try {
    return await readVersion(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/**
 * Reads the version the link `dir` names: resolved once, so a swap during
 * the read cannot mix two versions; when the link moved on during the
 * read (the version read may be half deleted by the writer's tidy-up),
 * it reads again.
 */
async function readVersion(dir: string): Promise<CollectedFile[]> {
  for (let attempt = 0;; attempt++) {
    const target = await Deno.realPath(dir);
    try {
      const files = await walkFiles(target);
      // A version is deleted only after the link moved on: if it still names this one, the read was whole.
      if (attempt >= 20 || (await Deno.realPath(dir).catch(() => target)) === target) return files;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound) || attempt >= 20) throw error;
      if ((await Deno.realPath(dir).catch(() => target)) === target) throw error;
    }
  }
}

async function walkFiles(dir: string): Promise<CollectedFile[]> {
  const tree = await walkSet(dir, { read: () => true, deep: true });
  if (tree.refused.length) throw refusedError(dir, tree.refused);
  const decoder = new TextDecoder();
  return tree.files.map((f) => ({ name: f.name, bytes: f.bytes!, text: decoder.decode(f.bytes!) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Reads the stored copy of an installed set. A missing copy is an error,
 * never an empty set: diff, conflict checks and hand-edit detection would
 * otherwise see nothing and say all is well.
 */
export async function loadSetFiles(paths: ScopePaths, name: string): Promise<CollectedFile[]> {
  const dir = setDir(paths, name);
  try {
    return await readVersion(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new LegerError(`leger's copy of the files of ${name} is missing (${dir})`, {
      hint:
        `Put it back from a backup (leger restore ${name}), or reinstall the set (leger remove ${name}, then leger install SOURCE).`,
      details: { set: name, dir },
    });
  }
}

/** Deletes a stored copy: first the link (readers then see "missing"), then its versions. */
export async function deleteFilesAt(dir: string): Promise<void> {
  await removeIfExists(dir);
  await syncDir(dirname(dir));
  await removeIfExists(versionsDir(dir));
}

/** Deletes the stored copy of a set. */
export function deleteSetFiles(paths: ScopePaths, name: string): Promise<void> {
  return deleteFilesAt(setDir(paths, name));
}

/**
 * Tidies the store after a kill (caller holds the lock): drops `.tmp`
 * versions, stray links and versions no link names; a set whose link was
 * lost while its old-layout folder was being moved aside gets it back.
 * Returns one line per repair.
 */
export async function recoverStore(
  paths: ScopePaths,
  installed: (name: string) => Promise<boolean>,
): Promise<string[]> {
  const root = join(paths.stateDir, "sets");
  const done: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(root));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return done;
    throw error;
  }
  for (const e of entries) {
    if (/^\..+\.link-[0-9a-f]{8}$/.test(e.name)) await removeIfExists(join(root, e.name));
    const m = /^\.(.+)\.versions$/.exec(e.name);
    if (!m) continue;
    const name = m[1]!;
    const dir = join(root, name);
    const versions = join(root, e.name);
    for (const id of await versionIds(dir)) if (id.endsWith(TMP)) await removeIfExists(join(versions, id));
    const ids = await versionIds(dir);
    let current = await linkedId(dir);
    const there = await lstat(dir);
    if (!there && ids.length && await installed(name)) {
      current = ids[ids.length - 1]!;
      await commitLink(dir, current);
      done.push(`leger's copy of the files of ${name} was put back in place`);
    }
    const keep = there && !there.isSymlink ? undefined : current;
    for (const id of ids) if (id !== keep) await removeIfExists(join(versions, id));
    if (!keep && !(await lstat(dir))) await removeIfExists(versions);
  }
  await syncDir(root);
  return done;
}
