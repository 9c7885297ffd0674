/**
 * Colour as the ecosystem expects: on a real terminal (a pty from
 * util-linux `script`), `leger validate` colours its report unless
 * NO_COLOR is set; piped output never carries escape codes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const ESC = "\x1b";
const BROKEN = join(ROOT, "tests/fixtures/broken/bool-bad");

async function onTerminal(env: string): Promise<string> {
  const cmd = `env -u NO_COLOR ${env} "${Deno.execPath()}" run -A --quiet "${
    join(ROOT, "main.ts")
  }" validate --no-host "${BROKEN}"`;
  const out = await new Deno.Command("script", { args: ["-qec", cmd, "/dev/null"], stdin: "null" }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("validate colours on a terminal, and not under NO_COLOR=1", async () => {
  const colored = await onTerminal("TERM=xterm");
  assert.ok(colored.includes(`${ESC}[31merror`) || colored.includes(`${ESC}[33mwarning`), colored);
  const plain = await onTerminal("TERM=xterm NO_COLOR=1");
  assert.match(plain, /bool-bad|\.container/);
  assert.ok(!plain.includes(ESC), plain);
});

Deno.test("validate never colours piped output", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", join(ROOT, "main.ts"), "validate", "--no-host", BROKEN],
    env: { TERM: "xterm" },
    stdout: "piped",
  }).output();
  assert.ok(!new TextDecoder().decode(out.stdout).includes(ESC));
});
