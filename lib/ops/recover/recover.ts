/**
 * Finishing what a killed run left behind. Every state-changing operation
 * calls {@linkcode recoverPending} under the lock before it starts; it
 * tidies leger's store of set copies, reads the journal and undoes (or
 * completes) each operation found there, and says so.
 *
 * A recovery that cannot finish never jams the scope: its entry stays,
 * marked with the error, and from then on blocks only its own set.
 * Commands on other sets warn once and go on; commands on that set retry
 * it and, if it fails again, stop with what is left on the host and the
 * ways out (`leger recover NAME` to retry, `leger recover NAME --abandon`
 * to set it aside). `leger doctor` lists pending recoveries.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { LegerError } from "../../core/errors.ts";
import { endEntry, type JournalEntry, markRecoveryFailed, pendingEntries } from "../../state/journal.ts";
import { readManifest } from "../../state/manifest.ts";
import { recoverStore } from "../../state/store.ts";
import { type Guard, guardOf } from "../guard.ts";
import { describeLeftovers, type Leftover, leftoversOf } from "./leftovers.ts";

/** A handler that finishes or undoes one kind of operation; throws when it cannot. */
export type RecoveryHandler = (engine: Engine, entry: JournalEntry, guard: Guard) => Promise<string>;

/**
 * Each kind's handler lives in its operation's module and is loaded when the
 * journal holds that kind: a command loads only its own operation, yet
 * finishes whatever it meets in the journal (a backup, which does not load
 * restore, once met an interrupted restore it could not recover). The table
 * is complete by its type: a new kind of journal entry does not compile
 * without a handler.
 */
const HANDLERS: Record<JournalEntry["op"], () => Promise<RecoveryHandler>> = {
  install: async () => (await import("../install/install.ts")).recoverInstall,
  remove: async () => (await import("../install/remove.ts")).recoverRemove,
  apply: async () => (await import("../update/apply.ts")).recoverApply,
  restore: async () => (await import("../backup/restore.ts")).recoverRestore,
  backup: async () => (await import("../backup/create.ts")).recoverBackup,
  adopt: async () => (await import("../adopt/adopt.ts")).recoverAdopt,
};

/** The handler for an operation kind, its module loaded first. */
export async function recoveryHandler(op: JournalEntry["op"]): Promise<RecoveryHandler | undefined> {
  return Object.hasOwn(HANDLERS, op) ? await HANDLERS[op]() : undefined;
}

/** A recovery that failed: the entry, why, and what it left on the host. */
export interface FailedRecovery {
  entry: JournalEntry;
  error: string;
  leftovers: Leftover[];
}

/** What {@linkcode recoverEntries} did. */
export interface RecoveryReport {
  /** One line per operation finished or undone. */
  recovered: string[];
  /** Recoveries tried now that failed. */
  failed: FailedRecovery[];
  /** Entries not tried now (they failed before and belong to other sets). */
  skipped: JournalEntry[];
}

/** Options of {@linkcode recoverEntries}. */
export interface RecoverOptions {
  /** Retry entries that failed before for these sets; entries never tried are always tried. */
  sets?: string[];
  /** Retry every entry that failed before (`leger recover` without a name). */
  retryAll?: boolean;
}

function cmdsFor(name: string): string {
  return `leger recover ${name} (try again) or leger recover ${name} --abandon (stop trying; shows what it leaves first)`;
}

/** Recovers pending entries; never throws for a failed recovery (see the report). Caller holds the lock. */
export async function recoverEntries(engine: Engine, options: RecoverOptions = {}): Promise<RecoveryReport> {
  const report: RecoveryReport = { recovered: [], failed: [], skipped: [] };
  // A manifest that cannot be read still means "installed": its copy is kept.
  const installed = async (n: string) => (await readManifest(engine.paths, n).catch(() => "unreadable")) !== undefined;
  for (const line of await recoverStore(engine.paths, installed)) {
    engine.log.warn(`recovered: ${line}`);
    report.recovered.push(line);
  }
  for (const entry of await pendingEntries(engine.paths)) {
    // Callers hold the scope lock, so no entry found here belongs to a live run.
    const retry = options.retryAll || options.sets?.includes(entry.name);
    if (entry.recoveryFailed && !retry) {
      report.skipped.push(entry);
      engine.log.warn(
        `the interrupted ${entry.op} of ${entry.name} could not be recovered (${entry.recoveryFailed.error}); it blocks only ${entry.name}: run ${
          cmdsFor(entry.name)
        }`,
      );
      continue;
    }
    const handler = await recoveryHandler(entry.op);
    engine.log.warn(
      `found an interrupted ${entry.op} of ${entry.name} (started ${entry.startedAt}, stopped at step "${entry.step}")`,
    );
    try {
      if (!handler) throw new Error(`this leger cannot recover a ${entry.op}`);
      const what = await handler(engine, entry, lockedGuard(engine));
      await endEntry(engine.paths, entry);
      engine.log.warn(`recovered: ${what}`);
      report.recovered.push(what);
    } catch (error) {
      const message = (error as Error).message;
      await markRecoveryFailed(engine.paths, entry, message);
      const leftovers = await leftoversOf(engine, entry);
      engine.log.error(
        `could not recover the interrupted ${entry.op} of ${entry.name}: ${message}\nleft on the host:\n  ${
          describeLeftovers(leftovers).join("\n  ")
        }\nOther sets are not blocked by it. Run ${cmdsFor(entry.name)}.`,
      );
      report.failed.push({ entry, error: message, leftovers });
    }
  }
  return report;
}

/** The error a command on a set gets when that set's recovery failed. */
export function blockedError(f: FailedRecovery | JournalEntry, leftovers?: Leftover[]): LegerError {
  const entry = "entry" in f ? f.entry : f;
  const error = "entry" in f ? f.error : f.recoveryFailed?.error ?? "not recovered yet";
  const left = "entry" in f ? f.leftovers : leftovers ?? [];
  return new LegerError(
    `Cannot change ${entry.name}: an interrupted ${entry.op} of it could not be recovered: ${error}\nleft on the host:\n  ${
      describeLeftovers(left).join("\n  ")
    }`,
    {
      hint:
        `Fix the cause and run leger recover ${entry.name}, or leger recover ${entry.name} --abandon to stop trying.`,
      details: { journalEntry: entry.id, op: entry.op, step: entry.step, leftovers: left },
    },
  );
}

/**
 * Recovers pending entries before an operation (caller holds the lock);
 * returns what was done, one line each. Throws only when the recovery of
 * one of `sets` (the sets the operation is about to change) fails.
 */
export async function recoverPending(engine: Engine, sets: string[] = []): Promise<string[]> {
  const report = await recoverEntries(engine, { sets });
  const mine = report.failed.find((f) => sets.includes(f.entry.name));
  if (mine) throw blockedError(mine);
  return report.recovered;
}

/**
 * Throws when `name` still has a pending entry (its recovery failed): for
 * operations over several sets, which recover first and then check each.
 */
export async function assertRecovered(engine: Engine, name: string): Promise<void> {
  const entry = (await pendingEntries(engine.paths)).find((e) => e.name === name);
  if (entry) throw blockedError(entry, await leftoversOf(engine, entry));
}

/** The guard of a run that holds the scope lock (lib/ops/guard.ts). */
export function lockedGuard(engine: Engine): Guard {
  return guardOf(engine.paths, (name) => assertRecovered(engine, name));
}
