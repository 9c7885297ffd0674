/**
 * `leger daemon cycle --secrets|--updates`: one cycle of the daemon, run as
 * a short-lived child of it (lib/daemon/spawn_runner.ts). It reads the
 * request as JSON from stdin, prints `{"reply": ...}` or `{"error": ...}` on
 * one line of stdout after a mark (a user's hook may print too), and its journal lines go to stderr. A secrets cycle
 * whose restarts wait for the scope lock answers first and exits once they
 * are done. Not meant to be typed: `leger daemon` runs it.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { ExitCode, LegerError } from "../core/errors.ts";
import type { Leger } from "../leger_api.ts";
import { ANSWER_MARK, type SecretsRequest, type UpdatesRequest } from "./cycle_protocol.ts";

/** The request on stdin is a small JSON object; anything longer is refused. */
const MAX_REQUEST_BYTES = 64 * 1024;

/** Runs one cycle; returns the exit code. `write` prints one line on stdout (the answer, marked). */
export async function runDaemonCycle(
  kind: "secrets" | "updates",
  context: () => Promise<{ engine: Engine; leger: Leger }>,
  write: (line: string) => void,
  stdin: ReadableStream<Uint8Array> = Deno.stdin.readable,
): Promise<number> {
  let finish: () => Promise<void> = () => Promise.resolve();
  try {
    const request = await readRequest(stdin);
    const { engine, leger } = await context();
    if (kind === "secrets") {
      const { runSecretsCycle } = await import("./secrets_cycle.ts");
      const cycle = await runSecretsCycle({
        paths: engine.paths,
        config: engine.config,
        $: engine.$,
        log: { info: (l) => engine.log.info(l), warn: (l) => engine.log.warn(l) },
        systemd: engine.systemd, // rotations: try-restart, only while holding the scope lock
      }, request as SecretsRequest);
      write(ANSWER_MARK + JSON.stringify({ reply: cycle.reply }));
      finish = cycle.finish;
    } else {
      const [{ runUpdatesCycle }, { runHook }] = await Promise.all([
        import("./updates_cycle.ts"),
        import("../workflow/hooks.ts"),
      ]);
      const reply = await runUpdatesCycle(
        engine,
        leger,
        request as UpdatesRequest,
        async (event) => void await runHook(engine, leger, event),
      );
      write(ANSWER_MARK + JSON.stringify({ reply }));
    }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const exitCode = e instanceof LegerError ? e.exitCode : ExitCode.failure;
    write(
      ANSWER_MARK + JSON.stringify({
        error: { message: e.message, exitCode, ...(e instanceof LegerError && e.hint ? { hint: e.hint } : {}) },
      }),
    );
    return exitCode;
  }
  await finish();
  return 0;
}

/** Reads and checks the request: a JSON object, at most 64 KiB. */
async function readRequest(stdin: ReadableStream<Uint8Array>): Promise<Record<string, unknown>> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stdin) {
    text += decoder.decode(chunk, { stream: true });
    if (text.length > MAX_REQUEST_BYTES) throw new LegerError("the cycle's request is larger than 64 KiB");
  }
  const value: unknown = JSON.parse(text.trim() || "{}");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new LegerError("the cycle's request is not a JSON object", { exitCode: ExitCode.usage });
  }
  const r = value as Record<string, unknown>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string");
  if (
    (r.only !== undefined && typeof r.only !== "string") || (r.dryRun !== undefined && typeof r.dryRun !== "boolean") ||
    (r.asked !== undefined && typeof r.asked !== "boolean") || (r.now !== undefined && !strings(r.now))
  ) {
    throw new LegerError("the cycle's request has a field of the wrong type", { exitCode: ExitCode.usage });
  }
  return r;
}
