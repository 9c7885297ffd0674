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
   * Leave the entry when the work throws, for the next run to finish (a
   * removal cut short is completed); by default the entry ends either way,
   * the work having undone itself.
   */
  keepOnFailure?: boolean;
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
      let done = false;
      try {
        const result = await work(entry);
        done = true;
        return result;
      } finally {
        if (done || !options.keepOnFailure) await endEntry(paths, entry);
      }
    },
  };
}
