/**
 * Runs each daemon cycle in a short-lived child, `leger daemon cycle
 * --secrets|--updates`: the request goes to its stdin as JSON, its answer
 * comes back as the first line of its stdout, and its journal lines go
 * straight to the daemon's stderr (the journal). A child may live on after
 * answering, to run restarts that wait for the scope lock; the runner ends
 * those when the daemon stops.
 *
 * @module
 */
import { ExitCode, LegerError } from "../errors.ts";
import type { CycleRunner, SecretsReply, UpdatesReply } from "./cycle_protocol.ts";

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
    const line = await firstLine(child.stdout);
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
      if (typeof reply?.enabled !== "boolean" || !Array.isArray(reply.declared) || !Array.isArray(reply.cached)) {
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
      for (const { child } of living) {
        try {
          child.kill("SIGTERM");
        } catch { /* it ended meanwhile */ }
      }
      await Promise.allSettled([...living].map((l) => l.done));
    },
  };
}

/** Reads up to the first newline; the rest of the stream is drained in the background. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    const nl = value.indexOf(10);
    chunks.push(nl < 0 ? value : value.subarray(0, nl));
    size += value.length;
    if (nl >= 0) {
      void (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drain */ }
      })();
      return decode(chunks);
    }
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new LegerError("A daemon cycle's answer was larger than 16 MiB");
    }
  }
  return chunks.length ? decode(chunks) || undefined : undefined;
}

function decode(chunks: Uint8Array[]): string {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) all.set(c, (at += c.length) - c.length);
  return new TextDecoder().decode(all);
}
