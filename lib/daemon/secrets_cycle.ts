/**
 * One secrets cycle, as a `leger daemon cycle --secrets` child runs it: read
 * the secrets the installed sets declare, sync them from Setec into Podman
 * secrets, and restart the units of rotated ones.
 *
 * It changes the host only while it holds the scope lock, and a poll never
 * waits for it: a poll that finds it held answers `deferred` and the daemon
 * comes back a second later. A sync asked for on the socket (install asks
 * while it holds the lock) updates the Podman secrets at once; its restarts
 * (try-restart: stopped units stay stopped) wait until the lock is free,
 * after the answer has been sent ({@linkcode SecretsCycle.finish}).
 *
 * @module
 */
import type { Config } from "../config.ts";
import { parseDuration } from "../core/duration.ts";
import type { ScopePaths } from "../core/paths.ts";
import type { Shell } from "../host/shell.ts";
import type { Systemd } from "../host/systemd.ts";
import { SecretCache } from "../secrets/cache.ts";
import type { SetecClientOptions } from "../secrets/setec_client.ts";
import type { SyncLogger } from "../secrets/sync.ts";
import { createSetecClient, discoverSecrets, localSecretStatus, syncFromState } from "../secrets/sync_state.ts";
import { tryRestartUnits } from "../secrets/try_restart.ts";
import type { SecretsReply, SecretsRequest } from "./cycle_protocol.ts";
import { type HeldLock, tryScopeLock } from "./scope_lock.ts";

/** What a secrets cycle works with. */
export interface SecretsCycleDeps {
  paths: ScopePaths;
  /** config.yaml as it is now. */
  config: Config;
  /** The shell podman runs through. */
  $: Shell;
  /** Journal lines (never values). */
  log: SyncLogger;
  /** systemd of the scope: the users of a rotated secret are try-restarted through it. */
  systemd?: Systemd;
  /** Restarts running units among these, leaving stopped ones stopped (tests); try-restart through `systemd` otherwise. */
  restartUnits?: (units: string[]) => Promise<void>;
  /** fetch for the Setec client (tests). */
  fetch?: typeof fetch;
  /** Extra Setec client options (timeouts, retries). */
  client?: Omit<SetecClientOptions, "server" | "fetch" | "signal">;
  /** How often restarts that wait for the lock try it again; 500 ms by default. */
  lockRetryMs?: number;
  /** Abort to give up waiting for the lock. */
  signal?: AbortSignal;
}

/** A cycle's answer, and the restarts still to do once the scope lock is free. */
export interface SecretsCycle {
  reply: SecretsReply;
  /** Resolves when the waiting restarts are done (at once when none wait). */
  finish(): Promise<void>;
}

/** Runs one secrets cycle. */
export async function runSecretsCycle(deps: SecretsCycleDeps, request: SecretsRequest): Promise<SecretsCycle> {
  const { config, paths, log } = deps;
  const pollIntervalMs = parseDuration(config.daemon["poll-interval"], "daemon.poll-interval");
  const server = config.daemon["setec-server"] ?? "";
  const base = { server, pollIntervalMs };
  const done = { finish: () => Promise.resolve() };
  if (!server && (await discoverSecrets(paths)).length === 0) {
    return { reply: { enabled: false, ...base, secrets: [] }, ...done };
  }
  const restart = deps.restartUnits ??
    ((units: string[]) => {
      if (!deps.systemd) throw new Error("a secrets cycle needs systemd or restartUnits");
      return tryRestartUnits(deps.systemd, units);
    });
  const pending = new Set<string>();
  let lock: HeldLock | undefined;
  if (!request.dryRun) {
    lock = await tryScopeLock(paths.lockFile);
    if (!lock && !request.asked) {
      return { reply: { enabled: true, ...base, deferred: true, secrets: await localSecretStatus(paths) }, ...done };
    }
  }
  let client: ReturnType<typeof createSetecClient> | undefined;
  try {
    // Read under the lock, never before it: a set removed or installed meanwhile is what the sync must see.
    const declared = await discoverSecrets(paths);
    const cache = await SecretCache.open(paths.secretCacheDir);
    const secrets = () => localSecretStatus(paths, new Date(), { declared, cache });
    client = createSetecClient(config, {
      ...deps.client,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const report = await syncFromState({
      paths,
      config,
      $: deps.$,
      log,
      restartUnits: (units) => {
        for (const u of units) pending.add(u);
        return Promise.resolve();
      },
      client,
      cache,
      declared,
      ...(request.only !== undefined ? { only: request.only } : {}),
      dryRun: request.dryRun ?? false,
    });
    const restartNow = async (units: string[]) => {
      try {
        await restart(units);
        log.info(`restarted ${units.join(", ")} (try-restart: stopped units stay stopped)`);
      } catch (error) {
        log.warn(`failed to restart ${units.join(", ")}: ${error instanceof Error ? error.message : error}`);
      }
    };
    const units = [...pending].sort();
    if (lock || !units.length) {
      if (units.length) await restartNow(units);
      return { reply: { enabled: true, ...base, report, secrets: await secrets() }, ...done };
    }
    log.info(`restart of ${units.join(", ")} waits for the scope lock (another leger run holds it)`);
    return {
      reply: { enabled: true, ...base, report, secrets: await secrets(), waiting: units },
      finish: async () => {
        const held = await waitForLock(paths.lockFile, deps.lockRetryMs ?? 500, deps.signal);
        if (!held) return;
        try {
          // The run that held the lock may have removed a set meanwhile: only units some set still uses.
          const used = new Set((await discoverSecrets(paths)).flatMap((d) => d.users));
          const still = units.filter((u) => used.has(u));
          if (still.length < units.length) {
            log.info(
              `not restarting ${units.filter((u) => !used.has(u)).join(", ")}: removed while the restart waited`,
            );
          }
          if (still.length) await restartNow(still);
        } finally {
          await held.release();
        }
      },
    };
  } finally {
    client?.close();
    await lock?.release();
  }
}

/** Tries the scope lock until it is free; undefined when the signal aborts first. */
async function waitForLock(path: string, retryMs: number, signal?: AbortSignal): Promise<HeldLock | undefined> {
  while (!signal?.aborted) {
    const lock = await tryScopeLock(path);
    if (lock) return lock;
    await new Promise((r) => setTimeout(r, retryMs));
  }
  return undefined;
}
