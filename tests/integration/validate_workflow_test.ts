/**
 * A workflow that validates runs on a machine without podman (a CI
 * runner): `leger.validate(source)` fetches and checks, asking nothing of
 * the host, where `leger.prepare(source)` needs podman.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { coverageEnv } from "./cli_run.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("leger.validate in a workflow needs no podman; prepare does", async () => {
  const dir = await Deno.makeTempDir();
  const bin = join(dir, "bin"); // PATH with git but without podman or systemctl
  await Deno.mkdir(bin);
  await Deno.symlink("/usr/bin/git", join(bin, "git"));
  await Deno.writeTextFile(
    join(dir, "check.ts"),
    `import type { WorkflowContext } from "leger";
export default async function ({ leger, args }: WorkflowContext) {
  // prepare takes no strict (leger refuses an option an operation does not take)
  const r = args[0] === "validate"
    ? await leger.validate(args[1]!, { strict: args[2] === "strict" })
    : await leger.prepare(args[1]!);
  return { name: r.name, ok: r.ok, codes: r.diagnostics.map((d) => d.code) };
}
`,
  );
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", join(ROOT, "main.ts"), "--json", "run", join(dir, "check.ts"), ...args],
      env: {
        HOME: dir,
        PATH: bin,
        NO_COLOR: "1",
        DENO_DIR: Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME")!, ".cache/deno"),
        ...coverageEnv(),
      },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  const bad = await run("validate", join(ROOT, "tests/fixtures/broken/bool-bad"));
  assert.equal(bad.code, 0, bad.stderr);
  assert.deepEqual(JSON.parse(bad.stdout).result, { name: "bool-bad", ok: true, codes: ["value/bool"] });
  const strict = await run("validate", join(ROOT, "tests/fixtures/broken/bool-bad"), "strict");
  assert.equal(JSON.parse(strict.stdout).result.ok, false);
  const prepared = await run("prepare", join(ROOT, "tests/fixtures/broken/bool-bad"));
  assert.notEqual(prepared.code, 0);
  assert.match(prepared.stdout + prepared.stderr, /podman/i);
  await Deno.remove(dir, { recursive: true });
});
