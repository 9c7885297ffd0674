import assert from "node:assert/strict";
import { checkRef, refProblem } from "./ref.ts";

const NAMES = [
  "main",
  "v1.2.3",
  "release/1.0",
  "refs/heads/main",
  "feature/a-b_c",
  "v9.9.9+build",
  "tag;with$dollar{braces}", // git allows these: only a leading '-' makes them dangerous
  "a..b",
  "a/.hidden",
  ".start",
  "end.",
  "x.lock",
  "dir.lock/x",
  "a//b",
  "/abs",
  "trail/",
  "a b",
  "tab\there",
  "a~1",
  "a^2",
  "a:b",
  "a?",
  "a*",
  "a[1]",
  "back\\slash",
  "at@{1}",
  "@",
  "x@y",
  "del\x7f",
  "nul\x01",
  "ünïcödé",
];

async function gitAccepts(name: string): Promise<boolean> {
  const out = await new Deno.Command("git", { args: ["check-ref-format", "--allow-onelevel", name] }).output();
  return out.success;
}

Deno.test("refs are judged as git check-ref-format --allow-onelevel judges them", async () => {
  for (const name of NAMES) {
    assert.equal(refProblem(name) === undefined, await gitAccepts(name), name);
  }
});

Deno.test("a ref that git would read as an option is refused, whatever git check-ref-format says", () => {
  for (
    const name of [
      "--upload-pack=touch pwned;git-upload-pack:web",
      "--upload-pack=touch${IFS}x;git-upload-pack;v9.9.9",
      "-oProxyCommand=x",
      "-",
    ]
  ) {
    assert.match(refProblem(name) ?? "", /starts with '-'/, name);
    assert.throws(() => checkRef(name, "--ref"), (e: Error & { exitCode: number }) => {
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /\(--ref\)/);
      return true;
    });
  }
});

Deno.test("the remote's HEAD and commit ids pass", () => {
  assert.equal(refProblem(""), undefined);
  assert.equal(refProblem("0123456789abcdef0123456789abcdef01234567"), undefined);
  assert.equal(refProblem("0123456"), undefined);
  assert.equal(checkRef("main", "x"), "main");
});
