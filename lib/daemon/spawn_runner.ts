/**
 * Runs each daemon cycle in a short-lived child, `leger daemon cycle
 * --secrets|--updates`: the request goes to its stdin as JSON, its answer
 * comes back as the line of its stdout that starts with
 * {@linkcode ANSWER_MARK}, and its journal lines go straight to the
 * daemon's stderr (the journal), as does anything else it prints. A child may live on after
 * answering, to run restarts that wait for the scope lock; the runner ends
 * those when the daemon stops.
 *
 * @module
 */
import { ExitCode, LegerError } from "../core/errors.ts";
import { ANSWER_MARK, type CycleRunner, type SecretsReply, type UpdatesReply } from "./cycle_protocol.ts";

/** The longest answer a child may give (a report of many secrets is a few hundred KiB). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * The command that runs this leger again: the compiled binary itself, or
 * Deno with the flags this process got (read from /proc/self/cmdline: a
 * `--cached-only`, `--no-lock` or `--deny-read` of the unit carries over to
 * the cycles) and the same main module. The environment (DENO_DIR) is
 * inherited.
 */
export function selfCommand(
  execPath = Deno.execPath(),
  mainModule = Deno.mainModule,
  cmdline: string[] | undefined = readCmdline(),
): string[] {
  if (!/(^|\/)deno$/.test(execPath)) return [execPath];
  const main = new URL(mainModule).pathname;
  const cwd = `file://${Deno.cwd()}/`;
  const at = cmdline?.findIndex((a, i) => i > 0 && !a.startsWith("-") && new URL(a, cwd).pathname === main) ?? -1;
  if (cmdline && at > 0) return [execPath, ...cmdline.slice(1, at + 1)];
  return [execPath, "run", "-A", "--quiet", main];
}

function readCmdline(): string[] | undefined {
  try {
    return Deno.readTextFileSync("/proc/self/cmdline").split("\0").filter((a) => a !== "");
  } catch {
    return undefined;
  }
}

/**
 * A runner whose cycles are children running `command` (leger and its
 * global options, e.g. `["/usr/bin/leger", "--scope", "system"]`).
 */
export function spawnRunner(command: string[]): CycleRunner {
  const living = new Set<{ child: Deno.ChildProcess; done: Promise<unknown> }>();
  async function run(kind: "secrets" | "updates", request: unknown): Promise<unknown> {
    const child = new Deno.Command(command[0]!, {
      args: [...command.slice(1), "daemon", "cycle", `--${kind}`],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const entry = { child, done: child.status };
    living.add(entry);
    void child.status.finally(() => living.delete(entry));
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(request) + "\n")).catch(() => {});
    await writer.close().catch(() => {});
    const line = await answerLine(child.stdout);
    if (line === undefined) {
      const { code } = await child.status;
      throw new LegerError(`The ${kind} cycle (leger daemon cycle) ended without an answer, exit code ${code}`, {
        hint: "Its own lines above in the journal say why.",
      });
    }
    let answer: Record<string, unknown>;
    try {
      answer = JSON.parse(line);
    } catch {
      throw new LegerError(`The ${kind} cycle answered something other than JSON`);
    }
    if (typeof answer !== "object" || answer === null) throw new LegerError(`The ${kind} cycle answered no object`);
    const error = answer.error as { message?: unknown; hint?: unknown; exitCode?: unknown } | undefined;
    if (error) {
      throw new LegerError(typeof error.message === "string" ? error.message : `The ${kind} cycle failed`, {
        exitCode: typeof error.exitCode === "number" ? error.exitCode : ExitCode.failure,
        ...(typeof error.hint === "string" ? { hint: error.hint } : {}),
      });
    }
    return answer.reply;
  }
  return {
    async secrets(request) {
      const reply = await run("secrets", request) as SecretsReply;
      if (typeof reply?.enabled !== "boolean" || !Array.isArray(reply.secrets)) {
        throw new LegerError("The secrets cycle answered an unknown shape");
      }
      return reply;
    },
    async updates(request) {
      const reply = await run("updates", request) as UpdatesReply;
      if (typeof reply?.followed !== "boolean" || !Array.isArray(reply.results)) {
        throw new LegerError("The update cycle answered an unknown shape");
      }
      return reply;
    },
    async close() {
      // A child that has answered is usually a moment from its own end: let it finish (a killed Deno process
      // may leave a half-written file behind, e.g. its coverage). Only one still waiting after that is ended.
      const all = Promise.allSettled([...living].map((l) => l.done));
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([all, new Promise((r) => timer = setTimeout(r, 2_000))]);
      clearTimeout(timer);
      for (const { child } of living) {
        try {
          child.kill("SIGTERM");
        } catch { /* it ended meanwhile */ }
      }
      await all;
    },
  };
}

/**
 * Reads lines up to the answer (what follows {@linkcode ANSWER_MARK} on its line) and returns its JSON.
 * Other lines (a user's hook may print) go to stderr, the journal, as the child's words; so does
 * whatever follows the answer.
 */
async function answerLine(stream: ReadableStream<Uint8Array>): Promise<string | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const other = (bytes: Uint8Array) => void Deno.stderr.write(bytes).catch(() => {});
  const drain = async () => {
    for (let r = await reader.read().catch(() => ({ done: true as const, value: undefined })); !r.done;) {
      other(r.value);
      r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    }
  };
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    let rest = value;
    for (let nl = rest.indexOf(10); nl >= 0; nl = rest.indexOf(10)) {
      chunks.push(rest.subarray(0, nl));
      const line = decode(chunks.splice(0));
      size = 0;
      rest = rest.subarray(nl + 1);
      const at = line.indexOf(ANSWER_MARK); // after what a hook printed without a newline, if it did
      if (at >= 0) {
        if (at > 0) other(new TextEncoder().encode(line.slice(0, at) + "\n"));
        if (rest.length) other(rest);
        void drain();
        return line.slice(at + ANSWER_MARK.length);
      }
      other(new TextEncoder().encode(line + "\n"));
    }
    chunks.push(rest);
    size += rest.length;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new LegerError("A daemon cycle's answer was larger than 16 MiB");
    }
  }
  const tail = decode(chunks);
  const at = tail.indexOf(ANSWER_MARK);
  if (at >= 0) return tail.slice(at + ANSWER_MARK.length);
  if (tail) other(new TextEncoder().encode(tail + "\n"));
  return undefined;
}

function decode(chunks: Uint8Array[]): string {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) all.set(c, (at += c.length) - c.length);
  return new TextDecoder().decode(all);
}
