/**
 * Reads a file of a set without following a link swapped in after the
 * set loader checked it (lib/source/load_set.ts). The loader decides on
 * metadata (lstat, the link's resolved path) and then reads; between the
 * two, someone who can write the folder (root installing a folder a user
 * controls) could replace the file or a parent folder with a link to
 * `/etc/shadow`, and a read by path would follow it.
 *
 * `Deno.open` takes no `O_NOFOLLOW`; `node:fs`'s `openSync` passes it
 * through and hands back the descriptor. So the file is opened with
 * `O_NOFOLLOW | O_NONBLOCK` (a link as the last part fails, a FIFO put in
 * its place does not block), and then what was really opened is checked on
 * the descriptor: `/proc/self/fd/N` names the file the kernel opened, which
 * must still lie inside the set's folder (this covers a parent folder
 * swapped for a link, which `O_NOFOLLOW` alone does not), and `fstat` must
 * show the same regular file (device and inode) the loader looked at.
 *
 * @module
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync } from "node:fs";

/** The file as the loader saw it before reading. */
export interface Expected {
  dev: number | null;
  ino: number | null;
  size: number;
}

/** The bytes read, or why the file was not read. */
export type ReadInside = { bytes: Uint8Array } | { problem: string };

/**
 * Reads at most `limit + 1` bytes of `path` (so growth past the limit
 * shows) if it is still the regular file `expected` inside `root`.
 */
export function readInside(path: string, root: string, limit: number, expected: Expected): ReadInside {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ELOOP") return { problem: "it was replaced by a link while being read" };
    // Callers know Deno's errors (a store reader retries on NotFound when a version is swapped away).
    const message = (error as Error).message;
    if (code === "ENOENT") throw new Deno.errors.NotFound(message);
    if (code === "EACCES" || code === "EPERM") throw new Deno.errors.PermissionDenied(message);
    if (code === "ENOTDIR") throw new Deno.errors.NotADirectory(message);
    throw error;
  }
  try {
    let opened: string | undefined;
    try {
      opened = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      opened = undefined; // no /proc: the device and inode below still tie the file to what was checked
    }
    if (opened !== undefined && !(opened === root || opened.startsWith(root + "/"))) {
      return { problem: "it was moved out of the set (a folder replaced by a link?) while being read" };
    }
    const now = fstatSync(fd);
    const sameFile = (expected.dev === null || now.dev === expected.dev) &&
      (expected.ino === null || now.ino === expected.ino);
    if (!now.isFile() || !sameFile) return { problem: "it was replaced while being read" };
    // Sized for what stat said (plus one byte to see growth), never above the limit.
    const out = new Uint8Array(Math.min(limit, expected.size) + 1);
    let used = 0;
    while (used < out.length) {
      const n = readSync(fd, out, used, out.length - used, null);
      if (n === 0) break;
      used += n;
    }
    return { bytes: out.subarray(0, used) };
  } finally {
    closeSync(fd);
  }
}
