/**
 * Reading `deno test` output for the test command's closing report.
 *
 * @module
 */

/**
 * The names under Deno's FAILURES heading, then the first lines of each
 * error under ERRORS: enough to tell which test broke and where.
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
  const errors: string[] = [];
  const errorsAt = heading("ERRORS");
  for (let i = errorsAt + 1; errorsAt >= 0 && i < (failuresAt >= 0 ? failuresAt : lines.length); i++) {
    if (lines[i]!.trim()) errors.push(`    ${lines[i]!.trimEnd()}`);
  }
  const cut = errors.length > 24 ? [...errors.slice(0, 24), `    [${errors.length - 24} more lines above]`] : errors;
  if (!names.length && !cut.length) return [`  no failure list: deno test ended with exit code ${exitCode ?? "?"}`];
  return [...names, ...cut];
}
