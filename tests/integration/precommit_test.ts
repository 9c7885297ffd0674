/**
 * The pre-commit hook (.pre-commit-hooks.yaml -> scripts/pre-commit-validate.sh)
 * validates each set folder of the changed files once, passes flags on, and
 * fails the commit on problems; the Action runs validate --no-host --sarif.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = new URL("../..", import.meta.url).pathname;

async function hook(cwd: string, ...args: string[]) {
  const bin = await Deno.makeTempDir();
  await Deno.writeTextFile(
    join(bin, "leger"),
    `#!/bin/sh\necho "leger $*" >> "${bin}/calls"\nexec "${Deno.execPath()}" run -A --quiet "${ROOT}main.ts" "$@"\n`,
    { mode: 0o755 },
  );
  const out = await new Deno.Command(join(ROOT, "scripts/pre-commit-validate.sh"), {
    args,
    cwd,
    env: { PATH: `${bin}:${Deno.env.get("PATH")}`, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const calls = (await Deno.readTextFile(join(bin, "calls")).catch(() => "")).trim().split("\n").filter(Boolean);
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), calls };
}

Deno.test("the pre-commit hook validates each changed set folder once and fails on problems", async () => {
  const repo = await Deno.makeTempDir();
  await Deno.mkdir(join(repo, "good"));
  await Deno.mkdir(join(repo, "bad/web.container.d"), { recursive: true });
  await Deno.writeTextFile(join(repo, "good/web.container"), "[Container]\nImage=docker.io/library/nginx:1.27\n");
  await Deno.writeTextFile(join(repo, "bad/web.container"), "[Container]\nImage=docker.io/library/nginx:1.27\n");
  await Deno.writeTextFile(join(repo, "bad/web.container.d/10-ro.conf"), "[Container]\nReadOnly=enabled\n");
  const ok = await hook(repo, "good/web.container");
  assert.equal(ok.code, 0, ok.stdout);
  assert.deepEqual(ok.calls, ["leger validate --no-host good"]);
  const lenient = await hook(repo, "bad/web.container", "bad/web.container.d/10-ro.conf", "good/web.container");
  assert.equal(lenient.code, 0, "warnings alone pass"); // ReadOnly=enabled is a warning
  assert.deepEqual(lenient.calls, ["leger validate --no-host bad", "leger validate --no-host good"]);
  const strict = await hook(repo, "--strict", "bad/web.container.d/10-ro.conf");
  assert.equal(strict.code, 3, strict.stdout);
  assert.match(strict.stdout, /value\/bool/);
  await Deno.remove(repo, { recursive: true });
});

Deno.test("the hook and the Action are declared as pre-commit and GitHub expect", async () => {
  const hooks = parse(await Deno.readTextFile(join(ROOT, ".pre-commit-hooks.yaml")));
  assert.equal(hooks[0].id, "leger-validate");
  assert.equal(hooks[0].language, "script");
  assert.ok(new RegExp(hooks[0].files).test("sets/web/web.container"));
  assert.ok(new RegExp(hooks[0].files).test("sets/web/.leger.yaml"));
  assert.ok(!new RegExp(hooks[0].files).test("README.md"));
  const action = parse(await Deno.readTextFile(join(ROOT, "action.yml")));
  assert.equal(action.runs.using, "composite");
  const script = action.runs.steps[0].run as string;
  assert.match(script, /validate --no-host --sarif/);
  assert.ok(action.runs.steps.some((s: { uses?: string }) => s.uses?.startsWith("github/codeql-action/upload-sarif")));
});
