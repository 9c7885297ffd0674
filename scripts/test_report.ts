/**
 * Reading `deno test` output for the test command's closing report.
 *
 * @module
 */

/** Lines kept of each error: its first ones, then the last ones that name a failure; and at most this many in all. */
const HEAD_LINES = 8, TELLING_LINES = 6, MAX_LINES = 48;
const TELLING = /\b(error|failed|Failed|FAILED)\b/;

/**
 * The names under Deno's FAILURES heading, then, for each error under
 * ERRORS, its first lines and the last of the later lines that name a
 * failure (a unit's journal quoted in an assertion ends with why): enough
 * to tell which test broke and why.
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
    const telling = block.slice(HEAD_LINES).filter((l) => TELLING.test(l)).slice(-TELLING_LINES);
    const left = block.length - HEAD_LINES - telling.length;
    errors.push(...block.slice(0, HEAD_LINES), ...telling, ...(left > 0 ? [`    [${left} more lines above]`] : []));
  }
  const cut = errors.length > MAX_LINES
    ? [...errors.slice(0, MAX_LINES), `    [${errors.length - MAX_LINES} more lines above]`]
    : errors;
  if (!names.length && !cut.length) return [`  no failure list: deno test ended with exit code ${exitCode ?? "?"}`];
  return [...names, ...cut];
}
