/**
 * The daemon for tests: the real supervisor (lib/daemon/supervisor.ts) whose
 * cycles run in this process, through the same functions a `leger daemon
 * cycle` child runs, with the test's fakes (shell, fetch, systemd). Each
 * reply makes a JSON round trip, as it does between the processes.
 */
import { type Config, loadConfig } from "../../lib/config.ts";
import type { Engine } from "../../lib/engine.ts";
import type { CycleRunner } from "../../lib/daemon/cycle_protocol.ts";
import { runSecretsCycle, type SecretsCycleDeps } from "../../lib/daemon/secrets_cycle.ts";
import { runUpdatesCycle } from "../../lib/daemon/updates_cycle.ts";
import type { UpdateEvent } from "../../lib/gitops/updater.ts";
import { type Daemon, runSupervisor } from "../../lib/daemon/supervisor.ts";
import { createLeger } from "../../lib/leger.ts";

export type { Daemon } from "../../lib/daemon/supervisor.ts";

/** Options of {@linkcode runDaemon}: what a secrets cycle works with, and the supervisor's options. */
export interface InProcessDaemonOptions extends Omit<SecretsCycleDeps, "signal"> {
  /** The config while there is no config.yaml; once there is one, each cycle reads it (as a child does). */
  config: Config;
  watchMs?: number;
  signal?: AbortSignal;
  random?: () => number;
  /** The engine update cycles run with; without one the daemon follows no set. */
  engine?: Engine;
  onEvent?: (event: UpdateEvent) => Promise<void> | void;
}

/** The runner: cycles in this process. */
export function inProcessRunner(opts: InProcessDaemonOptions): CycleRunner {
  const closing = new AbortController();
  const finishing = new Set<Promise<void>>();
  const config = async () => {
    try {
      await Deno.stat(opts.paths.configFile);
    } catch {
      return opts.config;
    }
    return await loadConfig(opts.paths, {});
  };
  const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value));
  return {
    async secrets(request) {
      const { watchMs: _w, signal: _s, random: _r, engine: _e, onEvent: _o, ...deps } = opts;
      const cycle = await runSecretsCycle({
        ...deps,
        config: await config(),
        lockRetryMs: Math.min(opts.lockRetryMs ?? 500, 500),
        signal: closing.signal,
      }, roundTrip(request));
      const done = cycle.finish();
      finishing.add(done);
      void done.finally(() => finishing.delete(done));
      return roundTrip(cycle.reply);
    },
    async updates(request) {
      if (!opts.engine) return { followed: false, results: [] };
      opts.engine.config = await config();
      return roundTrip(
        await runUpdatesCycle(opts.engine, createLeger(opts.engine), roundTrip(request), opts.onEvent),
      );
    },
    async close() {
      closing.abort();
      await Promise.allSettled([...finishing]);
    },
  };
}

/** Starts the supervisor with in-process cycles. */
export function runDaemon(opts: InProcessDaemonOptions): Promise<Daemon> {
  return runSupervisor({
    paths: opts.paths,
    runner: inProcessRunner(opts),
    log: opts.log,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    ...(opts.lockRetryMs !== undefined ? { lockRetryMs: opts.lockRetryMs } : {}),
    ...(opts.watchMs !== undefined ? { watchMs: opts.watchMs } : {}),
  });
}
