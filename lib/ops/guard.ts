/**
 * What a state-changing operation runs with. The operations facade
 * (lib/leger.ts) runs each such operation through lib/ops/guarded.ts, which
 * takes the scope lock and first finishes what killed runs left behind; the
 * guard it hands the operation is how the operation opens its journal
 * entry, so none journals outside the lock, and none takes the lock or
 * recovers on its own. (A recovery handler gets one too: recovering an
 * apply restores a backup, which journals.)
 *
 * @module
 */
import type { ScopePaths } from "../core/paths.ts";
import { beginEntry, endEntry, type JournalEntry } from "../state/journal.ts";

/** Options of {@linkcode Guard.journal}. */
export interface JournalOptions {
  /**
   * Leave the entry when the work throws (or when this says so of the
   * error), for the next run to finish (a removal cut short is completed);
   * by default the entry ends either way, the work having undone itself.
   */
  keepOnFailure?: boolean | ((error: unknown) => boolean);
  /**
   * Leave the entry when the work returns too: its last step is finished
   * later, by `leger recover` or the next run (a restore that moved data
   * aside archives it so).
   */
  keepOnSuccess?: boolean;
}

/** The scope lock held, interrupted runs recovered: what an operation may do with it. */
export interface Guard {
  /**
   * Throws when `name` has an interrupted operation whose recovery failed
   * (it blocks only its own set): operations over several sets check each
   * as they reach it.
   */
  recovered(name: string): Promise<void>;
  /**
   * Runs `work` under a journal entry: written before the work touches
   * anything, ended when it returns (see {@linkcode JournalOptions} for a
   * throw). The work records its steps on the entry (`markStep`).
   */
  journal<T>(
    op: JournalEntry["op"],
    name: string,
    data: Record<string, unknown>,
    work: (entry: JournalEntry) => Promise<T>,
    options?: JournalOptions,
  ): Promise<T>;
}

/** The guard of a run that holds the scope lock; `recovered` checks a set (lib/ops/recover/recover.ts). */
export function guardOf(paths: ScopePaths, recovered: (name: string) => Promise<void>): Guard {
  return {
    recovered,
    async journal(op, name, data, work, options = {}) {
      const entry = await beginEntry(paths, op, name, data);
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work(entry);
      } catch (error) {
        const keep = options.keepOnFailure;
        if (!(typeof keep === "function" ? keep(error) : keep)) await endEntry(paths, entry);
        throw error;
      }
      if (!options.keepOnSuccess) await endEntry(paths, entry);
      return result;
    },
  };
}
