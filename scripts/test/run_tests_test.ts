import assert from "node:assert/strict";

const runner = new URL("./run_tests.ts", import.meta.url).pathname;
const runnerWith = (...args: string[]) =>
  new Deno.Command(Deno.execPath(), { args: ["run", "-A", runner, ...args], stdout: "piped", stderr: "piped" })
    .output();

Deno.test("the test command teaches its flags with --help and refuses an unknown one before it runs or boots anything", async () => {
  const help = await runnerWith("--help");
  assert.equal(help.code, 0);
  const text = new TextDecoder().decode(help.stdout);
  for (const flag of ["--fast", "--e2e", "--suite NAME", "--filter TEXT"]) assert.match(text, new RegExp(flag));
  const bogus = await runnerWith("--fats");
  assert.equal(bogus.code, 2);
  const said = new TextDecoder().decode(bogus.stderr);
  assert.match(said, /^--fats: not a flag of the test command/);
  assert.doesNotMatch(said, /booted|=== fast tier/);
  const bare = await runnerWith("--fast", "--suite");
  assert.equal(bare.code, 2);
  assert.match(new TextDecoder().decode(bare.stderr), /^--suite needs a value/);
});
