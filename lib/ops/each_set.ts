/**
 * Running an operation over "all" sets: one set's failure does not stop
 * the others; the failures are reported together at the end.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { LegerError } from "../core/errors.ts";

/**
 * Calls `fn` for each name. For a single named set an error passes through
 * unchanged; for "all", every set is tried and one LegerError lists the
 * sets that failed (its exit code is the first failure's).
 */
export async function eachSet<T>(
  engine: Engine,
  what: string,
  names: string[],
  all: boolean,
  fn: (name: string) => Promise<T>,
): Promise<T[]> {
  if (!all) {
    const out: T[] = [];
    for (const name of names) out.push(await fn(name));
    return out;
  }
  const done: T[] = [];
  const failed: { name: string; message: string; exitCode: number }[] = [];
  for (const name of names) {
    try {
      done.push(await fn(name));
    } catch (error) {
      const message = (error as Error).message.split("\n")[0]!;
      engine.log.error(`${name}: ${message}`);
      failed.push({ name, message, exitCode: error instanceof LegerError ? error.exitCode : 1 });
    }
  }
  if (failed.length) {
    throw new LegerError(
      `Cannot ${what} all: ${failed.length} of ${names.length} set(s) failed: ${
        failed.map((f) => `${f.name} (${f.message})`).join("; ")
      }`,
      {
        exitCode: failed[0]!.exitCode,
        hint: `The other sets were done. See leger ${what} <name> for one set's details.`,
        details: { done, failed },
      },
    );
  }
  return done;
}
