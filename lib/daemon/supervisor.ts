/**
 * `leger daemon`: the long-lived process. It keeps two schedules (the
 * secrets poll, every `daemon.poll-interval` ±10% with a shorter backoff
 * while Setec fails, and the update checks, when the next set is due), the
 * control socket, and the status both show, and nothing else: each cycle
 * runs in a short-lived `leger daemon cycle` child (lib/daemon/spawn_runner.ts)
 * that loads the libraries it needs and gives their memory back when it
 * exits. This module imports no npm library, so the idle daemon is a bare
 * Deno process (docs/ARCHITECTURE.md, decision 45).
 *
 * Each child reads config.yaml and the installed sets afresh, so an edit is
 * seen at the next cycle. Between cycles the daemon looks at config.yaml and
 * the manifests folder (a stat, every `watchMs`): a change brings the next
 * update check forward, and wakes a secrets schedule that had nothing to do.
 * SIGHUP (`reload()`) runs both at once. Two cycles of one kind never
 * overlap; cycles change the host only while holding the scope lock.
 *
 * @module
 */
import { ExitCode, LegerError } from "../core/errors.ts";
import type { ScopePaths } from "../core/paths.ts";
import type { SyncReport } from "../secrets/sync.ts";
import type { SecretStatus } from "../secrets/sync_state.ts";
import { serveControl } from "./control_server.ts";
import { daemonIsRunning } from "./control_client.ts";
import type { DaemonStatus } from "./daemon_status.ts";
import type { CycleRunner, SecretsReply, UpdatesReply } from "./cycle_protocol.ts";

/** Options of {@linkcode runSupervisor}. */
export interface SupervisorOptions {
  paths: ScopePaths;
  /** Runs the cycles (children in production). */
  runner: CycleRunner;
  /** Journal lines. */
  log: { info(line: string): void; warn(line: string): void };
  /** Abort to stop. */
  signal?: AbortSignal;
  /** Random source in [0, 1) for the poll's jitter (tests). */
  random?: () => number;
  /** How soon a poll deferred by the scope lock comes back; 1 s by default. */
  lockRetryMs?: number;
  /** How often config.yaml and the manifests folder are looked at for changes; 60 s by default. */
  watchMs?: number;
}

/** A running daemon. */
export interface Daemon {
  /** The control socket path. */
  socketPath: string;
  /** Resolves when the daemon has stopped; rejects when its first cycle finds config.yaml unusable. */
  done: Promise<void>;
  /** Runs a secrets cycle and an update check now (SIGHUP). */
  reload(): Promise<void>;
  /** Syncs now (what `POST /sync` does). */
  sync(name?: string, dryRun?: boolean): Promise<SyncReport>;
  /** Checks these sets now, all when empty (what `POST /update` does). */
  update(names: string[]): Promise<UpdatesReply["results"]>;
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

const NO_SETEC = () =>
  new LegerError("Cannot sync secrets: this daemon runs without a Setec server", {
    hint: "Set daemon.setec-server in config.yaml and restart the daemon.",
  });

/** Starts the daemon; resolves once its control socket listens. */
export async function runSupervisor(opts: SupervisorOptions): Promise<Daemon> {
  const { runner, log, paths } = opts;
  const started = new Date();
  const random = opts.random ?? Math.random;
  const lockRetryMs = opts.lockRetryMs ?? 1000;
  const watchMs = opts.watchMs ?? 60_000;
  const stopper = new AbortController();
  let secrets: SecretsReply | undefined;
  const states = new Map<string, SecretState>();
  let failures = 0;
  let lastSyncAt: string | undefined;
  let lastCycleError: string | undefined;
  let nextPollAt: number | undefined;
  let updates: UpdatesReply = { followed: false, results: [] };
  const wakers = { secrets: undefined as (() => void) | undefined, updates: undefined as (() => void) | undefined };
  const chains = { secrets: Promise.resolve() as Promise<unknown>, updates: Promise.resolve() as Promise<unknown> };
  /** Runs jobs of one kind one after the other. */
  const queue = <T>(kind: keyof typeof chains, job: () => Promise<T>): Promise<T> => {
    const run = chains[kind].then(job);
    chains[kind] = run.catch(() => {});
    return run;
  };

  function takeSecrets(reply: SecretsReply): void {
    const before = secrets;
    secrets = reply;
    if (before && reply.enabled && (before.server !== reply.server || before.pollIntervalMs !== reply.pollIntervalMs)) {
      log.info(
        `config.yaml changed: polling ${reply.server || "no Setec server"} every ${durationText(reply.pollIntervalMs)}`,
      );
    }
    if (reply.report && !reply.report.dryRun) record(reply.report);
  }

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

  /** Resolves when the first secrets cycle has answered (or failed): status waits for it, up to 10 s. */
  let firstAnswered: () => void = () => {};
  const first = new Promise<void>((resolve) => firstAnswered = resolve);

  async function status(): Promise<DaemonStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([first, new Promise((r) => timer = setTimeout(r, 10_000))]);
    clearTimeout(timer);
    const now = Date.now();
    // What the last cycle read (declared, cached), with what the daemon's cycles saw on top.
    const list: SecretStatus[] = (secrets?.enabled ? secrets.secrets : []).map((x) => {
      const s = states.get(x.podmanSecret);
      const version = s?.version ?? x.version;
      return {
        ...x,
        stale: s?.stale ?? false,
        ...(x.fetchedAt ? { ageMs: now - Date.parse(x.fetchedAt) } : {}),
        ...(version !== undefined ? { version } : {}),
        ...(s?.checkedAt ? { checkedAt: s.checkedAt } : {}),
        ...(s?.lastAction ? { lastAction: s.lastAction } : {}),
        ...(s?.lastError ? { lastError: s.lastError } : {}),
      };
    });
    const on = secrets?.enabled === true;
    return {
      pid: Deno.pid,
      startedAt: started.toISOString(),
      uptimeMs: now - started.getTime(),
      server: on ? secrets!.server : "",
      pollIntervalMs: on ? secrets!.pollIntervalMs : 0,
      ...(on && nextPollAt ? { nextPollAt: new Date(nextPollAt).toISOString() } : {}),
      ...(lastSyncAt ? { lastSyncAt } : {}),
      consecutiveFailures: failures,
      ...(lastCycleError ? { lastCycleError } : {}),
      secrets: list,
      updates: {
        ...(updates.at ? { lastCycleAt: updates.at } : {}),
        ...(updates.error ? { lastError: updates.error } : {}),
        sets: updates.results.filter((r) => r.result !== "off"),
        ...(updates.fleet ? { fleet: updates.fleet } : {}),
      },
    };
  }

  const sync = async (name?: string, dryRun = false): Promise<SyncReport> => {
    const reply = await queue(
      "secrets",
      () => runner.secrets({ ...(name ? { only: name } : {}), dryRun, asked: true }),
    );
    takeSecrets(reply);
    if (!reply.enabled || !reply.report) throw NO_SETEC();
    return reply.report;
  };
  const update = async (names: string[]) => {
    const reply = await queue("updates", () => runner.updates({ now: names }));
    updates = reply;
    if (reply.error) throw new LegerError(reply.error);
    return reply.results;
  };

  const control = await serveControl(paths, { status, sync, update }, daemonIsRunning);
  const watch = changeWatch([paths.configFile, paths.manifestsDir]);

  /** Sleeps until `ms` passed, the daemon stops, or `wake` is called; with `untilChange`, also when the files change. */
  async function sleep(kind: keyof typeof wakers, ms: number, untilChange: boolean): Promise<void> {
    const end = Date.now() + ms;
    while (!stopper.signal.aborted) {
      const left = end - Date.now();
      if (left <= 0) return;
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.min(left, watchMs));
        wakers[kind] = () => (clearTimeout(timer), resolve(true));
        if (stopper.signal.aborted) wakers[kind]!();
      });
      wakers[kind] = undefined;
      if (woken || (untilChange && watch.changed(kind))) return;
    }
  }

  /** The first cycle of each kind: a config.yaml leger cannot use stops the daemon (exit 78, not restarted). */
  const fatal = (error: unknown, first: boolean) =>
    first && error instanceof LegerError && error.exitCode === ExitCode.config;

  async function secretsLoop(): Promise<void> {
    let waiting = false;
    for (let first = true; !stopper.signal.aborted; first = false) {
      let failed = false, deferred = false;
      try {
        watch.changed("secrets");
        const reply = await queue("secrets", () => runner.secrets({}));
        takeSecrets(reply);
        firstAnswered();
        if (first) {
          log.info(
            reply.enabled
              ? `leger daemon started (pid ${Deno.pid}), polling ${reply.server} every ${
                durationText(reply.pollIntervalMs)
              }`
              : `leger daemon started (pid ${Deno.pid}): unattended updates only, no Setec server configured`,
          );
        }
        if (!reply.enabled) {
          await sleep("secrets", Infinity, true); // until config.yaml or the sets change
          continue;
        }
        deferred = reply.deferred === true;
        if (deferred && !waiting) log.info("poll waits: another leger run holds the scope lock");
        waiting = deferred;
        failed = reply.report?.unreachable ?? false;
        lastCycleError = undefined;
      } catch (error) {
        firstAnswered();
        if (fatal(error, first)) throw error;
        if (stopper.signal.aborted) break;
        if (first) log.info(`leger daemon started (pid ${Deno.pid}); its first secrets cycle failed`);
        failed = true;
        lastCycleError = error instanceof Error ? error.message : String(error);
        log.warn(`sync failed: ${lastCycleError}`);
      }
      if (!deferred) {
        lastSyncAt = new Date().toISOString();
        failures = failed ? failures + 1 : 0;
      }
      const pollMs = secrets?.pollIntervalMs ?? 60_000;
      const jitter = 0.9 + random() * 0.2;
      // Another leger run holds the scope lock: come back soon, not a poll interval later.
      const delay = Math.round(
        deferred
          ? lockRetryMs * jitter
          : failed
          ? Math.min(pollMs, 1000 * 2 ** Math.min(failures - 1, 20)) * jitter
          : pollMs * jitter,
      );
      nextPollAt = Date.now() + delay;
      await sleep("secrets", delay, false);
    }
  }

  async function updatesLoop(): Promise<void> {
    let said = "";
    for (let first = true; !stopper.signal.aborted; first = false) {
      watch.changed("updates");
      let wait: number;
      try {
        updates = await queue("updates", () => runner.updates({}));
        said = "";
        // Nothing followed: sleep until config.yaml or the sets change. Else until the next set is due, or a change.
        wait = updates.followed ? updates.nextDueMs ?? watchMs : Infinity;
      } catch (error) {
        if (fatal(error, first)) throw error;
        if (stopper.signal.aborted) break;
        const message = error instanceof Error ? error.message : String(error);
        if (message !== said) log.warn(`update check failed: ${message}`); // once, not every minute
        said = message;
        updates = { ...updates, at: new Date().toISOString(), error: message };
        wait = watchMs; // a config.yaml being fixed, or a passing fault: look again within a minute
      }
      await sleep("updates", wait, true);
    }
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      stopper.abort();
      wakers.secrets?.();
      wakers.updates?.();
      await control.close();
      await Promise.allSettled([looping, chains.secrets, chains.updates]);
      await runner.close();
      log.info("leger daemon stopped");
    })();
    return stopping;
  };
  const looping = Promise.all([secretsLoop(), updatesLoop()]);
  if (opts.signal?.aborted) void stop();
  opts.signal?.addEventListener("abort", () => void stop(), { once: true });
  const done = looping.then(() => stop(), async (error) => {
    await stop();
    throw error;
  });
  return {
    socketPath: control.path,
    done,
    status,
    sync,
    update,
    stop,
    reload() {
      wakers.secrets?.();
      wakers.updates?.();
      return Promise.resolve();
    },
  };
}

/** A duration as config.yaml would write it: 2s, 5m, 1h, 150ms. */
function durationText(ms: number): string {
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Notices changes of files and folders by their modification time and size; one view per reader. */
function changeWatch(files: string[]): { changed(reader: string): boolean } {
  const seen = new Map<string, string>();
  const look = () =>
    files.map((f) => {
      try {
        const s = Deno.statSync(f);
        return `${s.mtime?.getTime()}:${s.size}`;
      } catch {
        return "-";
      }
    }).join("|");
  return {
    changed(reader) {
      const now = look(), before = seen.get(reader);
      seen.set(reader, now);
      return before !== undefined && before !== now;
    },
  };
}
