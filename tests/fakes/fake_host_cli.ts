/**
 * The fake host as programs, when no test process answers them
 * (fake_host_serve.ts): `tests/fakes/bin/{podman,systemctl,journalctl,busctl}`
 * run `deno run -A fake_host_cli.ts TOOL ARGS...`, which answers from the
 * state folder named by LEGER_FAKE_HOST. Standard input is read only by
 * the commands that take it (`secret create NAME -`, `volume import NAME -`).
 *
 * @module
 */
import { FakeHost } from "./fake_host.ts";
import { wantsStdin } from "./fake_host_serve.ts";

async function readStdin(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of Deno.stdin.readable) chunks.push(c);
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

async function main(): Promise<number> {
  const [tool, ...args] = Deno.args;
  const dir = Deno.env.get("LEGER_FAKE_HOST");
  if (!tool) {
    console.error("usage: fake_host_cli.ts podman|systemctl|journalctl|busctl ARGS...");
    return 2;
  }
  if (!dir) {
    console.error(`${tool} (fake): LEGER_FAKE_HOST is not set; it names the fake host's state folder`);
    return 127;
  }
  const host = FakeHost.open(dir);
  const stdin = wantsStdin(tool, args) ? await readStdin() : new Uint8Array();
  const r = host.run(tool, { args, stdin, env: Deno.env.toObject(), cwd: Deno.cwd() });
  if (r.stdout !== undefined) {
    const bytes = typeof r.stdout === "string" ? new TextEncoder().encode(r.stdout) : r.stdout;
    let at = 0;
    while (at < bytes.length) at += Deno.stdout.writeSync(bytes.subarray(at));
  }
  if (r.stderr) Deno.stderr.writeSync(new TextEncoder().encode(r.stderr));
  return r.code ?? 0;
}

Deno.exit(await main());
