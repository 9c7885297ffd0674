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
  /** When the last cycle ended, and what it did. */
  last(): { at?: string; results: CycleResult[]; error?: string };
  /** Resolves when the updater has stopped. */
  done: Promise<void>;
}

async function shortestInterval(engine: Engine): Promise<number | undefined> {
  let best: number | undefined;
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
  let last: { at?: string; results: CycleResult[]; error?: string } = { results: [] };
  const cycle = (force?: string[]) => {
    const run = chain.then(async () => {
      const { updateCycle } = await import("./updater.ts");
      // The host's config is read afresh each cycle: an edited policy or window counts from the next cycle.
      engine.config = await loadConfig(engine.paths, engine.env).catch((error) => {
        engine.log.warn(`keeping the previous config: ${(error as Error).message.split("\n")[0]}`);
        return engine.config;
      });
      try {
        const results = await updateCycle(engine, {
          ...(force ? { force } : {}),
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        });
        last = { at: new Date().toISOString(), results };
        return results;
      } catch (error) {
        last = { ...last, at: new Date().toISOString(), error: (error as Error).message };
        throw error;
      }
    });
    chain = run.catch(() => {});
    return run;
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      options.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  const done = (async () => {
    while (!options.signal.aborted) {
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
      return await cycle(all);
    },
    last: () => last,
    done,
  };
}
