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
