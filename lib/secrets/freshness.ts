/**
 * Fetching one secret so that a deleted and re-created secret is noticed.
 * Setec restarts a re-created name at version 1, so a host that cached
 * version 1 of the old secret would get 304 for the new one forever. A
 * poll therefore reads `list` once (names, versions, never values) and,
 * for each cached secret, treats it as suspect when its versions went
 * backwards, when it vanished from the list it used to be in, or when it
 * answered 404 before (the cache remembers that); a suspect secret is
 * fetched without `UpdateIfChanged` and compared with the cache by SHA-256
 * of the value.
 *
 * @module
 */
import { type CachedSecret, digestOf } from "./cache.ts";
import { isUnchanged, type SecretInfo, type SetecClient } from "./setec_client.ts";

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

/** How often a cached value is fetched in full and compared by digest, suspect or not: a day. */
export const VERIFY_EVERY_MS = 24 * 3600_000;

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
  /** What to keep in the cache beside the value. */
  keep: Bookkeeping;
  /** The bookkeeping differs from the cache's. */
  keepChanged: boolean;
}

/** True when Setec's view of a cached secret shows it was deleted (and maybe re-created). */
export function isSuspect(cached: CachedSecret, listing: Listing): boolean {
  if (cached.suspect) return true;
  if (!listing) return false;
  const listed = listing.get(cached.name);
  if (!listed) return cached.listed === true; // vanished from the list it was in
  const highest = Math.max(0, ...listed.versions);
  return listed.activeVersion < cached.version || highest < (cached.seenLatest ?? 0);
}

/** Fetches the active value of `name`: conditionally when the cache can be trusted, else in full. */
export async function fetchSecret(
  client: SetecClient,
  name: string,
  cached: CachedSecret | undefined,
  listing: Listing,
  now: Date,
): Promise<Fetched> {
  const suspect = cached ? isSuspect(cached, listing) : false;
  const due = !cached?.verifiedAt || now.getTime() - cached.verifiedAt.getTime() >= VERIFY_EVERY_MS;
  const full = !cached || cached.version === 0 || suspect || due;
  const got = full
    ? await client.get(name)
    : await client.get(name, { version: cached.version, updateIfChanged: true });
  const listed = listing?.get(name);
  const highest = listed ? Math.max(0, ...listed.versions) : undefined;
  const keep: Bookkeeping = {};
  if (listing ? listed : cached?.listed) keep.listed = true;
  const seen = highest === undefined ? cached?.seenLatest : suspect
    ? highest // a new life of the secret: its numbers start again
    : Math.max(cached?.seenLatest ?? 0, highest);
  if (seen !== undefined) keep.seenLatest = seen;
  const verifiedAt = full ? now : cached?.verifiedAt;
  if (verifiedAt) keep.verifiedAt = verifiedAt;
  const keepChanged = !cached || (cached.suspect ?? false) !== false ||
    (cached.listed ?? false) !== (keep.listed ?? false) || cached.seenLatest !== keep.seenLatest ||
    cached.verifiedAt?.getTime() !== keep.verifiedAt?.getTime();
  if (isUnchanged(got)) {
    return { value: cached!.value, version: cached!.version, changed: false, recreated: false, keep, keepChanged };
  }
  let changed = !cached || cached.version !== got.version;
  if (cached && !changed) {
    changed = (cached.sha256 ?? await digestOf(cached.value)) !== await digestOf(got.value);
  }
  return {
    value: got.value,
    version: got.version,
    changed,
    recreated: suspect && changed && cached !== undefined,
    keep,
    keepChanged,
  };
}
