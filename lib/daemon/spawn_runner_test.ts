import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LegerError } from "../core/errors.ts";
import { runDaemonCycle } from "./cycle_child.ts";
import { selfCommand, spawnRunner } from "./spawn_runner.ts";
import { ANSWER_MARK } from "./cycle_protocol.ts";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "main.ts");

/** This Deno's cache: the child's HOME is a new folder, and must not mean a cold cache. */
async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}

async function scope(fn: (command: string[], home: string) => Promise<void>) {
  const home = await Deno.makeTempDir();
  try {
    // leger as the daemon runs it, in a scope of its own (the environment is the child's).
    const command = [
      "/usr/bin/env",
      `HOME=${home}`,
      `XDG_RUNTIME_DIR=${home}/run`,
      "NO_COLOR=1",
      `DENO_DIR=${await denoDir()}`,
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      MAIN,
    ];
    await fn(command, home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("a cycle child of leger answers for an empty scope: no secrets to sync, no set to follow", () =>
  scope(async (command) => {
    const runner = spawnRunner(command);
    const secrets = await runner.secrets({});
    assert.deepEqual([secrets.enabled, secrets.server, secrets.secrets, secrets.pollIntervalMs], [
      false,
      "",
      [],
      3_600_000,
    ]);
    assert.deepEqual(await runner.updates({}), { followed: false, results: [] });
    await runner.close();
  }));

Deno.test("a cycle child that finds config.yaml broken fails with exit code 78 and the config's own words", () =>
  scope(async (command, home) => {
    await Deno.mkdir(join(home, ".config", "leger"), { recursive: true });
    await Deno.writeTextFile(join(home, ".config", "leger", "config.yaml"), "daemon:\n  poll-interval: soon\n");
    const error = await spawnRunner(command).secrets({}).catch((e) => e);
    assert.ok(error instanceof LegerError, String(error));
    assert.equal(error.exitCode, 78);
    assert.match(error.message, /poll-interval/);
  }));

Deno.test("an answer that is not JSON, or none, is an error that says so", async () => {
  const garbage = await spawnRunner(["sh", "-c", `cat >/dev/null; echo '${ANSWER_MARK}<html>'`, "sh"]).secrets({})
    .catch((e) => e);
  assert.match(String(garbage?.message), /answered something other than JSON/);
  const unmarked = await spawnRunner(["sh", "-c", "cat >/dev/null; echo '{\"reply\":{}}'", "sh"]).secrets({})
    .catch((e) => e);
  assert.match(String(unmarked?.message), /ended without an answer, exit code 0/);
  const none = await spawnRunner(["sh", "-c", "cat >/dev/null; exit 3", "sh"]).updates({}).catch((e) => e);
  assert.match(String(none?.message), /ended without an answer, exit code 3/);
  const shape = await spawnRunner([
    "sh",
    "-c",
    `cat >/dev/null; echo '${ANSWER_MARK}{"reply":{"enabled":"yes"}}'`,
    "sh",
  ])
    .secrets({}).catch((e) => e);
  assert.match(String(shape?.message), /unknown shape/);
});

Deno.test("what a child prints besides its answer (a hook's console.log) is not taken for the answer", async () => {
  const script = `cat >/dev/null; echo 'hook says {"reply": 1}'; printf 'no newline then '; ` +
    `echo '${ANSWER_MARK}{"reply":{"followed":true,"results":[{"name":"web","result":"applied"}]}}'; echo after`;
  const reply = await spawnRunner(["sh", "-c", script, "sh"]).updates({});
  assert.deepEqual(reply.results, [{ name: "web", result: "applied" }]);
});

Deno.test("a child that lives on after answering (restarts waiting for the lock) is ended by close()", async () => {
  const reply = `${ANSWER_MARK}{"reply":{"followed":false,"results":[]}}`;
  const runner = spawnRunner(["sh", "-c", `cat >/dev/null; echo '${reply}'; exec sleep 30`, "sh"]);
  assert.deepEqual(await runner.updates({}), { followed: false, results: [] });
  const t0 = Date.now();
  await runner.close();
  assert.ok(Date.now() - t0 < 5_000, `close took ${Date.now() - t0} ms`);
});

Deno.test("the child reads only a small JSON object as its request", async () => {
  const answer = async (body: string) => {
    const lines: string[] = [];
    const code = await runDaemonCycle(
      "secrets",
      () => Promise.reject(new Error("not reached")),
      (l) => lines.push(l),
      ReadableStream.from([new TextEncoder().encode(body)]),
    );
    assert.ok(lines[0]!.startsWith(ANSWER_MARK));
    return { code, error: JSON.parse(lines[0]!.slice(ANSWER_MARK.length)).error?.message as string };
  };
  assert.deepEqual(await answer("[1]"), { code: 2, error: "the cycle's request is not a JSON object" });
  assert.deepEqual(await answer('{"only": 5}'), {
    code: 2,
    error: "the cycle's request has a field of the wrong type",
  });
  assert.equal((await answer("x".repeat(70_000))).error, "the cycle's request is larger than 64 KiB");
  assert.equal((await answer("{}")).error, "not reached");
});

Deno.test("the daemon runs its cycles with the Deno flags it was started with", () => {
  const deno = "/usr/local/bin/deno";
  const main = "file:///leger/main.ts";
  const cmdline = [deno, "run", "-A", "--cached-only", "--quiet", "/leger/main.ts", "daemon", "--scope", "system"];
  assert.deepEqual(selfCommand(deno, main, cmdline), [deno, "run", "-A", "--cached-only", "--quiet", "/leger/main.ts"]);
  // Without /proc: the plain form.
  assert.deepEqual(selfCommand(deno, main, undefined), [deno, "run", "-A", "--quiet", "/leger/main.ts"]);
  // The compiled binary is itself.
  assert.deepEqual(selfCommand("/usr/bin/leger", "file:///x/main.ts", cmdline), ["/usr/bin/leger"]);
});
