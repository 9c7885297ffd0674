/**
 * Fetching one secret so that a deleted and re-created secret is noticed.
 * Setec restarts a re-created name at version 1, so a host that cached
 * version 1 of the old secret would get 304 for the new one forever. A
 * poll therefore reads `list` once (names, versions, never values) and,
 * for each cached secret, treats it as suspect when its versions went
 * backwards, when it vanished from the list it used to be in, or when it
 * answered 404 before (the cache remembers that); a suspect secret is
 * fetched without `UpdateIfChanged` and compared with the cache by SHA-256
 * of the value. A re-create that lands on the same version numbers leaves
 * no trace in `list`: every cached value is also fetched in full once per
 * `daemon.verify-interval` (1 h by default), which bounds how long such a
 * value can go unnoticed.
 *
 * An active version below the cached one is either an older version
 * activated on purpose (a rollback: the cached version is still there,
 * with the value leger holds) or a new life of the name; the cached
 * version is fetched once to tell which, so the log says what happened.
 *
 * @module
 */
import { type CachedSecret, digestOf } from "./cache.ts";
import { isUnchanged, type SecretInfo, type SetecClient } from "./setec_client.ts";
import { SetecNotFoundError } from "./setec_errors.ts";

/** What `list` showed, by name; undefined when list failed (then only 404s mark secrets suspect). */
export type Listing = Map<string, SecretInfo> | undefined;

/** Reads `list` once per poll; a failure only means less evidence, never a failed sync. */
export async function listForSync(client: SetecClient): Promise<Listing> {
  try {
    return new Map((await client.list()).map((i) => [i.name, i]));
  } catch {
    return undefined;
  }
}

/** How often a cached value is fetched in full and compared by digest, suspect or not, by default: an hour. */
export const VERIFY_EVERY_MS = 3600_000;

/** The bookkeeping the cache keeps beside a value. */
export type Bookkeeping = Pick<CachedSecret, "suspect" | "listed" | "seenLatest" | "verifiedAt">;

/** The outcome of {@linkcode fetchSecret}. */
export interface Fetched {
  /** The active value. */
  value: Uint8Array;
  /** Its version. */
  version: number;
  /** Differs from the cache (version or digest), or nothing was cached. */
  changed: boolean;
  /** The secret was deleted and created again (found by the digest, not the version). */
  recreated: boolean;
  /** An older version was made active on purpose (the cached version is still there, unchanged). */
  olderActivated: boolean;
  /** What to keep in the cache beside the value. */
  keep: Bookkeeping;
  /** The bookkeeping differs from the cache's. */
  keepChanged: boolean;
}

/**
 * Why Setec's view of a cached secret makes it suspect: it answered 404 or
 * vanished from the list (`gone`), its version numbers went backwards
 * (`renumbered`: deleted and created again), or its active version is below
 * the cached one while that version still exists (`older-active`: a
 * rollback, or a new life that reached the same numbers).
 */
export type Suspicion = "gone" | "renumbered" | "older-active";

/** What makes a cached secret suspect, or undefined when nothing does. */
export function suspicionOf(cached: CachedSecret, listing: Listing): Suspicion | undefined {
  if (cached.suspect) return "gone";
  if (!listing) return undefined;
  const listed = listing.get(cached.name);
  if (!listed) return cached.listed === true ? "gone" : undefined; // vanished from the list it was in
  const highest = Math.max(0, ...listed.versions);
  if (highest < (cached.seenLatest ?? 0)) return "renumbered";
  if (listed.activeVersion >= cached.version) return undefined;
  return listed.versions.includes(cached.version) ? "older-active" : "renumbered";
}

/** True when Setec's view of a cached secret shows it was deleted (and maybe re-created). */
export function isSuspect(cached: CachedSecret, listing: Listing): boolean {
  return suspicionOf(cached, listing) !== undefined;
}

/** Whether Setec still holds the cached version with the cached value (then an older version was activated). */
async function stillHeld(client: SetecClient, cached: CachedSecret): Promise<boolean> {
  try {
    const got = await client.get(cached.name, { version: cached.version });
    if (isUnchanged(got) || got.version !== cached.version) return false;
    return (cached.sha256 ?? await digestOf(cached.value)) === await digestOf(got.value);
  } catch (error) {
    if (error instanceof SetecNotFoundError) return false;
    throw error;
  }
}

/**
 * Fetches the active value of `name`: conditionally when the cache can be
 * trusted, else in full (nothing cached, suspect, or not verified for
 * `verifyEveryMs`).
 */
export async function fetchSecret(
  client: SetecClient,
  name: string,
  cached: CachedSecret | undefined,
  listing: Listing,
  now: Date,
  verifyEveryMs: number = VERIFY_EVERY_MS,
): Promise<Fetched> {
  const suspicion = cached ? suspicionOf(cached, listing) : undefined;
  const suspect = suspicion !== undefined;
  const due = !cached?.verifiedAt || now.getTime() - cached.verifiedAt.getTime() >= verifyEveryMs;
  const full = !cached || cached.version === 0 || suspect || due;
  const got = full
    ? await client.get(name)
    : await client.get(name, { version: cached.version, updateIfChanged: true });
  let changed = false;
  if (!isUnchanged(got)) {
    changed = !cached || cached.version !== got.version;
    if (cached && !changed) {
      changed = (cached.sha256 ?? await digestOf(cached.value)) !== await digestOf(got.value);
    }
  }
  const olderActivated = suspicion === "older-active" && changed && await stillHeld(client, cached!);
  const newLife = suspect && !olderActivated;
  const listed = listing?.get(name);
  const highest = listed ? Math.max(0, ...listed.versions) : undefined;
  const keep: Bookkeeping = {};
  if (listing ? listed : cached?.listed) keep.listed = true;
  const seen = highest === undefined ? cached?.seenLatest : newLife
    ? highest // a new life of the secret: its numbers start again
    : Math.max(cached?.seenLatest ?? 0, highest);
  if (seen !== undefined) keep.seenLatest = seen;
  const verifiedAt = full ? now : cached?.verifiedAt;
  if (verifiedAt) keep.verifiedAt = verifiedAt;
  const keepChanged = !cached || (cached.suspect ?? false) !== false ||
    (cached.listed ?? false) !== (keep.listed ?? false) || cached.seenLatest !== keep.seenLatest ||
    cached.verifiedAt?.getTime() !== keep.verifiedAt?.getTime();
  if (isUnchanged(got)) {
    return {
      value: cached!.value,
      version: cached!.version,
      changed: false,
      recreated: false,
      olderActivated: false,
      keep,
      keepChanged,
    };
  }
  return {
    value: got.value,
    version: got.version,
    changed,
    // Another value under the same version number: only a new life of the name gives that.
    recreated: changed && cached !== undefined && (newLife || cached.version === got.version),
    olderActivated,
    keep,
    keepChanged,
  };
}
