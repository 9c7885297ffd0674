/**
 * The one wrapper around every state-changing operation, called by the
 * facade (lib/leger.ts): the scope lock, then the recovery of what killed
 * runs left behind (lib/ops/recover/recover.ts), then the operation with a
 * {@linkcode Guard} through which it journals its steps.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { withLock } from "../core/lock.ts";
import type { Guard } from "./guard.ts";
import { lockedGuard, recoverPending } from "./recover/recover.ts";

/**
 * Runs a state-changing operation under the scope lock, after recovering
 * every interrupted one: a recovery that fails refuses only when it is one
 * of `sets` (the sets the operation is about to change), else it is
 * reported and left to block its own set.
 */
export async function guarded<T>(engine: Engine, sets: string[], op: (guard: Guard) => Promise<T>): Promise<T> {
  return await withLock(engine.paths.lockFile, async () => {
    await recoverPending(engine, sets);
    return await op(lockedGuard(engine));
  }, waiting(engine));
}

/**
 * Runs an operation under the scope lock alone, recovering nothing first:
 * pruning backups, and an image update, which run as they did before the
 * wrapper existed (docs/ARCHITECTURE.md).
 */
export async function locked<T>(engine: Engine, op: (guard: Guard) => Promise<T>): Promise<T> {
  return await withLock(engine.paths.lockFile, () => op(lockedGuard(engine)), waiting(engine));
}

/** Says once that the run waits, and for whom: a wait of up to two minutes is not silence. */
function waiting(engine: Engine) {
  return {
    onWait: (holder: string) => {
      // The holder wrote "pid N" (the daemon: "pid N (leger daemon)"); anything else is not printed.
      const who = /^pid \d+( \([a-z ]{1,40}\))?$/.test(holder) ? holder : "its PID unknown";
      engine.log.info(`waiting for another leger run (${who}) to finish`);
    },
  };
}
