/**
 * The daemon's secret cache: one file per Setec secret holding its value,
 * version and fetch time, written atomically with mode 0600 in a folder of
 * mode 0700. It lets the daemon set Podman secrets (and so units start)
 * while Setec is unreachable.
 *
 * @example
 * ```ts
 * const cache = await SecretCache.open(paths.secretCacheDir);
 * await cache.write({ name: "leger/app/key", value, version: 2, fetchedAt: new Date() });
 * const hit = await cache.read("leger/app/key");
 * ```
 *
 * @module
 */
import { dirname, join } from "node:path";
import { z } from "zod";
import { atomicWrite, removeIfExists } from "../core/fs.ts";
import { ExitCode, LegerError } from "../core/errors.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";

/** One cached secret. */
export interface CachedSecret {
  /** Setec secret name. */
  name: string;
  /** The value. */
  value: Uint8Array;
  /** Its Setec version. */
  version: number;
  /** When it was fetched from Setec. */
  fetchedAt: Date;
  /** SHA-256 of the value (hex); filled in on write. */
  sha256?: string;
  /**
   * Setec lost track of this value: the secret answered 404, vanished from
   * `list`, or its versions went backwards (deleted and created again). The
   * next fetch is unconditional and compared by digest, since a re-created
   * secret restarts at version 1 and a conditional get would answer 304.
   */
  suspect?: boolean;
  /** The secret was seen in the last `list` (this host may `info` it). */
  listed?: boolean;
  /** The highest version number `list` ever showed for it. */
  seenLatest?: number;
  /** When the value was last fetched in full and compared by digest. */
  verifiedAt?: Date;
}

/** SHA-256 of bytes, hex. */
export async function digestOf(value: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", value as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

const CacheFile = z.object({
  name: z.string(),
  version: z.number().int().min(0),
  fetchedAt: z.string().datetime(),
  value: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  suspect: z.boolean().optional(),
  listed: z.boolean().optional(),
  seenLatest: z.number().int().min(0).optional(),
  verifiedAt: z.string().datetime().optional(),
});

/**
 * Turns a Setec name (with `/`) into a file name: letters, digits, `_`, `-`
 * and inner `.` stay; every other byte becomes `%XX`. Reversible, and no
 * result is hidden, `.` or `..`.
 */
export function cacheFileName(name: string): string {
  const encoded = Array.from(new TextEncoder().encode(name), (b, i) => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9_-]/.test(c) || (c === "." && i > 0)) return c;
    return "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }).join("");
  return `${encoded}.json`;
}

function myUid(): number | null {
  return Deno.uid();
}

/** The daemon's cache of secret values. Open it with {@linkcode SecretCache.open}. */
export class SecretCache {
  /** The cache folder. */
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Opens (creating it if needed) the cache folder. Fixes the folder's mode
   * to 0700; refuses a folder owned by someone else and any cache file that
   * others could read, since its value may have leaked.
   */
  static async open(dir: string): Promise<SecretCache> {
    await Deno.mkdir(dirname(dir), { recursive: true, mode: 0o700 });
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 }).catch((error) => {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error; // a file: refused below
    });
    const info = await Deno.lstat(dir);
    const uid = myUid();
    if (!info.isDirectory) {
      throw new LegerError(
        `Cannot use the secret cache ${dir}: it is not a folder`,
        {
          hint: "Remove it; leger creates the folder itself.",
        },
      );
    }
    if (uid !== null && info.uid !== null && info.uid !== uid) {
      throw new LegerError(
        `Cannot use the secret cache ${dir}: it is owned by uid ${info.uid}, not by this user (uid ${uid})`,
        {
          exitCode: ExitCode.environment,
          hint: `Run leger as the folder's owner, or remove ${dir} so leger recreates it.`,
        },
      );
    }
    if (info.mode !== null && (info.mode & 0o777) !== 0o700) {
      await Deno.chmod(dir, 0o700);
    }
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.endsWith(".json")) continue;
      const file = join(dir, entry.name);
      const st = await Deno.lstat(file);
      if (!st.isFile) {
        throw new LegerError(
          `Cannot use the secret cache: ${file} is not a plain file`,
          {
            hint: `Remove ${file}; leger writes its cache files itself.`,
          },
        );
      }
      if (uid !== null && st.uid !== null && st.uid !== uid) {
        throw new LegerError(
          `Cannot use the secret cache: ${file} is owned by uid ${st.uid}, not ${uid}`,
          {
            exitCode: ExitCode.environment,
            hint: `Remove ${file}; the daemon fetches the secret again.`,
          },
        );
      }
      if (st.mode !== null && (st.mode & 0o077) !== 0) {
        const mode = (st.mode & 0o777).toString(8);
        throw new LegerError(
          `Cannot use the secret cache: ${file} has mode ${mode}, so other users could read the secret in it`,
          {
            exitCode: ExitCode.environment,
            hint: `Rotate that secret in Setec (it may have leaked), then remove ${file}; ` +
              "leger writes cache files with mode 600.",
          },
        );
      }
    }
    return new SecretCache(dir);
  }

  /** Path of a secret's cache file. */
  pathOf(name: string): string {
    return join(this.dir, cacheFileName(name));
  }

  /** Reads a cached secret, or undefined when there is none (or it is unreadable). */
  async read(name: string): Promise<CachedSecret | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.pathOf(name));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    try {
      const data = CacheFile.parse(JSON.parse(text));
      if (data.name !== name) return undefined;
      const value = decodeBase64(data.value);
      const sha256 = await digestOf(value);
      if (data.sha256 !== undefined && data.sha256 !== sha256) return undefined; // damaged
      return {
        name: data.name,
        version: data.version,
        fetchedAt: new Date(data.fetchedAt),
        value,
        sha256,
        ...(data.suspect ? { suspect: true } : {}),
        ...(data.listed ? { listed: true } : {}),
        ...(data.seenLatest !== undefined ? { seenLatest: data.seenLatest } : {}),
        ...(data.verifiedAt !== undefined ? { verifiedAt: new Date(data.verifiedAt) } : {}),
      };
    } catch {
      return undefined; // a damaged entry is as good as none: it is fetched again
    }
  }

  /** Writes a secret atomically, mode 0600. */
  async write(entry: CachedSecret): Promise<void> {
    const data = {
      name: entry.name,
      version: entry.version,
      fetchedAt: entry.fetchedAt.toISOString(),
      value: encodeBase64(entry.value),
      sha256: await digestOf(entry.value),
      ...(entry.suspect ? { suspect: true } : {}),
      ...(entry.listed ? { listed: true } : {}),
      ...(entry.seenLatest !== undefined ? { seenLatest: entry.seenLatest } : {}),
      ...(entry.verifiedAt !== undefined ? { verifiedAt: entry.verifiedAt.toISOString() } : {}),
    };
    await atomicWrite(this.pathOf(entry.name), JSON.stringify(data) + "\n", {
      mode: 0o600,
    });
  }

  /** Forgets a secret. */
  async remove(name: string): Promise<void> {
    await removeIfExists(this.pathOf(name));
  }

  /** Every cached secret, sorted by name. */
  async list(): Promise<CachedSecret[]> {
    const out: CachedSecret[] = [];
    for await (const entry of Deno.readDir(this.dir)) {
      if (
        !entry.isFile || !entry.name.endsWith(".json") ||
        entry.name.startsWith(".")
      ) continue;
      let name: string;
      try {
        name = decodeURIComponent(entry.name.slice(0, -".json".length));
      } catch {
        continue; // not a file leger wrote
      }
      const hit = await this.read(name);
      if (hit) out.push(hit);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
