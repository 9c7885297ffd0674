/**
 * Syncing secrets now, for `leger secrets sync` and for install and apply
 * (lib/secrets/ensure.ts): by the running daemon when this run may ask it
 * and one answers, so that the daemon's state and cache stay the one
 * truth; else in this process, with the same code the daemon runs. This is
 * the one place that makes that choice. Whether the daemon may be asked is
 * the engine's to say: a command may, a daemon's cycle child may not (it
 * would wait on its own parent).
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import type { SyncLogger, SyncReport } from "./sync.ts";
import { syncFromState } from "./sync_state.ts";
import { tryRestartUnits } from "./try_restart.ts";

/**
 * The running daemon's sync of `name` (every declared secret when left
 * out), or undefined when this process must sync itself: the engine may not
 * ask a daemon, or none answers. A daemon's refusal (a name no installed
 * set declares: exit code 5) is thrown.
 */
export async function daemonSync(engine: Engine, name: string | undefined, dryRun: boolean) {
  if (!engine.daemon) return undefined;
  return await engine.daemon.syncSecrets(name, dryRun) as SyncReport | undefined;
}

/** What {@linkcode syncNow} did, and who did it. */
export interface SyncedNow {
  report: SyncReport;
  by: "daemon" | "local";
}

/**
 * Syncs `only` (a Setec or Podman name) or every secret the installed sets
 * declare: through the daemon when it can ({@linkcode daemonSync}), else
 * here under the scope lock (unless a dry run).
 */
export async function syncNow(
  engine: Engine,
  options: { only?: string | undefined; dryRun: boolean; log: SyncLogger },
): Promise<SyncedNow> {
  const fromDaemon = await daemonSync(engine, options.only, options.dryRun);
  if (fromDaemon) return { report: fromDaemon, by: "daemon" };
  const report = await syncFromState({
    paths: engine.paths,
    config: engine.config,
    $: engine.$,
    log: options.log,
    restartUnits: (units) => tryRestartUnits(engine.systemd, units),
    only: options.only,
    dryRun: options.dryRun,
    lock: !options.dryRun,
  });
  return { report, by: "local" };
}
