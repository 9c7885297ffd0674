import assert from "node:assert/strict";
import { createShell, run } from "./shell.ts";

Deno.test("a fake command sees argv and stdin and answers like a program", async () => {
  const calls: { args: string[]; stdin: string }[] = [];
  const $ = createShell({
    fakes: {
      podman: ({ args, stdin }) => {
        calls.push({ args, stdin: new TextDecoder().decode(stdin) });
        return args[0] === "fail" ? { code: 125, stderr: "Error: nope\n" } : { stdout: "ok\n" };
      },
    },
  });
  const ok = await run($, ["podman", "secret", "create", "a b", "-"], {
    stdin: "s3cret",
  });
  assert.deepEqual(ok, { code: 0, stdout: "ok\n", stderr: "" });
  assert.deepEqual(calls[0], {
    args: ["secret", "create", "a b", "-"],
    stdin: "s3cret",
  });
  const bad = await run($, ["podman", "fail"]);
  assert.deepEqual(bad.code, 125);
  assert.deepEqual(bad.stderr, "Error: nope\n");
});

Deno.test("run executes real programs with arguments verbatim", async () => {
  const $ = createShell();
  const r = await run($, ["sh", "-c", 'printf "%s|" "$@"', "x", "a b", "$HOME"]);
  assert.deepEqual(r.stdout, "a b|$HOME|");
});
