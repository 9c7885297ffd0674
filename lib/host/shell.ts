/**
 * The one seam through which leger runs other programs: a dax `$` built by
 * {@linkcode createShell}. Tests pass fake commands that answer like podman,
 * systemctl or git; everything in lib/ takes the shell it is given.
 *
 * @module
 */
import { build$, CommandBuilder } from "dax";
import type { CommandContext, ExecuteResult } from "dax";
import { findProgram, searchablePath } from "./program_path.ts";

/** The dax `$` leger uses everywhere. */
export type Shell = ReturnType<typeof build$>;
type Extras = NonNullable<NonNullable<Parameters<typeof build$>[0]>["extras"]>;

/** What a fake command receives. */
export interface FakeCall {
  /** Arguments after the command name. */
  args: string[];
  /** Everything written to the command's standard input. */
  stdin: Uint8Array;
  /** The command's environment. */
  env: Record<string, string>;
  /** The command's working directory. */
  cwd: string;
  /** Aborted when leger kills the command, as a program gets a signal. */
  signal?: AbortSignal;
}

/** What a fake command answers. */
export interface FakeResult {
  /** Exit code; 0 when left out. */
  code?: number;
  /** Standard output. */
  stdout?: string | Uint8Array;
  /** Standard error. */
  stderr?: string;
}

/** A stand-in for a program, e.g. a fake `podman`. */
export type FakeCommand = (call: FakeCall) => FakeResult | Promise<FakeResult>;

/** Options of {@linkcode createShell}. */
export interface ShellOptions {
  /** Commands answered in-process instead of by a real program. */
  fakes?: Record<string, FakeCommand>;
  /** Extra environment for every command. */
  env?: Record<string, string>;
  /** Working directory of every command. */
  cwd?: string;
}

async function readAll(reader: CommandContext["stdin"]): Promise<Uint8Array> {
  if (reader === "inherit" || reader === "null") return new Uint8Array();
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  while (true) {
    const n = await reader.read(buf);
    if (n === null || n === 0) break;
    chunks.push(buf.slice(0, n));
  }
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function toHandler(fake: FakeCommand) {
  return async (ctx: CommandContext): Promise<ExecuteResult> => {
    const killed = new AbortController();
    const onKill = () => killed.abort();
    ctx.signal.addListener(onKill);
    if (ctx.signal.aborted) killed.abort();
    let result: FakeResult;
    try {
      const stdin = await readAll(ctx.stdin);
      result = await fake({ args: [...ctx.args], stdin, env: { ...ctx.env }, cwd: ctx.cwd, signal: killed.signal });
    } finally {
      ctx.signal.removeListener(onKill);
    }
    if (result.stdout !== undefined) {
      if (typeof result.stdout === "string") {
        await ctx.stdout.writeText(result.stdout);
      } else await ctx.stdout.writeAll(result.stdout);
    }
    if (result.stderr) await ctx.stderr.writeText(result.stderr);
    return { code: result.code ?? 0 };
  };
}

/**
 * Builds the `$` every part of leger runs programs through.
 *
 * @example
 * ```ts
 * const $ = createShell({ fakes: { podman: () => ({ stdout: "5.8.6\n" }) } });
 * const version = await $`podman --version`.text();
 * ```
 */
export function createShell(options: ShellOptions = {}): Shell {
  // dax resolves each program in these folders only; leger's own lookups (below) read the same list.
  const path = searchablePath(options.env?.PATH ?? Deno.env.get("PATH"));
  let builder = new CommandBuilder().printCommand(false);
  if (options.env) builder = builder.env(options.env);
  builder = builder.env("PATH", path);
  if (options.cwd) builder = builder.cwd(options.cwd);
  const fakeNames = new Set(Object.keys(options.fakes ?? {}));
  for (const [name, fake] of Object.entries(options.fakes ?? {})) {
    builder = builder.registerCommand(name, toHandler(fake));
  }
  // dax's own `which` and `commandExists` read the process's PATH and throw on an entry they may not stat
  // (seen: "Permission denied: stat '/root/bin/zstd'" as a normal user): these answer from the shell's PATH.
  const which = (name: string) => findProgram(name, path);
  const extras: Extras = {
    which: (name: string) => Promise.resolve(which(name)),
    whichSync: which,
    commandExists: (name: string) => Promise.resolve(fakeNames.has(name) || which(name) !== undefined),
    commandExistsSync: (name: string) => fakeNames.has(name) || which(name) !== undefined,
  };
  return build$({ commandBuilder: builder, extras });
}

/** Result of {@linkcode run}. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Standard output as text. */
  stdout: string;
  /** Standard error as text. */
  stderr: string;
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  /** Bytes or text for standard input (never put secrets in argv). */
  stdin?: string | Uint8Array;
  /** Working directory. */
  cwd?: string;
  /** Extra environment. */
  env?: Record<string, string>;
}

/**
 * Runs one program with its arguments passed verbatim (no shell parsing)
 * and captures its output; never throws for a non-zero exit.
 */
export async function run(
  $: Shell,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  let cmd = $`${[...argv]}`.stdout("piped").stderr("piped").noThrow();
  if (options.stdin !== undefined) {
    cmd = typeof options.stdin === "string" ? cmd.stdinText(options.stdin) : cmd.stdin(options.stdin);
  } else cmd = cmd.stdin("null");
  if (options.cwd) cmd = cmd.cwd(options.cwd);
  if (options.env) cmd = cmd.env(options.env);
  const result = await cmd;
  return { code: result.code, stdout: result.stdout, stderr: result.stderr };
}
