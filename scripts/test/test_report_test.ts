import assert from "node:assert/strict";
import { durationSeconds, execTimes, failureDigest, fileTimes, testSummary } from "./test_report.ts";

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

Deno.test("a long error keeps its first lines and the later ones that say what failed", () => {
  const journal = Array.from(
    { length: 40 },
    (_, i) => i === 30 ? "web.service: Failed to spawn executor" : `line ${i}`,
  );
  const long =
    ` ERRORS \n\nt => ./a.ts:1:1\n${journal.join("\n")}\n\nu => ./a.ts:9:1\nerror: second\n\n FAILURES \n\n` +
    `t => ./a.ts:1:1\nu => ./a.ts:9:1\n\nFAILED | 0 passed | 2 failed (1ms)\n`;
  const lines = failureDigest(long);
  assert.deepEqual(lines.slice(0, 2), ["  failed: t => ./a.ts:1:1", "  failed: u => ./a.ts:9:1"]);
  assert.equal(lines[2], "    t => ./a.ts:1:1");
  assert.ok(lines.includes("    web.service: Failed to spawn executor"), "the telling line deep in the block is kept");
  assert.ok(lines.includes("    [32 more lines above]"));
  assert.ok(lines.includes("    error: second"), "the second error is shown too");
  assert.ok(!lines.includes("    line 20"));
});

Deno.test("a long assertion message keeps the stack frame in the test file that says which assertion failed", () => {
  const message = Array.from({ length: 12 }, (_, i) => `report line ${i}`);
  const out = ` ERRORS \n\nt => ./tests/e2e/x_test.ts:5:6\nerror: AssertionError: ${message.join("\n")}\n` +
    "    at assertOk (ext:deno_node/assert.ts:9:1)\n    at file:///w/tests/e2e/x_test.ts:271:12\n" +
    "    at eventLoopTick (ext:core/01_core.js:1:1)\n    at file:///w/tests/e2e/x_test.ts:30:9\n\n FAILURES \n\n" +
    "t => ./tests/e2e/x_test.ts:5:6\n\nFAILED | 0 passed | 1 failed (1ms)\n";
  const lines = failureDigest(out);
  assert.ok(lines.includes("        at file:///w/tests/e2e/x_test.ts:271:12"), lines.join("\n"));
  assert.ok(!lines.some((l) => l.includes("x_test.ts:30:9")), "only the first frame in a test file");
  assert.ok(!lines.includes("    report line 11"));
});

Deno.test("each file's time is the sum of its tests', from a parallel run and from a plain one; steps not twice", () => {
  const parallel = [
    "./lib/a_test.ts => one ... ok (1s)",
    "./lib/b_test.ts => two ... ok (250ms)",
    "./lib/a_test.ts => three ... FAILED (1m2s)",
    "./lib/b_test.ts => four ... ignored (0ms)",
  ].join("\n");
  assert.deepEqual(fileTimes(parallel), [
    { file: "lib/a_test.ts", seconds: 63, tests: 2 },
    { file: "lib/b_test.ts", seconds: 0.25, tests: 1 },
  ]);
  const plain = [
    "running 2 tests from ./tests/e2e/x_test.ts",
    "outer ...",
    "  inner ... ok (2s)",
    "outer ... ok (3s)",
    "other ... ok (812µs)",
  ].join("\n");
  assert.deepEqual(fileTimes(plain), [{ file: "tests/e2e/x_test.ts", seconds: 3.000812, tests: 2 }]);
  assert.equal(durationSeconds("15ms"), 0.015);
  assert.equal(durationSeconds("nonsense"), 0);
});

Deno.test("the summary is Deno's last one (a coverage table may follow), with its ignored count", () => {
  const out =
    "ok | 3 passed | 0 failed (1s)\nFAILED | 5 passed (2 steps) | 1 failed | 2 ignored (9s)\n| File | Line % |\n";
  assert.deepEqual(testSummary(out), {
    line: "FAILED | 5 passed (2 steps) | 1 failed | 2 ignored",
    passed: 5,
    failed: 1,
    ignored: 2,
  });
  assert.equal(testSummary("error: Module not found"), undefined);
});

Deno.test("a traced end-to-end run's guest commands add up by program, leger by subcommand", () => {
  const out = [
    "[sid x] [exec] 1500 ms alice 0: leger --scope user --backend native install http://x --name web",
    "[exec] 500 ms root 0: leger --scope system --backend files list --json",
    "[exec] 250 ms root 1: leger --scope system --backend files list",
    "[exec] 40 ms root 0: busybox wget -qO- http://127.0.0.1:18001/",
    "[exec] 5 ms root -1: sh -c true",
  ].join("\n");
  assert.deepEqual(execTimes(out), [
    { command: "leger install", calls: 1, seconds: 1.5 },
    { command: "leger list", calls: 2, seconds: 0.75 },
    { command: "busybox", calls: 1, seconds: 0.04 },
    { command: "sh", calls: 1, seconds: 0.005 },
  ]);
});
