/**
 * One lock per scope serialises every change of state. It is an advisory
 * `flock` on a file in the state folder, so the kernel drops it when a
 * process dies: a killed run never leaves a stale lock behind.
 *
 * @module
 */
import { dirname } from "node:path";
import { ExitCode, LegerError } from "./errors.ts";

/** Options of {@linkcode withLock}. */
export interface LockOptions {
  /** How long to wait for another run to finish, in ms (default 120 s). */
  timeoutMs?: number;
  /** Called once when the lock is busy and leger starts waiting. */
  onWait?: (holder: string) => void;
}

/** Runs `fn` while holding the lock file `path` exclusively. */
export async function withLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  // The lock lives in leger's own folder (the state folder, the git cache): private whatever the umask.
  await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await Deno.chmod(dirname(path), 0o700);
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    let told = false;
    while (!(await file.tryLock(true))) {
      if (!told) {
        told = true;
        options.onWait?.(await holderOf(path));
      }
      if (Date.now() > deadline) {
        throw new LegerError(
          `Cannot take the lock ${path}: another leger run (${await holderOf(
            path,
          )}) holds it`,
          {
            exitCode: ExitCode.locked,
            hint: "Wait for the other run to finish and try again.",
          },
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`pid ${Deno.pid}\n`));
    try {
      return await fn();
    } finally {
      await file.unlock();
    }
  } finally {
    file.close();
  }
}

async function holderOf(path: string): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trim() || "unknown";
  } catch {
    return "unknown";
  }
}
