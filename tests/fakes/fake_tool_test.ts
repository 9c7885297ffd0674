/**
 * The fake host's bin/ scripts, as leger runs them: answered by the test's
 * process over the loopback port (no Deno per call), and without it by the
 * Deno the tests run with, never by whatever `deno` PATH finds.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeHost } from "./fake_host.ts";

const NGINX = "docker.io/library/nginx:1.27";

async function tool(
  name: string,
  args: string[],
  env: Record<string, string>,
  stdin?: Uint8Array,
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const child = new Deno.Command(join(FakeHost.binDir, name), {
    args,
    env,
    clearEnv: true,
    cwd: "/",
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A PATH with the usual tools and no deno (/usr/local/bin holds one on the build machine). */
const NO_DENO_PATH = "/usr/bin:/bin";

Deno.test("the bin/ scripts are answered by the test's process: arguments, standard input, output, errors, exit codes", async () => {
  const host = await FakeHost.create({ images: [NGINX] });
  try {
    const env = { ...host.env(), PATH: `${FakeHost.binDir}:${NO_DENO_PATH}` };
    const version = await tool("podman", ["--version"], env);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(text(version.stdout), "podman version 5.8.6\n");

    // Standard input with bytes that are not text, and a newline.
    const secret = new TextEncoder().encode("s3cr\u00e9t\n\u0001 x");
    const created = await tool("podman", ["secret", "create", "tok-1", "-"], env, secret);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(host.secretValue("tok-1"), "s3cr\u00e9t\n\u0001 x");

    // A volume's archive comes back byte for byte.
    host.addVolume("data", { "a.txt": "αβγ\n", "b/c.bin": "\0\x01" });
    const exported = await tool("podman", ["volume", "export", "data"], env);
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(exported.stdout.length >= 1024 && exported.stdout.length % 512 === 0, `a tar: ${exported.stdout.length}`);
    const imported = await tool("podman", ["volume", "import", "data", "-"], env, exported.stdout);
    assert.equal(imported.code, 0, imported.stderr);

    // Arguments with spaces, a newline, non-ASCII letters, and an empty one: as given.
    const odd = ["--user", "start", "we ird\nnamé.service", ""];
    const missing = await tool("systemctl", odd, env);
    assert.equal(missing.code, 5);
    assert.match(missing.stderr, /^Failed to start we ird\nnamé\.service: Unit we ird\nnamé\.service not found\.\n/);
    assert.deepEqual(host.calls.at(-1)!.args, odd);
  } finally {
    await host.cleanup();
  }
});

Deno.test("without the test's process, a bin/ script runs the tests' own Deno (LEGER_DENO), not one found on PATH", async () => {
  const host = await FakeHost.create({ images: [NGINX] });
  try {
    // A Deno that leaves a trace, where PATH finds no deno at all.
    const marker = join(host.root, "deno-ran");
    const deno = join(host.root, "my-deno");
    await Deno.writeTextFile(deno, `#!/bin/sh\necho "$@" >> '${marker}'\nexec '${Deno.execPath()}' "$@"\n`);
    await Deno.chmod(deno, 0o755);
    const { LEGER_FAKE_HOST_PORT: _port, ...env } = host.env();
    const r = await tool("podman", ["--version"], {
      ...env,
      PATH: `${FakeHost.binDir}:${NO_DENO_PATH}`,
      LEGER_DENO: deno,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(text(r.stdout), "podman version 5.8.6\n");
    assert.match(await Deno.readTextFile(marker), /fake_host_cli\.ts podman --version/);

    const none = await tool("podman", ["--version"], {
      ...env,
      PATH: `${FakeHost.binDir}:${NO_DENO_PATH}`,
      LEGER_DENO: "",
    });
    assert.equal(none.code, 127);
    assert.match(none.stderr, /no Deno to run the fake host: set LEGER_DENO or put deno on PATH/);
  } finally {
    await host.cleanup();
  }
});
