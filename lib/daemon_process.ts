/**
 * The `leger daemon` process: the unattended updater (lib/gitops/) and the
 * secrets daemon (lib/daemon/) in one process, sharing the scope lock and
 * the control socket, stopped by SIGTERM/SIGINT; SIGHUP re-reads config.yaml in
 * both at once (otherwise each reads an edit at its next cycle).
 *
 * On a host that syncs no secrets (no Setec server configured, no set
 * declares a secret) only the updater runs, and the control socket answers
 * `status` and `update` as the full daemon does. The updater's cycle code
 * loads only when a set has an update policy.
 *
 * @module
 */
import type { Engine } from "./engine.ts";
import { LegerError } from "./errors.ts";
import type { Leger } from "./leger.ts";
import { serveControl } from "./daemon/control_server.ts";
import { daemonIsRunning } from "./daemon/control_client.ts";
import type { DaemonStatus } from "./daemon/daemon_status.ts";
import { startUpdater, type Updater } from "./gitops/service.ts";
import { runHook } from "./gitops/hooks.ts";

/** Runs the daemon until SIGTERM/SIGINT. */
export async function runDaemonProcess(engine: Engine, leger: Leger): Promise<void> {
  const stop = new AbortController();
  const updater = startUpdater(engine, {
    signal: stop.signal,
    onEvent: async (event) => void await runHook(engine, leger, event),
  });
  const onStop = () => stop.abort();
  // SIGHUP re-reads config.yaml in both loops at once; an edit is otherwise read by each at its next cycle.
  let onHup = () => void updater.reload();
  const signals = [["SIGTERM", onStop], ["SIGINT", onStop], ["SIGHUP", () => onHup()]] as const;
  for (const [sig, fn] of signals) Deno.addSignalListener(sig, fn);
  try {
    const { discoverSecrets } = await import("./secrets/sync_state.ts");
    if (!engine.config.daemon["setec-server"] && (await discoverSecrets(engine.paths)).length === 0) {
      return await runUpdatesOnly(engine, updater, stop.signal);
    }
    const { runDaemon } = await import("./daemon/daemon.ts");
    const running = await runDaemon({
      paths: engine.paths,
      config: engine.config,
      $: engine.$,
      log: { info: (l) => engine.log.info(l), warn: (l) => engine.log.warn(l) },
      systemd: engine.systemd, // rotations: try-restart, only while holding the scope lock
      signal: stop.signal,
      updates: updater,
    });
    onHup = () => void Promise.all([updater.reload(), running.reload()]);
    await Promise.all([running.done, updater.done]);
  } finally {
    stop.abort();
    for (const [sig, fn] of signals) Deno.removeSignalListener(sig, fn);
  }
}

/** Serves the control socket for an updater-only daemon until `signal` aborts. */
async function runUpdatesOnly(engine: Engine, updater: Updater, signal: AbortSignal): Promise<void> {
  const started = new Date();
  const status = (): Promise<DaemonStatus> => {
    const last = updater.last();
    return Promise.resolve({
      pid: Deno.pid,
      startedAt: started.toISOString(),
      uptimeMs: Date.now() - started.getTime(),
      server: "",
      pollIntervalMs: 0,
      consecutiveFailures: 0,
      secrets: [],
      updates: {
        ...(last.at ? { lastCycleAt: last.at } : {}),
        ...(last.error ? { lastError: last.error } : {}),
        sets: last.results.filter((r) => r.result !== "off"),
        ...(last.fleet ? { fleet: last.fleet } : {}),
      },
    });
  };
  const control = await serveControl(engine.paths, {
    status,
    sync: () => {
      throw new LegerError("Cannot sync secrets: this daemon runs without a Setec server", {
        hint: "Set daemon.setec-server in config.yaml and restart the daemon.",
      });
    },
    update: (names) => updater.checkNow(names),
  }, daemonIsRunning);
  engine.log.info(`leger daemon started (pid ${Deno.pid}): unattended updates only, no Setec server configured`);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await control.close();
  await updater.done;
  engine.log.info("leger daemon stopped");
}
