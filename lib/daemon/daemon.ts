/**
 * `leger daemon` as a library: an initial sync, then polling Setec every
 * `daemon.poll-interval` (±10% jitter, shorter backoff while Setec fails),
 * re-reading the installed sets on each cycle, and a control socket for
 * `leger secrets status|sync`. The caller wires signals: abort the signal
 * on SIGTERM/SIGINT (the daemon stops within a second) and call
 * `reload()` on SIGHUP (re-reads config.yaml, then syncs).
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const daemon = await runDaemon({ paths, config, $, log, restartUnits, signal: stop.signal });
 * Deno.addSignalListener("SIGTERM", () => stop.abort());
 * Deno.addSignalListener("SIGHUP", () => void daemon.reload());
 * await daemon.done;
 * ```
 *
 * @module
 */
import { type Config, loadConfig } from "../config.ts";
import { parseDuration } from "../duration.ts";
import { currentEnv, type ScopePaths } from "../paths.ts";
import type { Shell } from "../shell.ts";
import { SecretCache } from "../secrets/cache.ts";
import type { SetecClient, SetecClientOptions } from "../secrets/setec_client.ts";
import type { DeclaredSecret, SyncLogger, SyncReport } from "../secrets/sync.ts";
import { createSetecClient, discoverSecrets, type SecretStatus, syncFromState } from "../secrets/sync_state.ts";
import { serveControl } from "./control_server.ts";
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
  /** Restarts systemd units that use a rotated secret. */
  restartUnits: (units: string[]) => Promise<void>;
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
    last(): { at?: string; results: Array<{ name: string; result: string; commit?: string }>; error?: string };
  };
}

/** A running daemon. */
export interface Daemon {
  /** The control socket path. */
  socketPath: string;
  /** Resolves when the daemon has stopped. */
  done: Promise<void>;
  /** Re-reads config.yaml (SIGHUP), then syncs at once. */
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
  const cache = await SecretCache.open(opts.paths.secretCacheDir);
  let declared: DeclaredSecret[] = [];
  const states = new Map<string, SecretState>();
  let failures = 0;
  let lastSyncAt: string | undefined;
  let lastCycleError: string | undefined;
  let nextPollAt: number | undefined;
  let wake: (() => void) | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn);
    chain = run.catch(() => {});
    return run;
  };

  const syncOnce = (only?: string, dryRun = false) =>
    exclusive(async () => {
      declared = await discoverSecrets(opts.paths);
      const report = await syncFromState({
        paths: opts.paths,
        config,
        $: opts.$,
        log: opts.log,
        restartUnits: opts.restartUnits,
        client,
        cache,
        declared,
        only,
        dryRun,
      });
      if (!dryRun) record(report);
      return report;
    });

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
    sync: (name, dryRun) => syncOnce(name, dryRun),
    ...(opts.updates ? { update: (names: string[]) => opts.updates!.checkNow(names) } : {}),
  }, daemonIsRunning);

  function nextDelay(failed: boolean): number {
    const jitter = 0.9 + random() * 0.2;
    if (!failed) return Math.round(pollMs * jitter);
    return Math.round(
      Math.min(pollMs, 1000 * 2 ** Math.min(failures - 1, 20)) * jitter,
    );
  }

  async function loop(): Promise<void> {
    while (!stopper.signal.aborted) {
      let failed: boolean;
      try {
        const report = await syncOnce();
        failed = report.unreachable;
        lastCycleError = undefined;
      } catch (error) {
        if (stopper.signal.aborted) break;
        failed = true;
        lastCycleError = error instanceof Error ? error.message : String(error);
        opts.log.warn(`sync failed: ${lastCycleError}`);
      }
      lastSyncAt = new Date().toISOString();
      failures = failed ? failures + 1 : 0;
      const delay = nextDelay(failed);
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
      await control.close();
      await looping;
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
    sync: (name, dryRun) => syncOnce(name, dryRun),
    stop,
    async reload() {
      try {
        const next = await (opts.loadConfig ?? (() => loadConfig(opts.paths, currentEnv())))();
        const nextPoll = parseDuration(
          next.daemon["poll-interval"],
          "daemon.poll-interval",
        );
        const nextClient = makeClient(next);
        [config, pollMs, client] = [next, nextPoll, nextClient];
        opts.log.info(
          `reloaded config: polling ${client.server} every ${config.daemon["poll-interval"]}`,
        );
      } catch (error) {
        opts.log.warn(
          `reload failed, keeping the old config: ${error instanceof Error ? error.message : error}`,
        );
      }
      wake?.();
    },
  };
}
