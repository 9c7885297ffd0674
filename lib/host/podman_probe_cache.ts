/**
 * The answer of podman's flag probe (`podman quadlet install --help` and
 * `rm --help`), kept per podman build in the scope's state folder, so a
 * command that asks for the backend spawns the two probes only once per
 * podman install instead of every time.
 *
 * The key is the `podman --version` line and, where podman is found on
 * PATH, the binary's path, size, mtime and inode: a distribution that
 * backports a flag without changing the version string still changes the
 * binary.
 *
 * When the podman found on PATH is an ELF executable, the version line is
 * kept too, under the binary's identity alone, so a later command need not
 * run `podman --version` at all (about 110 ms on the test host, on every
 * command that reaches podman): a package upgrade writes a new file, and a
 * new file has a new inode and mtime. A script in front of podman (a
 * wrapper, a fake) can run another podman without changing itself, so for
 * one `podman --version` runs every time, as before.
 *
 * The file is untrusted (anyone who could write the state folder could
 * write it): it is read only when it is a small regular file that is not
 * group- or world-writable, and only when it has the exact shape written
 * here; anything else is ignored and podman is probed again.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { atomicWriteJson } from "../core/fs.ts";
import { findProgram } from "./program_path.ts";

/** What the probe found, as booleans. */
export interface QuadletFlags {
  /** `install --help` lists `--replace` (or could not be read: then the version decides). */
  replace: boolean;
  /** `install --help` lists `--application` (podman 6). */
  application: boolean;
  /** `rm --help` lists `--recursive` (podman 6). */
  recursiveRm: boolean;
}

/** Where a scope keeps the probe's answer. */
export function probeCacheFile(stateDir: string): string {
  return join(stateDir, "podman-probe.json");
}

const MAX_BYTES = 16 * 1024;

const CacheFile = z.object({
  format: z.literal(2),
  key: z.string().min(1).max(8192),
  replace: z.boolean(),
  application: z.boolean(),
  recursiveRm: z.boolean(),
  /** The identity of the ELF binary the version line came from ({@linkcode podmanBinary}). */
  binary: z.string().min(1).max(8192).optional(),
  /** `podman --version` of that binary. */
  versionLine: z.string().min(1).max(256).optional(),
}).strict();

type CacheFile = z.infer<typeof CacheFile>;

/** The podman on PATH (found as every program leger starts is: lib/host/program_path.ts), and its stat. */
function podmanOnPath(pathEnv: string | undefined): { path: string; st: Deno.FileInfo } | undefined {
  const path = findProgram("podman", pathEnv);
  if (!path) return undefined;
  try {
    return { path, st: Deno.statSync(path) };
  } catch {
    return undefined;
  }
}

function identity(found: { path: string; st: Deno.FileInfo }): string {
  return `${found.path}:${found.st.size}:${found.st.mtime?.getTime() ?? 0}:${found.st.ino ?? 0}`;
}

/**
 * The identity (path, size, mtime, inode) of the podman on PATH when it is
 * an ELF executable; undefined for a script or when none is found.
 */
export function podmanBinary(pathEnv: string | undefined): string | undefined {
  const found = podmanOnPath(pathEnv);
  if (!found) return undefined;
  try {
    using file = Deno.openSync(found.path, { read: true });
    const head = new Uint8Array(4);
    const n = file.readSync(head);
    const elf = n === 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
    return elf ? identity(found) : undefined;
  } catch {
    return undefined;
  }
}

/** Identifies the podman build: its version line and, when found on PATH, its binary. */
export function podmanKey(versionLine: string, pathEnv: string | undefined): string {
  const found = podmanOnPath(pathEnv);
  return [versionLine.trim(), ...(found ? [identity(found)] : [])].join("\n");
}

/** The cache file when it can be trusted and has the shape written here. */
function readCache(file: string): CacheFile | undefined {
  try {
    const st = Deno.lstatSync(file);
    if (!st.isFile || st.size > MAX_BYTES) return undefined;
    if (st.mode !== null && (st.mode & 0o022) !== 0) return undefined;
    const parsed = CacheFile.safeParse(JSON.parse(Deno.readTextFileSync(file)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function flagsOf(c: CacheFile): QuadletFlags {
  return { replace: c.replace, application: c.application, recursiveRm: c.recursiveRm };
}

/** The cached answer for this podman build, or undefined (missing, stale, or not trusted). */
export function readProbeCache(file: string, key: string): QuadletFlags | undefined {
  const c = readCache(file);
  return c && c.key === key ? flagsOf(c) : undefined;
}

/**
 * The version line and the probe's answer kept for the ELF binary
 * `binary` ({@linkcode podmanBinary}), or undefined: then podman must be
 * asked.
 */
export function readKnownBinary(
  file: string,
  binary: string,
): { versionLine: string; flags: QuadletFlags } | undefined {
  const c = readCache(file);
  if (!c || c.binary !== binary || c.versionLine === undefined) return undefined;
  return { versionLine: c.versionLine, flags: flagsOf(c) };
}

/**
 * Records the answer (atomically, mode 0600; the state folder is made as the
 * lock makes it). A failure to write is not an error; the next run probes again.
 */
export async function writeProbeCache(
  file: string,
  key: string,
  flags: QuadletFlags,
  known?: { binary: string; versionLine: string },
): Promise<void> {
  try {
    const doc: CacheFile = { format: 2, key, ...flags, ...(known ?? {}) };
    await atomicWriteJson(file, doc);
  } catch {
    // Not writable (another user's state, a read-only file system): probe next time.
  }
}
