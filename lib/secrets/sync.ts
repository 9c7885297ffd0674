/**
 * One sync of declared secrets from Setec to Podman secrets: fetch what
 * changed (conditional gets against the cached version), update the cache
 * and the Podman secret, restart the units that use a rotated secret (once
 * per unit), and fall back to the cache while Setec is unreachable. Log
 * lines and the report name secrets and versions, never values.
 *
 * @module
 */
import { LegerError, NotFoundError } from "../core/errors.ts";
import type { Shell } from "../host/shell.ts";
import type { SecretCache } from "./cache.ts";
import { listPodmanSecrets, setPodmanSecret } from "./podman_secrets.ts";
import { boundedList } from "../core/bounded_list.ts";
import { fetchSecret, listForSync, type Listing } from "./freshness.ts";
import type { SetecClient } from "./setec_client.ts";
import { SetecAccessDeniedError, SetecError, SetecNotFoundError, SetecUnavailableError } from "./setec_errors.ts";

/** A secret some installed set declares. */
export interface DeclaredSecret {
  /** Setec secret name. */
  name: string;
  /** Podman secret the units use. */
  podmanSecret: string;
  /** Restart the users when it rotates; true when left out. */
  restart?: boolean | undefined;
  /** systemd units that use it. */
  users: string[];
}

/** Where sync writes its lines (never values). */
export interface SyncLogger {
  /** Something changed. */
  info(line: string): void;
  /** Something went wrong or is stale. */
  warn(line: string): void;
}

/** What happened to one Podman secret. */
export type SyncAction =
  | "created"
  | "rotated"
  | "refreshed"
  | "unchanged"
  | "stale"
  | "failed"
  | "would-create"
  | "would-rotate"
  | "would-refresh";

/** The outcome for one declared secret. */
export interface SecretSyncResult {
  /** Setec secret name. */
  name: string;
  /** Podman secret name. */
  podmanSecret: string;
  /** What happened. */
  action: SyncAction;
  /** Version the host had before (from the cache), if any. */
  fromVersion?: number;
  /** Version the host has now (or would have). */
  toVersion?: number;
  /** Units restarted because of this secret. */
  restarted: string[];
  /** Set when Setec was unreachable and the cached value is served. */
  stale?: { fetchedAt: string; ageMs: number };
  /** Why it failed (or why it is stale). */
  error?: {
    message: string;
    hint?: string;
    status?: number;
    aclAction?: string;
  };
}

/** The outcome of one sync. */
export interface SyncReport {
  /** When it began (ISO). */
  startedAt: string;
  /** When it ended (ISO). */
  finishedAt: string;
  /** Nothing was changed. */
  dryRun: boolean;
  /** One entry per declared Podman secret, in declaration order. */
  results: SecretSyncResult[];
  /** Every unit restarted (or that would be, in a dry run). */
  restarted: string[];
  /** Why restarting failed, if it did. */
  restartError?: string;
  /** No secret failed. */
  ok: boolean;
  /** Setec could not be reached for at least one secret. */
  unreachable: boolean;
}

/** Options of {@linkcode syncSecrets}. */
export interface SyncOptions {
  /** The shell podman runs through. */
  $: Shell;
  /** Setec client. */
  client: SetecClient;
  /** The secret cache. */
  cache: SecretCache;
  /** Declared secrets (see declaredSecrets()). */
  declared: DeclaredSecret[];
  /** Only Setec names starting with this are synced (daemon.secret-prefix). */
  prefix: string;
  /** Restarts systemd units. */
  restartUnits: (units: string[]) => Promise<void>;
  /** Log sink. */
  log: SyncLogger;
  /** Fetch and compare, change nothing. */
  dryRun?: boolean;
  /** Sync only this secret (Setec or Podman name). */
  only?: string | undefined;
  /** daemon.restart-on-rotate; true when left out. */
  restartOnRotate?: boolean;
  /** Parallel Setec requests; 8 by default. */
  concurrency?: number;
  /**
   * daemon.verify-interval in ms: how often each cached value is fetched in
   * full and compared (1 h when left out). It bounds how long a secret
   * deleted and put again with the same version numbers goes unnoticed.
   */
  verifyEveryMs?: number;
  /** Clock (tests pin it). */
  now?: () => Date;
}

/** Formats a duration in ms as `45s`, `5m`, `3h` or `2d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function errorInfo(error: unknown): NonNullable<SecretSyncResult["error"]> {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    message: e.message,
    ...(e instanceof LegerError && e.hint ? { hint: e.hint } : {}),
    ...(e instanceof SetecError && e.status !== undefined ? { status: e.status } : {}),
    ...(e instanceof SetecAccessDeniedError ? { aclAction: e.action } : {}),
  };
}

async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
}

/**
 * Syncs declared secrets from Setec into Podman secrets and restarts the
 * units of rotated ones. Never throws for one secret's failure (it is in the
 * report); throws only when podman cannot list its secrets or `only` names
 * nothing declared.
 */
export async function syncSecrets(opts: SyncOptions): Promise<SyncReport> {
  const now = opts.now ?? (() => new Date());
  const dryRun = opts.dryRun ?? false;
  const startedAt = now().toISOString();
  let declared = opts.declared;
  if (opts.only !== undefined) {
    declared = declared.filter((d) => d.name === opts.only || d.podmanSecret === opts.only);
    if (declared.length === 0) {
      throw new NotFoundError(
        `Cannot sync ${opts.only}: no installed set declares a secret of that name`,
        "Run `leger secrets status` to see the declared secrets.",
      );
    }
  }
  const results: SecretSyncResult[] = declared.map((d) => ({
    name: d.name,
    podmanSecret: d.podmanSecret,
    action: "unchanged",
    restarted: [],
  }));
  const byName = new Map<string, number[]>();
  const owner = new Map<string, string>();
  declared.forEach((d, i) => {
    const claimed = owner.get(d.podmanSecret);
    if (claimed !== undefined && claimed !== d.name) {
      results[i]!.action = "failed";
      results[i]!.error = {
        message: `Cannot sync ${d.name}: Podman secret ${d.podmanSecret} is already fed by ${claimed}`,
        hint: "Give each Setec secret its own podman-secret name in .leger.yaml.",
      };
      return;
    }
    owner.set(d.podmanSecret, d.name);
    byName.set(d.name, [...(byName.get(d.name) ?? []), i]);
  });
  const existing = new Set(
    (await listPodmanSecrets(opts.$)).map((s) => s.name),
  );
  const rotatedUnits = new Map<number, string[]>();
  let unreachable = false;
  let setecDown: SetecUnavailableError | undefined;
  // One list per sync: the evidence that a cached secret was deleted and re-created.
  const listing: Listing = [...byName.keys()].some((n) => n.startsWith(opts.prefix))
    ? await listForSync(opts.client)
    : undefined;

  await pool([...byName], opts.concurrency ?? 8, async ([name, indexes]) => {
    const targets = indexes.map((i) => ({
      decl: declared[i]!,
      result: results[i]!,
    }));
    const fail = (error: unknown) => {
      for (const t of targets) {
        Object.assign(t.result, { action: "failed", error: errorInfo(error) });
      }
      opts.log.warn(`failed ${name}: ${errorInfo(error).message}`);
    };
    if (!name.startsWith(opts.prefix)) {
      return fail(
        new LegerError(
          `Cannot sync ${name}: it is outside the secret prefix "${opts.prefix}"`,
          {
            hint: `Rename it under ${opts.prefix} in .leger.yaml, or change daemon.secret-prefix in config.yaml.`,
          },
        ),
      );
    }
    const cached = await opts.cache.read(name);
    let value: Uint8Array, version: number, changed: boolean;
    try {
      // Once Setec is known to be down, do not wait on it again for every secret.
      if (setecDown) throw setecDown;
      const got = await fetchSecret(opts.client, name, cached, listing, now(), opts.verifyEveryMs);
      [value, version, changed] = [got.value, got.version, got.changed];
      if (got.recreated) {
        opts.log.warn(`${name} was deleted and created again in Setec (now v${version}): taking its new value`);
      } else if (got.olderActivated) {
        opts.log.info(
          `${name}: an older version was made active in Setec (v${cached!.version} -> v${version}): taking its value`,
        );
      }
      if ((changed || got.keepChanged) && !dryRun) {
        const fetchedAt = changed || !cached ? now() : cached.fetchedAt;
        await opts.cache.write({ name, value, version, fetchedAt, ...got.keep });
      }
    } catch (error) {
      if (error instanceof SetecNotFoundError && cached && !cached.suspect && !dryRun) {
        // Remember it vanished: if it comes back, its versions start again at 1.
        await opts.cache.write({ ...cached, suspect: true }).catch(() => {});
      }
      if (!(error instanceof SetecUnavailableError)) return fail(error);
      unreachable = true;
      setecDown = error;
      if (!cached) return fail(error);
      const ageMs = now().getTime() - cached.fetchedAt.getTime();
      for (const t of targets) {
        try {
          if (!existing.has(t.decl.podmanSecret) && !dryRun) {
            await setPodmanSecret(opts.$, t.decl.podmanSecret, cached.value);
          }
          Object.assign(t.result, {
            action: "stale",
            fromVersion: cached.version,
            toVersion: cached.version,
            stale: { fetchedAt: cached.fetchedAt.toISOString(), ageMs },
            error: errorInfo(error),
          });
        } catch (podmanError) {
          Object.assign(t.result, {
            action: "failed",
            error: errorInfo(podmanError),
          });
        }
      }
      opts.log.warn(
        `stale ${name}: Setec ${error.outage}, serving cached v${cached.version} from ${formatAge(ageMs)} ago`,
      );
      return;
    }
    for (const t of targets) {
      const exists = existing.has(t.decl.podmanSecret);
      const r = t.result;
      r.toVersion = version;
      if (cached && exists) r.fromVersion = cached.version;
      let action: SyncAction = "unchanged";
      if (!exists) action = "created";
      else if (changed && cached) action = "rotated";
      else if (changed) action = "refreshed"; // no known previous version: do not restart
      if (action === "unchanged") continue;
      if (dryRun) {
        r.action = `would-${action === "created" ? "create" : action === "rotated" ? "rotate" : "refresh"}`;
      } else {
        try {
          await setPodmanSecret(opts.$, t.decl.podmanSecret, value);
          r.action = action;
        } catch (error) {
          Object.assign(r, { action: "failed", error: errorInfo(error) });
          opts.log.warn(`failed ${name}: ${r.error!.message}`);
          continue;
        }
      }
      if (
        action === "rotated" && t.decl.restart !== false &&
        opts.restartOnRotate !== false
      ) {
        rotatedUnits.set(results.indexOf(r), t.decl.users);
      }
    }
  });

  const restarted = [...new Set([...rotatedUnits.values()].flat())].sort();
  let restartError: string | undefined;
  if (restarted.length && !dryRun) {
    try {
      await opts.restartUnits(restarted);
      for (const [i, units] of rotatedUnits) results[i]!.restarted = [...units];
    } catch (error) {
      restartError = error instanceof Error ? error.message : String(error);
      opts.log.warn(
        `failed to restart ${restarted.join(", ")}: ${restartError}`,
      );
    }
  } else if (dryRun) {
    for (const [i, units] of rotatedUnits) results[i]!.restarted = [...units];
  }
  for (const r of results) logResult(opts.log, r, dryRun);
  return {
    startedAt,
    finishedAt: now().toISOString(),
    dryRun,
    results,
    restarted,
    ...(restartError === undefined ? {} : { restartError }),
    ok: results.every((r) => r.action !== "failed") &&
      restartError === undefined,
    unreachable,
  };
}

function logResult(
  log: SyncLogger,
  r: SecretSyncResult,
  dryRun: boolean,
): void {
  const restarts = r.restarted.length ? `, ${dryRun ? "would restart" : "restarted"} ${boundedList(r.restarted)}` : "";
  const from = r.fromVersion === undefined ? "" : `v${r.fromVersion} -> `;
  const to = `v${r.toVersion}`;
  switch (r.action) {
    case "created":
    case "would-create":
      return log.info(
        `${r.action.replace("-", " ")} ${r.name} ${to} as podman secret ${r.podmanSecret}`,
      );
    case "rotated":
    case "would-rotate":
    case "refreshed":
    case "would-refresh":
      return log.info(
        `${r.action.replace("-", " ")} ${r.name} ${from}${to}${restarts}`,
      );
  }
}
