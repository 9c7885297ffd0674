/**
 * Tests that need a program the machine may lack (ansible-playbook, zsh,
 * fish, ...): where it is missing they are ignored after one loud line that
 * names it, instead of failing for a reason that is not leger's. CI
 * installs every such program (.ci/run), and the test command counts these
 * lines as failures under CI=true, so CI still runs everything.
 *
 * @module
 */

/** Whether an executable named `tool` is on PATH. */
export function onPath(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const info = Deno.statSync(`${dir}/${tool}`);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return true;
    } catch { /* not there */ }
  }
  return false;
}

/**
 * `{ ignore }` for a Deno.test that needs every one of `tools`: true where
 * one is missing, after printing `SKIPPED: <what>: needs <tool>, ...` once.
 */
export function needs(what: string, ...tools: string[]): { ignore: boolean } {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length) {
    console.log(
      `SKIPPED: ${what}: needs ${missing.join(", ")}, not on PATH here (CI installs it: .ci/run)`,
    );
  }
  return { ignore: missing.length > 0 };
}
