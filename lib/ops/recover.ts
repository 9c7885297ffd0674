/**
 * Finishing what a killed run left behind. Every state-changing operation
 * calls {@linkcode recoverPending} under the lock before it starts; it
 * reads the journal and undoes (or completes) each operation found there,
 * and says so.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { endEntry, type JournalEntry, pendingEntries } from "../state/journal.ts";
import { readManifest } from "../state/manifest.ts";

/** A handler that finishes or undoes one kind of operation. */
export type RecoveryHandler = (engine: Engine, entry: JournalEntry) => Promise<string>;

const handlers = new Map<JournalEntry["op"], RecoveryHandler>();

/** Registers how to recover an operation kind (called by the op's module). */
export function registerRecovery(op: JournalEntry["op"], handler: RecoveryHandler): void {
  handlers.set(op, handler);
}

/** Recovers every pending entry; returns what was done, one line each. */
export async function recoverPending(engine: Engine): Promise<string[]> {
  const done: string[] = [];
  for (const entry of await pendingEntries(engine.paths)) {
    // Callers hold the scope lock, so no entry found here belongs to a live run.
    const handler = handlers.get(entry.op) ?? (entry.op === "install" ? recoverInstall : undefined);
    if (!handler) {
      engine.log.warn(
        `an interrupted ${entry.op} of ${entry.name} was found, but this leger cannot recover it; left in ${engine.paths.journalDir}`,
      );
      continue;
    }
    engine.log.warn(
      `found an interrupted ${entry.op} of ${entry.name} (started ${entry.startedAt}, stopped at step "${entry.step}")`,
    );
    const what = await handler(engine, entry);
    await endEntry(engine.paths, entry);
    engine.log.warn(`recovered: ${what}`);
    done.push(what);
  }
  return done;
}

async function recoverInstall(engine: Engine, entry: JournalEntry): Promise<string> {
  const manifest = await readManifest(engine.paths, entry.name);
  if (manifest && manifest.updatedAt >= entry.startedAt) {
    return `the install of ${entry.name} had completed`;
  }
  // Loaded here: install.ts imports this module (it recovers before installing).
  const { undoInstall } = await import("./install.ts");
  const planned = Array.isArray(entry.data.planned) ? entry.data.planned as string[] : [];
  await undoInstall(engine, entry.name, planned, entry.data.hadPrevious ? manifest : undefined, {
    ...(entry.data.backend === "files" || entry.data.backend === "native" ? { backend: entry.data.backend } : {}),
    ...(Array.isArray(entry.data.units) ? { units: (entry.data.units as unknown[]).map(String) } : {}),
  });
  return manifest && entry.data.hadPrevious
    ? `the install of ${entry.name} was undone; the previous version is back`
    : `the partial install of ${entry.name} was removed`;
}
