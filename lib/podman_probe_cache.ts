/**
 * The answer of podman's flag probe (`podman quadlet install --help` and
 * `rm --help`), kept per podman build in the scope's state folder, so a
 * command that asks for the backend spawns the two probes only once per
 * podman install instead of every time.
 *
 * The key is the `podman --version` line and, where podman is found on
 * PATH, the binary's path, size, mtime and inode: a distribution that
 * backports a flag without changing the version string still changes the
 * binary. The file is untrusted (anyone who could write the state folder
 * could write it): it is read only when it is a small regular file that is
 * not group- or world-writable, and only when it has the exact shape
 * written here; anything else is ignored and podman is probed again.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { atomicWriteJson } from "./fs.ts";
import { usablePath } from "./shell.ts";

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
  format: z.literal(1),
  key: z.string().min(1).max(8192),
  replace: z.boolean(),
  application: z.boolean(),
  recursiveRm: z.boolean(),
}).strict();

/** Identifies the podman build: its version line and, when found on PATH, its binary. */
export function podmanKey(versionLine: string, pathEnv: string | undefined): string {
  const parts = [versionLine.trim()];
  for (const dir of usablePath(pathEnv).split(":")) {
    const path = join(dir, "podman");
    try {
      const st = Deno.statSync(path);
      if (!st.isFile) continue;
      parts.push(`${path}:${st.size}:${st.mtime?.getTime() ?? 0}:${st.ino ?? 0}`);
      break;
    } catch {
      continue;
    }
  }
  return parts.join("\n");
}

/** The cached answer for this podman build, or undefined (missing, stale, or not trusted). */
export function readProbeCache(file: string, key: string): QuadletFlags | undefined {
  try {
    const st = Deno.lstatSync(file);
    if (!st.isFile || st.size > MAX_BYTES) return undefined;
    if (st.mode !== null && (st.mode & 0o022) !== 0) return undefined;
    const parsed = CacheFile.safeParse(JSON.parse(Deno.readTextFileSync(file)));
    if (!parsed.success || parsed.data.key !== key) return undefined;
    const { replace, application, recursiveRm } = parsed.data;
    return { replace, application, recursiveRm };
  } catch {
    return undefined;
  }
}

/**
 * Records the answer (atomically, mode 0644; the state folder is made as the
 * lock makes it). A failure to write is not an error; the next run probes again.
 */
export async function writeProbeCache(file: string, key: string, flags: QuadletFlags): Promise<void> {
  try {
    await atomicWriteJson(file, { format: 1, key, ...flags }, { mode: 0o644 });
  } catch {
    // Not writable (another user's state, a read-only file system): probe next time.
  }
}
