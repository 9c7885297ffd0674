/**
 * The updater as the daemon runs it: a timer that runs an update cycle
 * whenever a set may be due, and `checkNow` for `leger update --now`. Both
 * go through one chain, so two cycles never overlap; the operations they
 * run take the scope lock like the CLI, so a cycle never interleaves with
 * a command or a secret rotation.
 *
 * The cycle's code (staging, applying, the validator) is imported the
 * first time a set is due: a daemon whose sets all have `policy: off`
 * never loads it.
 *
 * @module
 */
import { loadConfig } from "../config.ts";
import { ConfigWatch } from "../config_watch.ts";
import type { Engine } from "../engine.ts";
import { listManifests } from "../state/manifest.ts";
import { readSetPolicies, type SetPolicy, shortestInterval } from "./sets.ts";
import type { CycleResult, UpdateEvent } from "./updater.ts";
import type { FleetResult } from "../fleet/pull.ts";

/** Options of {@linkcode startUpdater}. */
export interface UpdaterOptions {
  /** Abort to stop. */
  signal: AbortSignal;
  /** Told of each event (journal, hooks). */
  onEvent?: (event: UpdateEvent) => Promise<void> | void;
  /** Longest sleep between looks at the sets (ms; default 60 s): new sets and config edits are seen this fast. */
  maxTickMs?: number;
}

/** A running updater. */
export interface Updater {
  /** Runs a cycle now for these sets (all with a policy when empty), whatever their interval. */
  checkNow(names?: string[]): Promise<CycleResult[]>;
  /** When the last cycle ended, and what it did (with the fleet sync's last result, when `fleet:` is configured). */
  last(): { at?: string; results: CycleResult[]; error?: string; fleet?: FleetResult };
  /** Re-reads config.yaml now (SIGHUP); an edit is otherwise read at the next tick. */
  reload(): Promise<void>;
  /** Resolves when the updater has stopped. */
  done: Promise<void>;
}

/** Starts the updater loop. */
export function startUpdater(engine: Engine, options: UpdaterOptions): Updater {
  let chain: Promise<unknown> = Promise.resolve();
  let last: ReturnType<Updater["last"]> = { results: [] };
  let fleet: FleetResult | undefined;
  // An edited config.yaml is read before the sets are looked at: a policy, window or fleet counts from the next tick.
  const watch = new ConfigWatch(engine.paths.configFile);
  let configError = "";
  const refreshConfig = async (force = false) => {
    if (!watch.changed() && !force) return;
    try {
      engine.config = await loadConfig(engine.paths, engine.env);
      configError = "";
    } catch (error) {
      const message = (error as Error).message.split("\n")[0]!;
      if (message !== configError) engine.log.warn(`keeping the previous config: ${message}`);
      configError = message;
    }
  };
  /** Runs jobs one after the other: two cycles never overlap. */
  const queue = <T>(job: () => Promise<T>): Promise<T> => {
    const run = chain.then(job);
    chain = run.catch(() => {});
    return run;
  };
  /** One cycle: the fleet sync (when configured), then the sets; `sets` as read this tick, when still true. */
  const runCycle = async (force?: string[], forceFleet = false, sets?: SetPolicy[]) => {
    const { updateCycle } = await import("./updater.ts");
    engine.fetcher.forget(); // one ls-remote per repository per cycle, shared by the fleet sync and the sets
    if (engine.config.fleet) {
      // The pull model's code loads only on a host whose config names a fleet repository.
      const { syncFleet } = await import("../fleet/pull.ts");
      const r = await syncFleet(engine, {
        force: forceFleet,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
      if (r.result !== "not-due" || !fleet) fleet = r;
      // A sync that ran may have installed or removed sets: then the cycle reads them again.
      if (r.result === "done") sets = undefined;
    } else fleet = undefined;
    try {
      const results = await updateCycle(engine, {
        ...(force ? { force } : {}),
        ...(sets ? { sets } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        keepRemoteAnswers: true,
      });
      last = { at: new Date().toISOString(), results, ...(fleet ? { fleet } : {}) };
      return results;
    } catch (error) {
      last = { ...last, at: new Date().toISOString(), error: (error as Error).message, ...(fleet ? { fleet } : {}) };
      throw error;
    }
  };
  /** One tick: one reading of the manifests and policies serves both the interval and the cycle. */
  const tick = () =>
    queue(async () => {
      await refreshConfig();
      const sets = await readSetPolicies(engine).catch(() => undefined);
      let shortest = sets ? shortestInterval(sets) : undefined;
      if (engine.config.fleet) {
        const fleetMs = (await import("../fleet/pull.ts")).fleetIntervalMs(engine.config);
        shortest = Math.min(shortest ?? Infinity, fleetMs);
      }
      if (shortest !== undefined) {
        await runCycle(undefined, false, sets).catch((e) =>
          engine.log.error(`update cycle failed: ${(e as Error).message}`)
        );
      }
      return shortest;
    });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      // A stop asked for while a cycle ran must not wait out the sleep.
      if (options.signal.aborted) return resolve();
      const t = setTimeout(resolve, ms);
      options.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  const done = (async () => {
    while (!options.signal.aborted) {
      const shortest = await tick().catch(() => undefined);
      await sleep(Math.min(options.maxTickMs ?? 60_000, Math.max(1_000, (shortest ?? Infinity) / 2)));
    }
    await chain;
  })();
  return {
    async checkNow(names) {
      const all = names?.length ? names : (await listManifests(engine.paths)).map((m) => m.name);
      // Without names (leger update --now), the fleet repository is asked too, and failed sets are tried again.
      return await queue(async () => {
        await refreshConfig();
        return await runCycle(all, !names?.length);
      });
    },
    last: () => last,
    reload: () => queue(() => refreshConfig(true)),
    done,
  };
}
