/**
 * The daemon's side of the scope lock (`<state>/leger.lock`, the `flock`
 * every state-changing leger run holds). The daemon never waits on it: it
 * tries, and when another run holds it, it comes back later. So its
 * polls and the restarts of a rotation never interleave with install,
 * apply, backup, restore or remove, and a run holding the lock that asks
 * the daemon to sync (install does) cannot deadlock with it.
 *
 * @module
 */
import { dirname } from "node:path";

/** A held lock; release it once. */
export interface HeldLock {
  /** Unlocks and closes the lock file. */
  release(): Promise<void>;
}

/** Takes the scope lock if it is free; undefined when another run holds it. */
export async function tryScopeLock(path: string): Promise<HeldLock | undefined> {
  await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await Deno.chmod(dirname(path), 0o700);
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  let locked = false;
  try {
    locked = await file.tryLock(true);
    if (!locked) return undefined;
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`pid ${Deno.pid} (leger daemon)\n`));
  } finally {
    if (!locked) file.close();
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await file.unlock();
      } finally {
        file.close();
      }
    },
  };
}
