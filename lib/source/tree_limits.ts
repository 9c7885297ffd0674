/**
 * Bounds on what leger extracts from a repository, checked on git's own
 * records of the commit before `git archive` writes anything: the number of
 * entries from the folder's trees (no file content needed), then each file's
 * size. A hostile repository (a 10 GB file, a million files) is refused with
 * the limit and the path named, instead of filling the disk before the set
 * loader's limits (`SET_LIMITS`, on what is read as the set) could apply.
 *
 * The extraction limits are wider than the set limits because a source
 * folder may hold files the loader never reads (docs, pictures); they bound
 * the disk, the loader bounds the set.
 *
 * @module
 */
import { LegerError } from "../core/errors.ts";
import type { RunResult } from "../host/shell.ts";
import { SET_LIMITS } from "./load_set.ts";

/** What one source folder may hold to be extracted at all. */
export interface ExtractLimits {
  /** Files, folders and links below the folder. */
  entries: number;
  /** One file. */
  fileBytes: number;
  /** All files together. */
  totalBytes: number;
}

/** Ten times the set's entry limit, a set's whole size per file, eight times that in all. */
export const EXTRACT_LIMITS: ExtractLimits = {
  entries: SET_LIMITS.entries * 10,
  fileBytes: SET_LIMITS.totalBytes,
  totalBytes: SET_LIMITS.totalBytes * 8,
};

type Git = (args: string[], cwd?: string) => Promise<RunResult>;

function refuse(input: string, what: string, hint: string): LegerError {
  return new LegerError(`Cannot use ${input}: ${what}`, { exitCode: 3, hint });
}

/** Throws (exit 3) when the tree at `treeish` is more than leger extracts. */
export async function checkTreeLimits(
  git: Git,
  repo: string,
  treeish: string,
  input: string,
  limits: ExtractLimits = EXTRACT_LIMITS,
): Promise<void> {
  // Trees only (always present in leger's blob-less fetch): counting needs no file content.
  const names = await git(["ls-tree", "-r", "-t", "-z", "--name-only", "--end-of-options", treeish], repo);
  if (names.code !== 0) throw new LegerError(`Cannot list ${input}: ${names.stderr.trim()}`);
  const count = names.stdout.split("\0").filter(Boolean).length;
  if (count > limits.entries) {
    throw refuse(
      input,
      `the folder holds ${count} entries, more than the ${limits.entries} extracted from a repository`,
      "Point the source at the set's own folder (URL#REF:FOLDER); a set is a handful of files.",
    );
  }
  const long = await git(["ls-tree", "-r", "-l", "-z", "--end-of-options", treeish], repo);
  if (long.code !== 0) throw new LegerError(`Cannot list ${input}: ${long.stderr.trim()}`);
  let total = 0;
  for (const record of long.stdout.split("\0")) {
    // "<mode> <type> <object> <size>\t<path>"; size is "-" for folders and submodules.
    const tab = record.indexOf("\t");
    if (tab < 0) continue;
    const [, type, , sizeText] = record.slice(0, tab).trim().split(/\s+/);
    if (type !== "blob" || !sizeText || !/^\d+$/.test(sizeText)) continue;
    const size = Number(sizeText);
    const path = record.slice(tab + 1);
    if (size > limits.fileBytes) {
      throw refuse(
        input,
        `${path} is ${size} bytes, more than the ${limits.fileBytes} extracted for one file of a repository`,
        "Keep large files out of the set's folder, or point the source at the set's own folder (URL#REF:FOLDER).",
      );
    }
    total += size;
    if (total > limits.totalBytes) {
      throw refuse(
        input,
        `the files are more than ${limits.totalBytes} bytes together (reached at ${path}), more than is extracted from a repository`,
        "Point the source at the set's own folder (URL#REF:FOLDER); a set is a handful of small files.",
      );
    }
  }
}
