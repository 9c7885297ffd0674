/**
 * A reader that closes leger's stdout early (`leger diff web | head`) ends
 * the run quietly: no "Broken pipe" message, exit code 141 as a shell
 * reports a program ended by SIGPIPE; every command that prints gets this
 * from the printing layer (lib/core/log.ts), and nothing else in the program
 * writes stdout (issue 25, item 3).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX, repoWith } from "../fakes/fake_host_fixtures.ts";
import { install } from "../helpers/ops.ts";
import { coverageEnv, PROJECT_ROOT, runLeger } from "./cli_run.ts";

const MAIN = join(PROJECT_ROOT, "main.ts");

const V1 = {
  "web.container": `[Container]\nImage=${NGINX}\nPublishPort=8080:80\n` +
    Array.from({ length: 400 }, (_, i) => `Environment=K${i}=v${i}\n`).join(""),
  ".leger.yaml": "version: 1.0.0\n",
};
const V2 = {
  ...V1,
  "web.container": V1["web.container"].replaceAll(/=v(\d+)/g, "=w$1"),
  ".leger.yaml": "version: 2\n",
};

/** Runs leger with its stdout a pipe whose reader is gone before leger writes a byte. */
async function runWithClosedStdout(env: Record<string, string>, args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    env: { ...env, ...coverageEnv() },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await child.stdout.cancel(); // the reader closes its end, as `head` does when it has its lines
  const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
  return { code: status.code, stderr };
}

Deno.test("a closed stdout ends list, logs, diff, validate and backups quietly with 141, in text and --json", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [
      { folder: "web", files: V1, tag: "v1" },
      { folder: "web", files: V2, tag: "v2" },
    ]);
    await install(b.engine, `${url}#v1:apps/web`, { healthTimeoutMs: 5_000 });
    for (const setup of [["stage", "web", "--ref", "v2"], ["backup", "web"]]) {
      const r = await runLeger(b, ["--backend", "files", ...setup]);
      assert.equal(r.code, 0, r.stderr);
    }
    const env = {
      ...b.host.env(),
      DENO_DIR: Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache/deno"),
      NO_COLOR: "1",
    };
    const lines = [
      ["list"],
      ["--json", "list"],
      ["logs", "web"],
      ["diff", "web"],
      ["--json", "diff", "web"],
      ["validate", `${url}#v2:apps/web`, "--no-host"],
      ["backups"],
      ["--json", "backups", "web"],
      ["diff", "--help"],
    ];
    for (const args of lines) {
      const r = await runWithClosedStdout(env, ["--backend", "files", ...args]);
      assert.equal(r.stderr, "", `leger ${args.join(" ")} said something: ${r.stderr}`);
      assert.equal(r.code, 141, `leger ${args.join(" ")} exited ${r.code}`);
    }
    // With its reader there, the same line prints in full and exits 0 (the closed pipe was the only difference).
    const open = await runLeger(b, ["--backend", "files", "diff", "web"]);
    assert.equal(open.code, 0, open.stderr);
    assert.match(open.stdout, /^\+Environment=K399=w399$/m);
  } finally {
    await b.cleanup();
  }
});

Deno.test("nothing but lib/core/log.ts writes leger's stdout (so every command, old or new, ends quietly on a closed pipe)", async () => {
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) await walk(path);
      else if (
        e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") && path !== join(PROJECT_ROOT, "lib/core/log.ts")
      ) {
        const text = await Deno.readTextFile(path);
        if (/Deno\.stdout\.(write|writable)/.test(text)) offenders.push(path.slice(PROJECT_ROOT.length));
      }
    }
  };
  for (const dir of ["lib", "commands", "workflows"]) await walk(join(PROJECT_ROOT, dir));
  const main = await Deno.readTextFile(join(PROJECT_ROOT, "main.ts"));
  if (/Deno\.stdout\.(write|writable)/.test(main)) offenders.push("main.ts");
  assert.deepEqual(offenders, []);
});
