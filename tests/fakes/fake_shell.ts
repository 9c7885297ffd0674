/**
 * A fake `sh` beside in-process fake commands, so they behave like the real
 * programs when a real shell would start them. leger joins two processes
 * through a FIFO with `sh -c 'f=$1; shift; exec "$@" > "$f"' sh FILE ARGV...`
 * (lib/backup/fifo.ts `redirected`; also `>>` and `<`): the real shell
 * finds the real `podman` on PATH, but an in-process fake is no program it
 * can start. This `sh` runs the fake named by ARGV with its standard output
 * written to FILE (appended for `>>`; its standard input read from FILE for
 * `<`), as the real shell would exec the program; any other script, or a
 * program that is not faked, runs the real `sh`.
 *
 * @module
 */
import type { FakeCall, FakeCommand, FakeResult } from "../../lib/host/shell.ts";

const REDIRECT = /^f=\$1; shift; exec "\$@" (>>|>|<) "\$f"$/;

const bytesOf = (out: FakeResult["stdout"]) =>
  out === undefined ? new Uint8Array() : typeof out === "string" ? new TextEncoder().encode(out) : out;

/** Runs the real `sh` with the call's arguments, environment, folder and input. */
async function realShell(call: FakeCall): Promise<FakeResult> {
  const child = new Deno.Command("sh", {
    args: call.args,
    cwd: call.cwd,
    env: call.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const kill = () => {
    try {
      child.kill();
    } catch { /* gone already */ }
  };
  call.signal?.addEventListener("abort", kill);
  if (call.signal?.aborted) kill();
  const writer = child.stdin.getWriter();
  await writer.write(call.stdin).catch(() => {}); // a program that reads nothing closes its end early
  await writer.close().catch(() => {});
  const out = await child.output().finally(() => call.signal?.removeEventListener("abort", kill));
  return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
}

/** `fakes` and an `sh` that starts them as the real shell starts programs (see the module's description). */
export function withShell<K extends string>(
  fakes: Record<K, FakeCommand>,
): Record<K | "sh", FakeCommand> {
  const byName: Record<string, FakeCommand> = fakes;
  const sh: FakeCommand = async (call) => {
    const [flag, script, , file, program, ...args] = call.args;
    const way = flag === "-c" ? REDIRECT.exec(script ?? "")?.[1] : undefined;
    // The backup pipeline hands sh the program by its full path (lib/backup/fifo.ts); the fake stands in by name.
    const fake = program === undefined ? undefined : byName[program.slice(program.lastIndexOf("/") + 1)];
    if (!way || file === undefined || !fake) return await realShell(call);
    if (way === "<") {
      const stdin = await Deno.readFile(file);
      return await fake({ ...call, args, stdin });
    }
    const result = await fake({ ...call, args });
    // Opened the way the shell opens it: a FIFO's writer waits here for its reader.
    const out = await Deno.open(
      file,
      way === ">>" ? { append: true, create: true } : { write: true, create: true, truncate: true },
    );
    try {
      const bytes = bytesOf(result.stdout);
      for (let at = 0; at < bytes.length;) at += await out.write(bytes.subarray(at));
    } finally {
      out.close();
    }
    return { code: result.code ?? 0, ...(result.stderr ? { stderr: result.stderr } : {}) };
  };
  return { ...fakes, sh };
}
