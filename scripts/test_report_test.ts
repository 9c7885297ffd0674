import assert from "node:assert/strict";
import { failureDigest } from "./test_report.ts";

const OUTPUT = `running 2 tests from ./lib/x_test.ts
one ... ok (3ms)
two ... FAILED (5ms)

 ERRORS 

two => ./lib/x_test.ts:9:6
error: AssertionError: Expected values to be strictly equal:

1 !== 2

 FAILURES 

two => ./lib/x_test.ts:9:6

FAILED | 1 passed | 1 failed (10ms)
`;

Deno.test("the closing report names each failed test and the first lines of its error", () => {
  const lines = failureDigest(OUTPUT);
  assert.equal(lines[0], "  failed: two => ./lib/x_test.ts:9:6");
  assert.ok(lines.includes("    error: AssertionError: Expected values to be strictly equal:"));
  assert.ok(lines.includes("    1 !== 2"));
  assert.equal(lines.filter((l) => l.includes("failed:")).length, 1);
});

Deno.test("a run that died before its summary says so with its exit code", () => {
  assert.deepEqual(failureDigest("Check ./x_test.ts\n", 101), [
    "  no failure list: deno test ended with exit code 101",
  ]);
});

Deno.test("a long error is cut, and says how much was left out", () => {
  const long = ` ERRORS \n\nt => ./a.ts:1:1\n${
    Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n")
  }\n\n FAILURES \n\nt => ./a.ts:1:1\n\nFAILED | 0 passed | 1 failed (1ms)\n`;
  const lines = failureDigest(long);
  assert.equal(lines.length, 1 + 24 + 1);
  assert.match(lines.at(-1)!, /17 more lines/);
});
