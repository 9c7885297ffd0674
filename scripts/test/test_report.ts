/**
 * Reading `deno test` output for the test command's closing report.
 *
 * @module
 */

/** Lines kept of each error: its first ones, then the last ones that name a failure; and at most this many in all. */
const HEAD_LINES = 8, TELLING_LINES = 6, MAX_LINES = 48;
const TELLING = /\b(error|failed|Failed|FAILED)\b/;
/** A stack frame in a test file: where the assertion that failed is (its message may be all that a head shows). */
const WHERE = /^\s+at .*_test\.ts:\d+:\d+\)?$/;

/**
 * The names under Deno's FAILURES heading, then, for each error under
 * ERRORS, its first lines and the last of the later lines that name a
 * failure (a unit's journal quoted in an assertion ends with why) or the
 * first stack frame in a test file (which assertion it was): enough to tell
 * which test broke and why.
 */
export function failureDigest(output: string, exitCode?: number): string[] {
  const lines = output.split("\n");
  const heading = (name: string) => lines.findIndex((l) => l.trim() === name);
  const failuresAt = heading("FAILURES");
  const names: string[] = [];
  for (let i = failuresAt + 1; failuresAt >= 0 && i < lines.length; i++) {
    if (/^(ok|FAILED) \|/.test(lines[i]!)) break;
    if (lines[i]!.trim()) names.push(`  failed: ${lines[i]!.trim()}`);
  }
  const blocks: string[][] = [];
  const errorsAt = heading("ERRORS");
  for (let i = errorsAt + 1; errorsAt >= 0 && i < (failuresAt >= 0 ? failuresAt : lines.length); i++) {
    const line = lines[i]!.trimEnd();
    if (!line.trim()) continue;
    if (/ => \.?\/?\S+:\d+:\d+$/.test(line) || blocks.length === 0) blocks.push([]);
    blocks.at(-1)!.push(`    ${line}`);
  }
  const errors: string[] = [];
  for (const block of blocks) {
    const rest = block.slice(HEAD_LINES);
    const where = rest.find((l) => WHERE.test(l));
    const telling = rest.filter((l) => TELLING.test(l) || l === where).slice(-TELLING_LINES);
    const left = block.length - HEAD_LINES - telling.length;
    errors.push(...block.slice(0, HEAD_LINES), ...telling, ...(left > 0 ? [`    [${left} more lines above]`] : []));
  }
  const cut = errors.length > MAX_LINES
    ? [...errors.slice(0, MAX_LINES), `    [${errors.length - MAX_LINES} more lines above]`]
    : errors;
  if (!names.length && !cut.length) return [`  no failure list: deno test ended with exit code ${exitCode ?? "?"}`];
  return [...names, ...cut];
}

/** Seconds in one of Deno's durations: `812µs`, `15ms`, `4s`, `1m2s`. */
export function durationSeconds(text: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+(?:\.\d+)?)(ms|µs|s))?$/.exec(text.trim());
  if (!m) return 0;
  const minutes = Number(m[1] ?? 0) * 60;
  const value = Number(m[2] ?? 0);
  return minutes + (m[3] === "ms" ? value / 1000 : m[3] === "µs" ? value / 1e6 : value);
}

/**
 * The time each test file took, summed over its tests, from `deno test`
 * output: `--parallel` names the file on every line
 * (`./lib/x_test.ts => name ... ok (3s)`), a plain run names it once
 * (`running 3 tests from ./lib/x_test.ts`). Slowest first.
 */
export function fileTimes(output: string): { file: string; seconds: number; tests: number }[] {
  const files = new Map<string, { seconds: number; tests: number }>();
  let current = "";
  for (const line of output.split("\n")) {
    const running = /^running \d+ tests? from \.\/(\S+)/.exec(line);
    if (running) {
      current = running[1]!;
      continue;
    }
    // Steps are indented under their test, whose time includes theirs.
    const result = /^(?:\.\/(\S+) => )?(?!\s)(.*) \.\.\. (?:ok|FAILED) \(([^)]+)\)\s*$/.exec(line);
    if (!result) continue;
    const file = result[1] ?? current;
    if (!file) continue;
    const entry = files.get(file) ?? { seconds: 0, tests: 0 };
    entry.seconds += durationSeconds(result[3]!);
    entry.tests += 1;
    files.set(file, entry);
  }
  return [...files].map(([file, e]) => ({ file, ...e })).sort((a, b) => b.seconds - a.seconds);
}

/** The last summary line of Deno's in `output` (a coverage table may follow it). */
export function testSummary(
  output: string,
): { line: string; passed: number; failed: number; ignored: number } | undefined {
  const summary =
    /^(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/gm;
  const m = [...output.matchAll(summary)].pop();
  return m ? { line: m[0], passed: Number(m[2]), failed: Number(m[3]), ignored: Number(m[4] ?? 0) } : undefined;
}

/**
 * Where an end-to-end run's time went, from its `[exec] N ms USER CODE: CMD`
 * lines (`LEGER_E2E_TRACE=1`): the commands it ran in the guest, by program
 * (leger by its subcommand), with how many and how long in all. Slowest first.
 */
export function execTimes(output: string): { command: string; calls: number; seconds: number }[] {
  const by = new Map<string, { calls: number; seconds: number }>();
  for (const m of output.matchAll(/\[exec\] (\d+) ms \S+ -?\d+: (.*)$/gm)) {
    const words = m[2]!.split(" ");
    const flags = words.slice(1).filter((w) =>
      !w.startsWith("-") && !["user", "system", "native", "files"].includes(w)
    );
    const command = words[0] === "leger" ? `leger ${flags[0] ?? ""}`.trim() : words[0]!;
    const entry = by.get(command) ?? { calls: 0, seconds: 0 };
    entry.calls += 1;
    entry.seconds += Number(m[1]) / 1000;
    by.set(command, entry);
  }
  return [...by].map(([command, e]) => ({ command, ...e })).sort((a, b) => b.seconds - a.seconds);
}
