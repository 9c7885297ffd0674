/**
 * Small process helpers for the test host, run on the build machine.
 *
 * Test infrastructure, not `lib/`: it calls `Deno.Command` directly.
 *
 * @module
 */

/** The result of a finished command. */
export interface RunResult {
  /** Exit code (128 + signal number when killed by a signal). */
  code: number;
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  /** Extra environment variables (added to the inherited environment). */
  env?: Record<string, string>;
  /** Bytes or text written to the command's standard input. */
  stdin?: string | Uint8Array;
  /** Working directory. */
  cwd?: string;
  /** Kill the command (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
  /** Throw a {@linkcode CommandError} when the exit code is not 0. */
  check?: boolean;
}

/** Thrown by {@linkcode run} with `check` when a command fails. */
export class CommandError extends Error {
  /** The command line that failed. */
  readonly argv: readonly string[];
  /** What the command returned. */
  readonly result: RunResult;

  /** Builds the error from the command line and its result. */
  constructor(argv: readonly string[], result: RunResult) {
    const tail = (result.stderr.trim() || result.stdout.trim()).slice(-2000);
    super(
      `Cannot run '${argv.join(" ")}': exit code ${result.code}${tail ? `\n${tail}` : ""}`,
    );
    this.name = "CommandError";
    this.argv = argv;
    this.result = result;
  }
}

const decoder = new TextDecoder();

/**
 * Runs `argv` to completion and collects its output.
 *
 * @example
 * ```ts
 * const { stdout } = await run(["uname", "-r"], { check: true });
 * ```
 */
export async function run(
  argv: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new TypeError("Cannot run an empty command");
  const child = new Deno.Command(cmd, {
    args,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  if (opts.timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, opts.timeoutMs);
  }
  const writing = opts.stdin === undefined ? Promise.resolve() : (async () => {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(
        typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
      );
      await writer.close();
    } catch { /* the command may exit without reading */ }
  })();
  const [out] = await Promise.all([child.output(), writing]);
  clearTimeout(timer);
  const result: RunResult = {
    code: out.signal ? 128 + signalNumber(out.signal) : out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr) +
      (timedOut ? `\n[killed after ${opts.timeoutMs} ms]` : ""),
  };
  if (opts.check && result.code !== 0) throw new CommandError(argv, result);
  return result;
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGKILL: 9,
    SIGTERM: 15,
  };
  return numbers[signal] ?? 1;
}

/** Whether an executable named `name` is on the PATH. */
export async function onPath(name: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const info = await Deno.stat(`${dir}/${name}`);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return true;
    } catch { /* not there, or not readable */ }
  }
  return false;
}

/** Whether a process with this id exists. */
export function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** The `comm` name of a process, or undefined when it is gone. */
export function processName(pid: number): string | undefined {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return undefined;
  }
}

/**
 * When a process started (clock ticks since boot, /proc/PID/stat field
 * 22), or undefined when it is gone: with its id, it names one process
 * for good, where an id alone may have been reused.
 */
export function processStart(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Short hex SHA-256 of the given parts (joined with NUL bytes). */
export async function shortHash(
  parts: ReadonlyArray<string | Uint8Array>,
  length = 12,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    chunks.push(
      typeof part === "string" ? new TextEncoder().encode(part) : part,
      new Uint8Array([0]),
    );
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")
    .slice(0, length);
}

/** Runs `fn` while holding an exclusive lock on the file at `path`. */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
): Promise<T> {
  const file = await Deno.open(path, { create: true, write: true });
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close();
  }
}

/**
 * Unmounts `dir/merged` and the storage image on `dir/storage-fs` if any
 * (lazily as a last resort) and removes `dir`.
 */
export async function unmountAndRemove(dir: string): Promise<void> {
  for (const mount of [`${dir}/merged`, `${dir}/storage-fs`]) {
    for (let i = 0; i < 20 && (await isMountPoint(mount)); i++) {
      const { code } = await run(["umount", mount]);
      if (code !== 0) await new Promise((r) => setTimeout(r, 200));
    }
    if (await isMountPoint(mount)) await run(["umount", "-l", mount]);
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

async function isMountPoint(path: string): Promise<boolean> {
  const mounts = await Deno.readTextFile("/proc/self/mounts");
  return mounts.split("\n").some((line) => line.split(" ")[1] === path);
}

/** The first child of `parent` (any of its threads) whose name is `name`, read from /proc. */
export function findChild(parent: number, name: string): number | undefined {
  let tasks: string[] = [];
  try {
    tasks = [...Deno.readDirSync(`/proc/${parent}/task`)].map((e) => e.name);
  } catch {
    return undefined;
  }
  for (const task of tasks) {
    let children = "";
    try {
      children = Deno.readTextFileSync(
        `/proc/${parent}/task/${task}/children`,
      );
    } catch {
      continue;
    }
    for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        if (Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === name) {
          return pid;
        }
      } catch { /* exited meanwhile */ }
    }
  }
  return undefined;
}
