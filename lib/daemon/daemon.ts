/**
 * `leger daemon` as a library: an initial sync, then polling Setec every
 * `daemon.poll-interval` (±10% jitter, shorter backoff while Setec fails),
 * re-reading the installed sets on each cycle, and a control socket for
 * `leger secrets status|sync`. The caller wires signals: abort the signal
 * on SIGTERM/SIGINT (the daemon stops within a second) and call
 * `reload()` on SIGHUP (re-reads config.yaml, then syncs). An edit of
 * config.yaml is also seen at the start of the next poll without SIGHUP.
 *
 * The daemon changes the host only while it holds the scope lock, and it
 * never waits for it: a poll that finds the lock held comes back a second
 * later; a sync asked for on the socket (install asks while it holds the
 * lock) updates the Podman secrets at once but queues the restarts, which
 * run (as try-restart: stopped units stay stopped) once the lock is free.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const daemon = await runDaemon({ paths, config, $, log, systemd, signal: stop.signal });
 * Deno.addSignalListener("SIGTERM", () => stop.abort());
 * Deno.addSignalListener("SIGHUP", () => void daemon.reload());
 * await daemon.done;
 * ```
 *
 * @module
 */
import { type Config, loadConfig } from "../config.ts";
import { ConfigWatch } from "../config_watch.ts";
import { parseDuration } from "../duration.ts";
import { currentEnv, type ScopePaths } from "../paths.ts";
import type { Shell } from "../shell.ts";
import { SecretCache } from "../secrets/cache.ts";
import type { SetecClient, SetecClientOptions } from "../secrets/setec_client.ts";
import type { DeclaredSecret, SyncLogger, SyncReport } from "../secrets/sync.ts";
import { createSetecClient, discoverSecrets, type SecretStatus, syncFromState } from "../secrets/sync_state.ts";
import { serveControl } from "./control_server.ts";
import { type HeldLock, tryScopeLock } from "./scope_lock.ts";
import type { FleetResult } from "../fleet/pull.ts";
import type { Systemd } from "../systemd.ts";
import { tryRestartUnits } from "../secrets/try_restart.ts";
import { daemonIsRunning } from "./control_client.ts";
import type { DaemonStatus } from "./daemon_status.ts";

export type { DaemonStatus } from "./daemon_status.ts";

/** Options of {@linkcode runDaemon}. */
export interface DaemonOptions {
  /** Scope paths (manifests, cache, runtime folder). */
  paths: ScopePaths;
  /** Loaded config. */
  config: Config;
  /** Shell podman runs through. */
  $: Shell;
  /** Log sink (journald via stderr in production). */
  log: SyncLogger;
  /** systemd of the scope: the users of a rotated secret are try-restarted through it. */
  systemd?: Systemd;
  /**
   * Restarts the running units among those that use a rotated secret and
   * leaves stopped ones stopped; `systemctl try-restart` through `systemd`
   * when left out. Called only while the daemon holds the scope lock.
   */
  restartUnits?: (units: string[]) => Promise<void>;
  /** How long a poll waits before trying again when the scope lock is held; 1 s by default. */
  lockRetryMs?: number;
  /** Abort to stop the daemon. */
  signal?: AbortSignal;
  /** fetch for the Setec client (tests). */
  fetch?: typeof fetch;
  /** Re-reads the config on reload(); loadConfig(paths, env) by default. */
  loadConfig?: () => Promise<Config>;
  /** Extra Setec client options (timeouts, retries). */
  client?: Omit<SetecClientOptions, "server" | "fetch" | "signal">;
  /** Random source in [0, 1) for jitter (tests). */
  random?: () => number;
  /** The unattended updater sharing this daemon's control socket (lib/gitops/service.ts). */
  updates?: {
    checkNow(names: string[]): Promise<unknown>;
    last(): {
      at?: string;
      results: Array<{ name: string; result: string; commit?: string }>;
      error?: string;
      fleet?: FleetResult;
    };
  };
}

/** A running daemon. */
export interface Daemon {
  /** The control socket path. */
  socketPath: string;
  /** Resolves when the daemon has stopped. */
  done: Promise<void>;
  /** Re-reads config.yaml (SIGHUP), then syncs at once; an edit is otherwise read at the next poll. */
  reload(): Promise<void>;
  /** Syncs now (what `POST /sync` does). */
  sync(name?: string, dryRun?: boolean): Promise<SyncReport>;
  /** The status `GET /status` answers. */
  status(): Promise<DaemonStatus>;
  /** Stops the daemon (same as aborting the signal). */
  stop(): Promise<void>;
}

interface SecretState {
  version?: number;
  checkedAt?: string;
  stale: boolean;
  lastAction?: SecretStatus["lastAction"];
  lastError?: string;
}

function updatesStatus(last: ReturnType<NonNullable<DaemonOptions["updates"]>["last"]>): DaemonStatus["updates"] {
  return {
    ...(last.at ? { lastCycleAt: last.at } : {}),
    ...(last.error ? { lastError: last.error } : {}),
    sets: last.results.filter((r) => r.result !== "off"),
    ...(last.fleet ? { fleet: last.fleet } : {}),
  };
}

/** Starts the daemon; resolves once its control socket listens. */
export async function runDaemon(opts: DaemonOptions): Promise<Daemon> {
  const started = new Date();
  const random = opts.random ?? Math.random;
  const stopper = new AbortController();
  let config = opts.config;
  let pollMs = parseDuration(
    config.daemon["poll-interval"],
    "daemon.poll-interval",
  );
  const makeClient = (c: Config): SetecClient =>
    createSetecClient(c, {
      ...opts.client,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      signal: stopper.signal,
    });
  let client = makeClient(config);
  const watch = new ConfigWatch(opts.paths.configFile);
  const cache = await SecretCache.open(opts.paths.secretCacheDir);
  let declared: DeclaredSecret[] = [];
  const states = new Map<string, SecretState>();
  let failures = 0;
  let lastSyncAt: string | undefined;
  let lastCycleError: string | undefined;
  let nextPollAt: number | undefined;
  let wake: (() => void) | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const lockRetryMs = opts.lockRetryMs ?? 1000;
  const restartUnits = opts.restartUnits ??
    ((units: string[]) => {
      if (!opts.systemd) throw new Error("runDaemon needs systemd or restartUnits");
      return tryRestartUnits(opts.systemd, units);
    });
  /** Units of rotated secrets waiting for the scope lock. */
  const pending = new Set<string>();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;

  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn);
    chain = run.catch(() => {});
    return run;
  };

  /** Restarts the queued units; only while holding the lock. */
  async function flush(): Promise<void> {
    if (!pending.size) return;
    const units = [...pending].sort();
    pending.clear();
    try {
      await restartUnits(units);
      opts.log.info(`restarted ${units.join(", ")} (try-restart: stopped units stay stopped)`);
    } catch (error) {
      opts.log.warn(`failed to restart ${units.join(", ")}: ${error instanceof Error ? error.message : error}`);
    }
  }

  /** Runs the queued restarts as soon as the scope lock is free. */
  function scheduleFlush(): void {
    if (flushTimer !== undefined || !pending.size || stopper.signal.aborted) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      void exclusive(async () => {
        const lock = await tryScopeLock(opts.paths.lockFile);
        if (!lock) return scheduleFlush();
        try {
          await flush();
        } finally {
          await lock.release();
        }
      });
    }, Math.min(lockRetryMs, 500));
  }

  /**
   * One sync. A poll (`asked` false) runs only with the scope lock and
   * answers undefined when another run holds it. A sync asked for on the
   * socket runs either way; without the lock its restarts are queued.
   */
  const syncOnce = (only?: string, dryRun = false, asked = true) =>
    exclusive(async (): Promise<SyncReport | undefined> => {
      let lock: HeldLock | undefined;
      if (!dryRun) {
        lock = await tryScopeLock(opts.paths.lockFile);
        if (!lock && !asked) return undefined;
      }
      try {
        declared = await discoverSecrets(opts.paths);
        const report = await syncFromState({
          paths: opts.paths,
          config,
          $: opts.$,
          log: opts.log,
          restartUnits: (units) => {
            for (const u of units) pending.add(u);
            return Promise.resolve();
          },
          client,
          cache,
          declared,
          only,
          dryRun,
        });
        if (!dryRun) record(report);
        if (lock) await flush();
        else if (pending.size) {
          opts.log.info(
            `restart of ${[...pending].sort().join(", ")} waits for the scope lock (another leger run holds it)`,
          );
        }
        return report;
      } finally {
        await lock?.release();
        scheduleFlush();
      }
    });

  /** A sync asked for on the socket or by the caller: always answers a report. */
  const askedSync = async (only?: string, dryRun = false): Promise<SyncReport> => (await syncOnce(only, dryRun, true))!;

  function record(report: SyncReport): void {
    for (const r of report.results) {
      const prev = states.get(r.podmanSecret) ?? { stale: false };
      const fresh = r.action !== "stale" && r.action !== "failed";
      states.set(r.podmanSecret, {
        ...(r.toVersion !== undefined ? { version: r.toVersion } : prev.version ? { version: prev.version } : {}),
        ...(fresh ? { checkedAt: report.finishedAt } : prev.checkedAt ? { checkedAt: prev.checkedAt } : {}),
        stale: r.action === "stale",
        lastAction: r.action,
        ...(r.error && r.action !== "unchanged" ? { lastError: r.error.message } : {}),
      });
    }
  }

  async function status(): Promise<DaemonStatus> {
    const now = Date.now();
    const secrets: SecretStatus[] = [];
    for (const d of declared) {
      const s = states.get(d.podmanSecret);
      const hit = await cache.read(d.name);
      secrets.push({
        name: d.name,
        podmanSecret: d.podmanSecret,
        users: d.users,
        stale: s?.stale ?? false,
        ...(hit
          ? {
            fetchedAt: hit.fetchedAt.toISOString(),
            ageMs: now - hit.fetchedAt.getTime(),
          }
          : {}),
        ...(s?.version ?? hit?.version) !== undefined ? { version: (s?.version ?? hit?.version)! } : {},
        ...(s?.checkedAt ? { checkedAt: s.checkedAt } : {}),
        ...(s?.lastAction ? { lastAction: s.lastAction } : {}),
        ...(s?.lastError ? { lastError: s.lastError } : {}),
      });
    }
    return {
      pid: Deno.pid,
      startedAt: started.toISOString(),
      uptimeMs: now - started.getTime(),
      server: client.server,
      pollIntervalMs: pollMs,
      ...(nextPollAt ? { nextPollAt: new Date(nextPollAt).toISOString() } : {}),
      ...(lastSyncAt ? { lastSyncAt } : {}),
      consecutiveFailures: failures,
      ...(lastCycleError ? { lastCycleError } : {}),
      secrets,
      ...(opts.updates ? { updates: updatesStatus(opts.updates.last()) } : {}),
    };
  }

  declared = await discoverSecrets(opts.paths);
  const control = await serveControl(opts.paths, {
    status,
    sync: (name, dryRun) => askedSync(name, dryRun),
    ...(opts.updates ? { update: (names: string[]) => opts.updates!.checkNow(names) } : {}),
  }, daemonIsRunning);

  function nextDelay(failed: boolean): number {
    const jitter = 0.9 + random() * 0.2;
    if (!failed) return Math.round(pollMs * jitter);
    return Math.round(
      Math.min(pollMs, 1000 * 2 ** Math.min(failures - 1, 20)) * jitter,
    );
  }

  /** Re-reads config.yaml; a bad one is reported and the old config kept. */
  async function reloadConfig(why: string): Promise<void> {
    try {
      const next = await (opts.loadConfig ?? (() => loadConfig(opts.paths, currentEnv())))();
      const nextPoll = parseDuration(
        next.daemon["poll-interval"],
        "daemon.poll-interval",
      );
      const nextClient = makeClient(next);
      const oldClient = client;
      [config, pollMs, client] = [next, nextPoll, nextClient];
      void exclusive(() => Promise.resolve(oldClient.close()));
      opts.log.info(
        `reloaded config (${why}): polling ${client.server} every ${config.daemon["poll-interval"]}`,
      );
    } catch (error) {
      opts.log.warn(
        `reload failed, keeping the old config: ${error instanceof Error ? error.message : error}`,
      );
    }
  }

  async function loop(): Promise<void> {
    let waiting = false;
    while (!stopper.signal.aborted) {
      let failed: boolean;
      let deferred = false;
      // An edited config.yaml counts from the next poll, as it does for the updater's next tick.
      if (watch.changed()) await reloadConfig("config.yaml changed");
      try {
        const report = await syncOnce(undefined, false, false);
        deferred = report === undefined;
        if (deferred && !waiting) opts.log.info("poll waits: another leger run holds the scope lock");
        waiting = deferred;
        failed = report?.unreachable ?? false;
        lastCycleError = undefined;
      } catch (error) {
        if (stopper.signal.aborted) break;
        failed = true;
        lastCycleError = error instanceof Error ? error.message : String(error);
        opts.log.warn(`sync failed: ${lastCycleError}`);
      }
      if (!deferred) {
        lastSyncAt = new Date().toISOString();
        failures = failed ? failures + 1 : 0;
      }
      // Another leger run holds the scope lock: come back soon, not a poll interval later.
      const delay = deferred ? Math.round(lockRetryMs * (0.9 + random() * 0.2)) : nextDelay(failed);
      nextPollAt = Date.now() + delay;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (stopper.signal.aborted) wake();
      });
      wake = undefined;
    }
  }

  opts.log.info(
    `leger daemon started (pid ${Deno.pid}), polling ${client.server} every ${config.daemon["poll-interval"]}`,
  );
  const looping = loop();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      stopper.abort();
      wake?.();
      if (flushTimer !== undefined) clearTimeout(flushTimer);
      await control.close();
      await looping;
      await chain;
      client.close();
      opts.log.info("leger daemon stopped");
    })();
    return stopping;
  };
  if (opts.signal?.aborted) void stop();
  opts.signal?.addEventListener("abort", () => void stop(), { once: true });
  const done = looping.then(() => stop());

  return {
    socketPath: control.path,
    done,
    status,
    sync: (name, dryRun) => askedSync(name, dryRun),
    stop,
    async reload() {
      watch.changed(); // the edit SIGHUP announces is not read a second time by the next poll
      await reloadConfig("SIGHUP");
      wake?.();
    },
  };
}
