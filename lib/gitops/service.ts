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
import type { Engine } from "../engine.ts";
import { policyOf } from "./policy.ts";
import { listManifests } from "../state/manifest.ts";
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
  /** Resolves when the updater has stopped. */
  done: Promise<void>;
}

async function shortestInterval(engine: Engine): Promise<number | undefined> {
  let best: number | undefined;
  if (engine.config.fleet) best = (await import("../fleet/pull.ts")).fleetIntervalMs(engine.config);
  for (const m of await listManifests(engine.paths)) {
    const p = await policyOf(engine.paths, engine.config, m.name).catch(() => undefined);
    if (!p || p.policy === "off" || m.source.kind !== "git") continue;
    best = best === undefined ? p.intervalMs : Math.min(best, p.intervalMs);
  }
  return best;
}

/** Starts the updater loop. */
export function startUpdater(engine: Engine, options: UpdaterOptions): Updater {
  let chain: Promise<unknown> = Promise.resolve();
  let last: ReturnType<Updater["last"]> = { results: [] };
  let fleet: FleetResult | undefined;
  // The host's config is read afresh each tick: an edited policy, window or fleet counts from the next one.
  let configError = "";
  const refreshConfig = async () => {
    try {
      engine.config = await loadConfig(engine.paths, engine.env);
      configError = "";
    } catch (error) {
      const message = (error as Error).message.split("\n")[0]!;
      if (message !== configError) engine.log.warn(`keeping the previous config: ${message}`);
      configError = message;
    }
  };
  const cycle = (force?: string[], forceFleet = false) => {
    const run = chain.then(async () => {
      const { updateCycle } = await import("./updater.ts");
      await refreshConfig();
      engine.fetcher.forget(); // one ls-remote per repository per cycle, shared by the fleet sync and the sets
      if (engine.config.fleet) {
        // The pull model's code loads only on a host whose config names a fleet repository.
        const { syncFleet } = await import("../fleet/pull.ts");
        const r = await syncFleet(engine, {
          force: forceFleet,
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        });
        if (r.result !== "not-due" || !fleet) fleet = r;
      } else fleet = undefined;
      try {
        const results = await updateCycle(engine, {
          ...(force ? { force } : {}),
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
          keepRemoteAnswers: true,
        });
        last = { at: new Date().toISOString(), results, ...(fleet ? { fleet } : {}) };
        return results;
      } catch (error) {
        last = { ...last, at: new Date().toISOString(), error: (error as Error).message, ...(fleet ? { fleet } : {}) };
        throw error;
      }
    });
    chain = run.catch(() => {});
    return run;
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      // A stop asked for while a cycle ran must not wait out the sleep.
      if (options.signal.aborted) return resolve();
      const t = setTimeout(resolve, ms);
      options.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  const done = (async () => {
    while (!options.signal.aborted) {
      await refreshConfig();
      const shortest = await shortestInterval(engine).catch(() => undefined);
      if (shortest !== undefined) {
        await cycle().catch((e) => engine.log.error(`update cycle failed: ${(e as Error).message}`));
      }
      const tick = Math.min(options.maxTickMs ?? 60_000, Math.max(1_000, (shortest ?? Infinity) / 2));
      await sleep(tick);
    }
    await chain;
  })();
  return {
    async checkNow(names) {
      const all = names?.length ? names : (await listManifests(engine.paths)).map((m) => m.name);
      // Without names (leger update --now), the fleet repository is asked too, and failed sets are tried again.
      return await cycle(all, !names?.length);
    },
    last: () => last,
    done,
  };
}
