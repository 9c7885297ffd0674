/**
 * FIFOs between processes, for streams that must not pass through leger's
 * heap (lib/backup/stream.ts, lib/backup/tar_check.ts): a private FIFO,
 * a command with its stdin or stdout redirected to one, opening one end
 * without hanging when the process at the other end never opens it, and a
 * process's end as a plain value.
 *
 * @module
 */
import { join } from "node:path";
import { LegerError } from "../core/errors.ts";
import type { Shell } from "../host/shell.ts";

/** A process spawned through the shell. */
export type Child = ReturnType<ReturnType<Shell>["spawn"]>;
/** How a process ended; `first` marks the one that failed first (the other was killed). */
export type Settled = { code: number; stderr: string; first?: boolean };

/** Awaits a process; its exit code and stderr, never a throw. */
export async function settle(child: Child): Promise<Settled> {
  try {
    const r = await child;
    return { code: r.code, stderr: r.stderr };
  } catch (error) {
    return { code: -1, stderr: (error as Error).message };
  }
}

/** The last three non-empty lines of a process's output, joined. */
export function lastLines(text: string): string {
  return text.trim().split("\n").filter(Boolean).slice(-3).join(" / ");
}

/** Runs `fn` with a FIFO in a private temporary folder. */
export async function withFifo<T>($: Shell, fn: (fifo: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "leger-fifo-" });
  try {
    const fifo = join(dir, "stream");
    const r = await $`mkfifo -m 600 ${fifo}`.stdout("piped").stderr("piped").noThrow();
    if (r.code !== 0) throw new LegerError(`Cannot make a pipe in ${dir}: ${lastLines(r.stderr)}`);
    return await fn(fifo);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * `sh -c` that runs argv with stdin (`<`) or stdout (`>`, `>>`) redirected
 * to a file. The program is looked up by the shell seam (`$.whichSync`,
 * lib/host/program_path.ts) and handed to `sh` by its full path, so it is found
 * as every other program is, not by sh's own search of PATH.
 */
export function redirected($: Shell, argv: string[], way: "<" | ">" | ">>", file: string): string[] {
  const [name, ...args] = argv;
  const program = $.whichSync(name!) ?? name!;
  return ["sh", "-c", `f=$1; shift; exec "$@" ${way} "$f"`, "sh", file, program, ...args];
}

/** Closes a file that its stream may have closed already. */
export function closeQuietly(file: Deno.FsFile | undefined): void {
  try {
    file?.close();
  } catch { /* closed by its stream */ }
}

/**
 * Opens one end of a FIFO once the process at the other end has opened
 * its own; undefined when that process ended first (the open waiting here
 * is then released by opening the other end too).
 */
export async function openFifoEnd(
  fifo: string,
  end: "read" | "write",
  other: Promise<Settled>,
): Promise<Deno.FsFile | undefined> {
  const opening = Deno.open(fifo, end === "read" ? { read: true } : { write: true });
  const first = await Promise.race([opening, other.then(() => undefined)]);
  if (first) return first;
  const release = await Deno.open(fifo, end === "read" ? { write: true } : { read: true });
  closeQuietly(await opening);
  closeQuietly(release);
  return undefined;
}
