/**
 * File helpers: atomic writes (temp file, fsync, rename), checksums, and
 * folder creation with modes.
 *
 * leger's own state and cache are private whatever the umask: folders it
 * creates there are 0700 ({@linkcode ensurePrivateDir}) and files 0600
 * ({@linkcode atomicWrite}'s default). A source URL, a backup's host paths
 * or a set's files are nobody else's business (issue 24 found manifests
 * and the git cache at 0644 in 0755 folders). Writers into shared places
 * (the quadlet folder, systemd's unit folders) pass their modes.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";

/** Creates a folder and its parents; sets `mode` on the last one. */
export async function ensureDir(path: string, mode?: number): Promise<void> {
  await Deno.mkdir(path, { recursive: true });
  if (mode !== undefined) await Deno.chmod(path, mode);
}

/** The mode of leger's own folders. */
export const PRIVATE_DIR = 0o700;
/** The mode of leger's own files. */
export const PRIVATE_FILE = 0o600;

/**
 * Creates a folder of leger's own (state, cache) and any missing parent,
 * each one `mode` (0700) whatever the umask, and sets `mode` on the folder
 * itself when it already exists (an older leger made them 0755).
 */
export async function ensurePrivateDir(path: string, mode = PRIVATE_DIR): Promise<void> {
  await createDirs(path, mode);
  await Deno.chmod(path, mode);
}

/** Creates `path` and its missing parents with `mode` (chmod after: the umask narrows mkdir's mode). */
async function createDirs(path: string, mode: number): Promise<void> {
  const missing: string[] = [];
  for (let dir = path;; dir = dirname(dir)) {
    try {
      await Deno.stat(dir);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      missing.push(dir);
      if (dirname(dir) === dir) break;
    }
  }
  for (const dir of missing.reverse()) {
    try {
      await Deno.mkdir(dir, { mode });
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue; // made by another run meanwhile
      throw error;
    }
    await Deno.chmod(dir, mode);
  }
}

/** Options of {@linkcode atomicWrite}. */
export interface AtomicWriteOptions {
  /** File mode; 0o600 when left out. */
  mode?: number;
  /** Mode of the parent folders it creates; 0o700 when left out. */
  dirMode?: number;
}

/**
 * Writes a file so that a reader sees either the old or the new content,
 * never a part: write a temporary file beside it, fsync, rename over.
 */
export async function atomicWrite(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  await createDirs(dir, options.dirMode ?? PRIVATE_DIR);
  const tmp = join(
    dir,
    `.${path.split("/").pop()}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`,
  );
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const file = await Deno.open(tmp, {
    write: true,
    create: true,
    truncate: true,
    mode: options.mode ?? PRIVATE_FILE,
  });
  try {
    let written = 0;
    while (written < bytes.length) {
      written += await file.write(bytes.subarray(written));
    }
    await file.sync();
  } finally {
    file.close();
  }
  try {
    await Deno.chmod(tmp, options.mode ?? PRIVATE_FILE);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
  await syncDir(dir);
}

/** Flushes a folder's entries to disk (best effort). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a folder; the rename still stands.
  }
}

/** Writes JSON atomically, pretty-printed with a final newline. */
export function atomicWriteJson(
  path: string,
  value: unknown,
  options: AtomicWriteOptions = {},
): Promise<void> {
  return atomicWrite(path, JSON.stringify(value, null, 2) + "\n", options);
}

/** Reads a text file, or returns undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** True when the path exists (following links). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Lowercase hex sha256 of bytes or text. */
export async function sha256(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

/** Lowercase hex sha256 of a file, read as a stream (any size). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  // One buffer, read into again and again: a stream's fresh chunk per read left a 256 MiB archive's worth of
  // garbage that raised a restore's peak RSS (docs/BENCHMARKS.md).
  const buffer = new Uint8Array(1 << 20);
  using file = await Deno.open(path, { read: true });
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) hash.update(buffer.subarray(0, n));
  return hash.digest("hex");
}

/**
 * Lowercase hex sha256 of a file that another process is still appending
 * to (a compressor writing an archive), read as it grows, so hashing
 * overlaps the writing instead of following it: at 256 MiB that was 0.15-0.3 s
 * after the archive was complete. Once `written` has settled, the file is
 * read to its end and the hash is final. One reused buffer, as in
 * {@linkcode sha256File}.
 */
export async function sha256Growing(path: string, written: Promise<unknown>): Promise<string> {
  const hash = createHash("sha256");
  const buffer = new Uint8Array(1 << 20);
  let finished = false;
  const done = written.then(() => (finished = true), () => (finished = true));
  using file = await Deno.open(path, { read: true });
  while (true) {
    // Whether the writer was done before this read: then an end of file is the end.
    const last = finished;
    const n = await file.read(buffer);
    if (n !== null) {
      hash.update(buffer.subarray(0, n));
      continue;
    }
    if (last) break;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 20)))]);
    clearTimeout(timer);
  }
  return hash.digest("hex");
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Removes a path recursively; no error when it is already gone. */
export async function removeIfExists(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
