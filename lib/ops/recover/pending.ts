/**
 * `leger recover [NAME]` and `leger recover NAME --abandon`: the ways out
 * of a recovery that could not finish, and the list `leger doctor` shows.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { LegerError, NotFoundError } from "../../core/errors.ts";
import { withLock } from "../../core/lock.ts";
import { abandonEntry, type JournalEntry, pendingEntries } from "../../state/journal.ts";
import { type Leftover, leftoversOf } from "./leftovers.ts";
import { blockedError, recoverEntries } from "./recover.ts";

/** A pending recovery, as `leger doctor` and `leger recover` show it. */
export interface PendingRecovery {
  /** Journal entry id. */
  id: string;
  op: JournalEntry["op"];
  name: string;
  step: string;
  startedAt: string;
  /** Set when a recovery was tried and failed. */
  failed?: { at: string; error: string; attempts: number };
  /** What the operation left on the host. */
  leftovers: Leftover[];
}

function toPending(entry: JournalEntry, leftovers: Leftover[]): PendingRecovery {
  return {
    id: entry.id,
    op: entry.op,
    name: entry.name,
    step: entry.step,
    startedAt: entry.startedAt,
    ...(entry.recoveryFailed ? { failed: entry.recoveryFailed } : {}),
    leftovers,
  };
}

/** Every pending journal entry (of one set, or all) with what it left on the host. Changes nothing. */
export async function pendingRecoveries(engine: Engine, name?: string): Promise<PendingRecovery[]> {
  const out: PendingRecovery[] = [];
  for (const e of await pendingEntries(engine.paths)) {
    if (name === undefined || e.name === name) out.push(toPending(e, await leftoversOf(engine, e)));
  }
  return out;
}

/** What {@linkcode recover} did. */
export interface RecoverResult {
  recovered: string[];
  /** Recoveries that failed again. */
  failed: PendingRecovery[];
}

/**
 * Retries the pending recoveries of a set (or of every set) under the
 * lock. Throws (exit 1) when one fails, with what it left and the ways out.
 */
export async function recover(engine: Engine, name?: string): Promise<RecoverResult> {
  return await withLock(engine.paths.lockFile, async () => {
    const report = await recoverEntries(engine, name === undefined ? { retryAll: true } : { sets: [name] });
    const failed = report.failed.filter((f) => name === undefined || f.entry.name === name);
    if (failed.length === 1) throw blockedError(failed[0]!);
    if (failed.length > 1) {
      throw new LegerError(
        `Cannot recover ${failed.map((f) => `the ${f.entry.op} of ${f.entry.name} (${f.error})`).join("; ")}`,
        {
          hint: `Fix the causes and run leger recover again, or leger recover NAME --abandon for each (${
            failed.map((f) => f.entry.name).join(", ")
          }).`,
          details: { failed: failed.map((f) => toPending(f.entry, f.leftovers)) },
        },
      );
    }
    return { recovered: report.recovered, failed: [] };
  });
}

/** Options of {@linkcode abandon}. */
export interface AbandonOptions {
  /** Show what would be left behind; change nothing. */
  dryRun?: boolean;
}

/** What {@linkcode abandon} set aside (or would). */
export interface AbandonResult {
  name: string;
  /** The entries set aside, each with what it leaves on the host. */
  abandoned: PendingRecovery[];
  /** Where each entry was kept for the record (empty in a dry run). */
  keptAt: string[];
  dryRun: boolean;
}

/**
 * Stops trying to recover a set's interrupted operations: their journal
 * entries are set aside (kept as `.abandoned` files) and the host is left
 * exactly as it is. The result lists what stays behind.
 */
export async function abandon(engine: Engine, name: string, options: AbandonOptions = {}): Promise<AbandonResult> {
  const work = async (): Promise<AbandonResult> => {
    const entries = (await pendingEntries(engine.paths)).filter((e) => e.name === name);
    if (entries.length === 0) {
      throw new NotFoundError(`Cannot find a pending recovery of ${name}`, "leger doctor lists pending recoveries.");
    }
    const abandoned: PendingRecovery[] = [];
    for (const e of entries) abandoned.push(toPending(e, await leftoversOf(engine, e)));
    const keptAt: string[] = [];
    if (!options.dryRun) {
      for (const e of entries) keptAt.push(await abandonEntry(engine.paths, e));
      engine.log.warn(`stopped trying to recover ${name}; what it left stays on the host`);
    }
    return { name, abandoned, keptAt, dryRun: options.dryRun === true };
  };
  return options.dryRun ? await work() : await withLock(engine.paths.lockFile, work);
}
