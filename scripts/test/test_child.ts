/**
 * The test command's child processes: `deno test` runs whose output is
 * streamed (prefixed when several run at once) and read for their summary,
 * and plain commands (lint, type check) whose output is kept. Every child
 * gets the runner's own Deno, first on PATH and as `LEGER_DENO` (what the
 * fake host's bin/ scripts run), so `/some/path/deno task test` works
 * with no `deno` on PATH. The children are remembered, so that a signal
 * to the runner reaches them ({@linkcode signalChildren}).
 *
 * @module
 */
import { dirname } from "node:path";
import { failureDigest, testSummary } from "./test_report.ts";

/** What the tiers add up to. */
export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  /** What failed, run by run: repeated just above the last line. */
  failures: { label: string; lines: string[] }[];
}

/**
 * Counts one failure that is not a test's (a check, the coverage bar, a tier
 * that could not run) and keeps why, so that the closing report repeats it:
 * a count with no reason beside it sends the reader through the whole log.
 */
export function countFailure(tally: Tally, label: string, lines: string[]): void {
  tally.failed += 1;
  tally.failures.push({ label, lines: lines.map((l) => `    ${l}`) });
}

/** What one `deno test` run gave. */
export interface TestRun {
  label: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  /** Everything it printed on stdout. */
  output: string;
}

const children = new Set<Deno.ChildProcess>();
const encoder = new TextEncoder();

/**
 * The environment every child gets: this Deno first on PATH and as
 * LEGER_DENO, no colours, and no automatic git maintenance (a `git
 * maintenance run --auto` process after each of the unit tests' hundreds
 * of fetches and commits, with nothing to do in a repository that lives
 * for one test).
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const deno = Deno.execPath();
  return {
    PATH: `${dirname(deno)}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    LEGER_DENO: deno,
    NO_COLOR: "1",
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "maintenance.auto",
    GIT_CONFIG_VALUE_0: "false",
    GIT_CONFIG_KEY_1: "gc.auto",
    GIT_CONFIG_VALUE_1: "0",
    ...extra,
  };
}

/** Where util-linux's setpriv is, on Linux. */
const SETPRIV = Deno.build.os !== "linux" ? undefined : ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/**
 * The command that runs this Deno with `args`. On Linux under `setpriv
 * --pdeathsig TERM`: when the runner ends in a way it cannot handle
 * (SIGKILL, a crash), the kernel sends each child SIGTERM, and the child
 * stops the hosts it booted instead of running on with no one reading its
 * output (a write to the broken pipe then ends it without its cleanup).
 */
export function denoCommand(args: string[]): { command: string; args: string[] } {
  const deno = Deno.execPath();
  return SETPRIV ? { command: SETPRIV, args: ["--pdeathsig", "TERM", deno, ...args] } : { command: deno, args };
}

/** Sends `signal` to every child still running (the runner was interrupted). */
export function signalChildren(signal: Deno.Signal): void {
  for (const child of children) {
    try {
      child.kill(signal);
    } catch { /* gone already */ }
  }
}

/** How many children are still running. */
export function liveChildren(): number {
  return children.size;
}

/** Streams `stream` to stdout (each line after `prefix`, when given); returns the text when `keep`. */
async function pump(stream: ReadableStream<Uint8Array>, prefix: string | undefined, keep: boolean): Promise<string> {
  const decoder = new TextDecoder();
  let all = "", pending = "";
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    if (keep) all += text;
    if (!prefix) {
      Deno.stdout.writeSync(chunk);
      continue;
    }
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    if (lines.length) Deno.stdout.writeSync(encoder.encode(lines.map((l) => `${prefix} ${l}\n`).join("")));
  }
  if (prefix && pending) Deno.stdout.writeSync(encoder.encode(`${prefix} ${pending}\n`));
  return all;
}

/**
 * Runs `deno test ARGS` in `cwd`, streams what it prints, and adds its
 * summary to `tally` (a run that ends without one counts as one failure).
 */
export async function denoTest(
  tally: Tally,
  label: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; prefix?: string; quietHeader?: boolean },
): Promise<TestRun> {
  if (!opts.quietHeader) console.log(`\n=== ${label} ===`);
  const started = Date.now();
  const deno = denoCommand(["test", "-A", ...args]);
  const child = new Deno.Command(deno.command, {
    args: deno.args,
    cwd: opts.cwd,
    env: childEnv(opts.env),
    stdin: "null",
    stdout: "piped",
    stderr: opts.prefix ? "piped" : "inherit",
  }).spawn();
  children.add(child);
  const [output] = await Promise.all([
    pump(child.stdout, opts.prefix, true),
    ...(opts.prefix && child.stderr ? [pump(child.stderr, opts.prefix, false)] : []),
  ]);
  const status = await child.status;
  children.delete(child);
  const m = testSummary(output);
  const run: TestRun = {
    label,
    passed: m?.passed ?? 0,
    failed: m ? m.failed : 1,
    skipped: m?.ignored ?? 0,
    seconds: (Date.now() - started) / 1000,
    output,
  };
  if (!m && !status.success) console.log(`${label}: deno test ended with exit code ${status.code} before its summary`);
  // Without a summary and with success: nothing matched the filter.
  if (!m && status.success) run.failed = 0;
  tally.passed += run.passed;
  tally.failed += run.failed;
  tally.skipped += run.skipped;
  if (run.failed > 0 || !status.success) {
    tally.failures.push({ label, lines: failureDigest(output, m ? undefined : status.code) });
  }
  console.log(`=== ${label}: ${m ? m.line : `exit ${status.code}`} in ${run.seconds.toFixed(0)} s ===`);
  return run;
}

/** Runs a Deno subcommand (lint, check, coverage) and keeps what it printed. */
export async function denoQuiet(
  args: string[],
  cwd: string,
): Promise<{ ok: boolean; code: number; stdout: string; stderr: string; seconds: number }> {
  const started = Date.now();
  const deno = denoCommand(args);
  const child = new Deno.Command(deno.command, {
    args: deno.args,
    cwd,
    env: childEnv(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  children.add(child);
  const out = await child.output();
  children.delete(child);
  const decoder = new TextDecoder();
  return {
    ok: out.success,
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    seconds: (Date.now() - started) / 1000,
  };
}
