/**
 * The fake host's programs without a Deno per call: while a test runs, its
 * process answers the bin/ scripts on a loopback port (`LEGER_FAKE_HOST_PORT`
 * in {@linkcode FakeHost.env}), one connection per call, with the same
 * `FakeHost.run` the in-process fakes and fake_host_cli.ts use. A leger run
 * as a program makes dozens of podman and systemctl calls; each one used to
 * start a Deno (about 0.15 s of CPU), which made most of the integration
 * tier's time.
 *
 * The exchange, every number a decimal line and every string its length
 * in bytes on a line then the bytes:
 *
 * - script: the tool (a line), the number of arguments (a line), the
 *   working folder (a string), each argument (a string);
 * - test: `1` when the command reads its standard input, else `0` (a line);
 * - script, after a `1`: its standard input (a string);
 * - test: the exit code and the length of standard error (one line), the
 *   standard error, then standard output until the connection closes.
 *
 * @module
 */
import type { HostCall } from "./fake_host.ts";
import type { Answer } from "./fake_host_state.ts";

/** The commands that read their standard input (what fake_host_cli.ts reads too). */
export function wantsStdin(tool: string, args: readonly string[]): boolean {
  if (tool !== "podman") return false;
  const [group, sub] = args;
  return ((group === "secret" && sub === "create") || (group === "volume" && sub === "import")) && args.includes("-");
}

/** A byte reader over a connection: lines and counted strings. */
class Reader {
  #buf = new Uint8Array(0);
  readonly #conn: Deno.Conn;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async #fill(): Promise<void> {
    const chunk = new Uint8Array(64 * 1024);
    const n = await this.#conn.read(chunk);
    if (n === null) throw new Error("the fake tool's script hung up");
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
  }

  async bytes(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) await this.#fill();
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  async line(): Promise<string> {
    let at = this.#buf.indexOf(10);
    while (at < 0) {
      await this.#fill();
      at = this.#buf.indexOf(10);
    }
    const text = new TextDecoder().decode(this.#buf.subarray(0, at));
    this.#buf = this.#buf.slice(at + 1);
    return text;
  }

  async number(): Promise<number> {
    const text = await this.line();
    if (!/^\d+$/.test(text)) throw new Error(`the fake tool's script sent '${text}' where a number goes`);
    return Number(text);
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes(await this.number()));
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

async function answer(conn: Deno.Conn, run: (tool: string, call: HostCall) => Answer): Promise<void> {
  const r = new Reader(conn);
  const tool = await r.line();
  const argc = await r.number();
  const cwd = await r.text();
  const args: string[] = [];
  for (let i = 0; i < argc; i++) args.push(await r.text());
  const reads = wantsStdin(tool, args);
  await writeAll(conn, new TextEncoder().encode(reads ? "1\n" : "0\n"));
  const stdin = reads ? await r.bytes(await r.number()) : new Uint8Array();
  let result: Answer;
  try {
    result = run(tool, { args, stdin, env: {}, cwd });
  } catch (e) {
    result = { code: 125, stderr: `${tool} (fake): ${e instanceof Error ? e.stack : e}\n` };
  }
  // bash keeps standard error in a variable, which cannot hold a NUL byte.
  const stderr = new TextEncoder().encode((result.stderr ?? "").replaceAll("\0", ""));
  const stdout = typeof result.stdout === "string" ? new TextEncoder().encode(result.stdout) : result.stdout;
  await writeAll(conn, new TextEncoder().encode(`${result.code ?? 0} ${stderr.length}\n`));
  await writeAll(conn, stderr);
  if (stdout) await writeAll(conn, stdout);
}

/** A server answering the bin/ scripts; `close()` waits for the calls in progress. */
export interface ToolServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `run` on a loopback port until `close()`. */
export function serveTools(run: (tool: string, call: HostCall) => Answer): ToolServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const calls = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const conn of listener) {
      const call = answer(conn, run).catch(() => {}).finally(() => {
        try {
          conn.close();
        } catch { /* closed already */ }
        calls.delete(call);
      });
      calls.add(call);
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    async close() {
      try {
        listener.close();
      } catch { /* closed already */ }
      await loop;
      await Promise.all([...calls]);
    },
  };
}
