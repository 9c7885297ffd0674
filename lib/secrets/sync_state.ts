/**
 * Sync and status from leger's state: the secrets declared by the installed
 * sets' manifests, the scope's cache and the configured Setec server. Used
 * by the daemon on every cycle, and by `leger secrets sync|status` when no
 * daemon runs.
 *
 * @module
 */
import { parseDuration } from "../core/duration.ts";
import { ExitCode, LegerError } from "../core/errors.ts";
import type { Config } from "../config.ts";
import type { ScopePaths } from "../core/paths.ts";
import type { Shell } from "../host/shell.ts";
import { listManifests } from "../state/manifest.ts";
import { withLock } from "../core/lock.ts";
import { SecretCache } from "./cache.ts";
import { declaredSecrets } from "./declared.ts";
import { SetecClient, type SetecClientOptions } from "./setec_client.ts";
import { type DeclaredSecret, type SyncAction, type SyncLogger, type SyncReport, syncSecrets } from "./sync.ts";

/** The state of one declared secret, as `leger secrets status` shows it. */
export interface SecretStatus {
  /** Setec secret name. */
  name: string;
  /** Podman secret name. */
  podmanSecret: string;
  /** Units that use it. */
  users: string[];
  /** Version held (cached), if any. */
  version?: number;
  /** When that version was fetched from Setec (ISO). */
  fetchedAt?: string;
  /** When Setec last confirmed it (ISO); daemon only. */
  checkedAt?: string;
  /** Served from the cache because Setec was unreachable. */
  stale: boolean;
  /** Age of the cached value in ms, if any. */
  ageMs?: number;
  /** What the last sync did with it; daemon only. */
  lastAction?: SyncAction;
  /** Why the last sync failed, if it did. */
  lastError?: string;
}

/**
 * Builds the Setec client of a config; a clear error when no server is set
 * or the CA file (daemon.setec-ca-file) cannot be read. Close it when done.
 */
export function createSetecClient(
  config: Config,
  options: Omit<SetecClientOptions, "server"> = {},
): SetecClient {
  const server = config.daemon["setec-server"];
  if (!server) {
    throw new LegerError("Cannot sync secrets: no Setec server is configured", {
      exitCode: ExitCode.config,
      hint: "Set daemon.setec-server in config.yaml (or SETEC_SERVER) to the server's MagicDNS name, " +
        "e.g. https://secrets.example.ts.net.",
    });
  }
  const caFile = config.daemon["setec-ca-file"];
  let caCert: string | undefined;
  if (caFile) {
    try {
      caCert = Deno.readTextFileSync(caFile);
    } catch (error) {
      throw new LegerError(
        `Cannot read the Setec CA file ${caFile}: ${error instanceof Error ? error.message : error}`,
        {
          exitCode: ExitCode.environment,
          hint: "Point daemon.setec-ca-file (or SETEC_CA_FILE) at the PEM file of the CA that signed the server's " +
            "certificate, or remove it: a ts.net certificate needs no extra CA.",
        },
      );
    }
    if (!caCert.includes("-----BEGIN CERTIFICATE-----")) {
      throw new LegerError(`Cannot use the Setec CA file ${caFile}: it holds no PEM certificate`, {
        exitCode: ExitCode.environment,
        hint: "Point daemon.setec-ca-file at a PEM file (-----BEGIN CERTIFICATE-----).",
      });
    }
  }
  return new SetecClient({ server, ...(caCert ? { caCert } : {}), ...options });
}

/** The declared secrets of every installed set of a scope. */
export async function discoverSecrets(
  paths: ScopePaths,
): Promise<DeclaredSecret[]> {
  return declaredSecrets(await listManifests(paths));
}

/** Options of {@linkcode syncFromState}. */
export interface SyncFromStateOptions {
  /** Scope paths. */
  paths: ScopePaths;
  /** Loaded config. */
  config: Config;
  /** Shell podman runs through. */
  $: Shell;
  /** Log sink. */
  log: SyncLogger;
  /** Restarts systemd units. */
  restartUnits: (units: string[]) => Promise<void>;
  /** Sync only this secret (Setec or Podman name). */
  only?: string | undefined;
  /** Change nothing. */
  dryRun?: boolean | undefined;
  /** fetch for the Setec client (tests). */
  fetch?: typeof fetch;
  /** A client to reuse instead of building one from config. */
  client?: SetecClient;
  /** A cache to reuse instead of opening the scope's. */
  cache?: SecretCache;
  /** Declared secrets, when already discovered. */
  declared?: DeclaredSecret[];
  /** Hold the scope lock for the sync (`leger secrets sync` without a daemon); off when the caller holds it. */
  lock?: boolean;
}

/**
 * Runs one sync of a scope: what `leger secrets sync [name] [--dry-run]`
 * does in-process when no daemon answers.
 *
 * @example
 * ```ts
 * const report = await syncFromState({ paths, config, $, log, restartUnits, only: "leger/app/key" });
 * ```
 */
export async function syncFromState(
  opts: SyncFromStateOptions,
): Promise<SyncReport> {
  const client = opts.client ??
    createSetecClient(opts.config, opts.fetch ? { fetch: opts.fetch } : {});
  try {
    return opts.lock ? await withLock(opts.paths.lockFile, () => syncWith(opts, client)) : await syncWith(opts, client);
  } finally {
    if (!opts.client) client.close();
  }
}

async function syncWith(opts: SyncFromStateOptions, client: SetecClient): Promise<SyncReport> {
  const cache = opts.cache ?? await SecretCache.open(opts.paths.secretCacheDir);
  return await syncSecrets({
    $: opts.$,
    client,
    cache,
    declared: opts.declared ?? await discoverSecrets(opts.paths),
    prefix: opts.config.daemon["secret-prefix"],
    verifyEveryMs: parseDuration(opts.config.daemon["verify-interval"], "daemon.verify-interval"),
    restartUnits: opts.restartUnits,
    log: opts.log,
    dryRun: opts.dryRun ?? false,
    only: opts.only,
    restartOnRotate: opts.config.daemon["restart-on-rotate"],
  });
}

/**
 * What `leger secrets status` shows when no daemon runs, and what each
 * daemon cycle answers (`known`: what the cycle has read already): every
 * declared secret with the version cached for it (no Setec call, no values).
 */
export async function localSecretStatus(
  paths: ScopePaths,
  now = new Date(),
  known: { declared?: DeclaredSecret[]; cache?: SecretCache } = {},
): Promise<SecretStatus[]> {
  const declared = known.declared ?? await discoverSecrets(paths);
  let cache = known.cache;
  if (declared.length) cache ??= await SecretCache.open(paths.secretCacheDir);
  const out: SecretStatus[] = [];
  for (const d of declared) {
    const hit = await cache?.read(d.name);
    out.push({
      name: d.name,
      podmanSecret: d.podmanSecret,
      users: d.users,
      stale: false,
      ...(hit
        ? {
          version: hit.version,
          fetchedAt: hit.fetchedAt.toISOString(),
          ageMs: now.getTime() - hit.fetchedAt.getTime(),
        }
        : {}),
    });
  }
  return out;
}
