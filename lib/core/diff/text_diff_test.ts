import assert from "node:assert/strict";
import { unifiedDiff } from "./text_diff.ts";

Deno.test("a changed line shows as - and + with context, like diff -u", () => {
  const a = "[Container]\nImage=app:v1\nPublishPort=8080:80\n";
  const b = "[Container]\nImage=app:v2\nPublishPort=8080:80\nEnvironment=A=1\n";
  assert.equal(
    unifiedDiff(a, b, "a/web.container", "b/web.container"),
    [
      "--- a/web.container",
      "+++ b/web.container",
      "@@ -1,3 +1,4 @@",
      " [Container]",
      "-Image=app:v1",
      "+Image=app:v2",
      " PublishPort=8080:80",
      "+Environment=A=1",
      "",
    ].join("\n"),
  );
});

Deno.test("equal texts give no diff; new and deleted files diff against nothing", () => {
  assert.equal(unifiedDiff("x\n", "x\n", "a", "b"), "");
  assert.equal(unifiedDiff("", "x\ny\n", "/dev/null", "b/f"), "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n");
  assert.equal(unifiedDiff("x\n", "", "a/f", "/dev/null"), "--- a/f\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n");
});

Deno.test("distant changes make separate hunks", () => {
  const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n") + "\n";
  const b = a.replace("l1\n", "L1\n").replace("l18\n", "L18\n");
  const d = unifiedDiff(a, b, "a", "b");
  assert.equal(d.match(/^@@/gm)?.length, 2);
  assert.match(d, /@@ -1,5 \+1,5 @@/);
  assert.match(d, /@@ -16,5 \+16,5 @@/);
});

Deno.test("a missing newline at the end is shown as diff -u shows it", () => {
  assert.equal(
    unifiedDiff("x\n", "x", "a/f", "b/f"),
    "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-x\n+x\n\\ No newline at end of file\n",
  );
});

/** Applies a unified diff to `before`, checking every context and removed line against it. */
function applyPatch(before: string, patch: string): string {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  const lines = patch.split("\n").slice(2, -1);
  let at = 0;
  for (let p = 0; p < lines.length; p++) {
    const h = lines[p]!.match(/^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/);
    assert.ok(h, `a hunk header: ${lines[p]}`);
    const [aStart, aCount, , bCount] = h.slice(1).map(Number) as [number, number, number, number];
    const from = aCount ? aStart - 1 : aStart;
    while (at < from) out.push(a[at++]!);
    let seenA = 0, seenB = 0;
    while (p + 1 < lines.length && !lines[p + 1]!.startsWith("@@")) {
      const line = lines[++p]!;
      const [kind, text] = [line[0], line.slice(1)];
      if (kind === " " || kind === "-") {
        assert.equal(a[at], text, `line ${at + 1} of before`);
        at++;
        seenA++;
      }
      if (kind === " " || kind === "+") {
        out.push(text);
        seenB++;
      }
    }
    assert.deepEqual([seenA, seenB], [aCount, bCount], "the hunk header counts its lines");
  }
  while (at < a.length) out.push(a[at++]!);
  return out.length ? out.join("\n") + "\n" : "";
}

Deno.test("random edits: each diff applied to the old text gives the new one, with no two hunks within 6 lines", () => {
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (let round = 0; round < 300; round++) {
    const before = Array.from({ length: rand(40) }, () => `l${rand(8)}`);
    const after = [...before];
    for (let e = rand(6); e > 0; e--) {
      const at = rand(after.length + 1);
      if (rand(2)) after.splice(at, 1);
      else after.splice(at, 0, `n${rand(8)}`);
    }
    const a = before.length ? before.join("\n") + "\n" : "", b = after.length ? after.join("\n") + "\n" : "";
    const patch = unifiedDiff(a, b, "a", "b");
    if (a === b) {
      assert.equal(patch, "");
      continue;
    }
    assert.equal(applyPatch(a, patch), b, `round ${round}:\n${patch}`);
    const starts = [...patch.matchAll(/^@@ -(\d+),(\d+)/gm)].map((m) => [Number(m[1]), Number(m[2])] as const);
    for (let h = 1; h < starts.length; h++) {
      const [prevStart, prevCount] = starts[h - 1]!;
      assert.ok(starts[h]![0] - (prevStart + prevCount) >= 1, `hunks ${h} and ${h + 1} should have merged:\n${patch}`);
    }
  }
});

Deno.test("a 20,000-line file with 40 changed lines diffs into 40 hunks without a per-line table", () => {
  const before = Array.from({ length: 20_000 }, (_, i) => `Environment=L${i}=${i * 7919 % 10007}`);
  const after = before.map((l, i) => (i % 500 === 250 ? `${l}-changed` : l));
  const patch = unifiedDiff(before.join("\n") + "\n", after.join("\n") + "\n", "a", "b");
  assert.equal(patch.match(/^@@/gm)?.length, 40);
  assert.equal(applyPatch(before.join("\n") + "\n", patch), after.join("\n") + "\n");
});

Deno.test("a 20,000-line env file whose every line changed is one hunk of removals then additions, and applies", () => {
  const before = Array.from({ length: 20_000 }, (_, i) => `K${i + 1}=v`).join("\n") + "\n";
  const after = before.replaceAll("=v\n", "=w\n");
  const patch = unifiedDiff(before, after, "a", "b");
  const body = patch.split("\n").slice(2, -1);
  assert.equal(body[0], "@@ -1,20000 +1,20000 @@");
  assert.equal(body.length, 1 + 40_000);
  assert.ok(
    body.slice(1, 20_001).every((l) => l.startsWith("-")) && body.slice(20_001).every((l) => l.startsWith("+")),
  );
  assert.equal(applyPatch(before, patch), after);
});
