import assert from "node:assert/strict";
import { entriesOf, goTrim, hasInlineComment, lastValue, listValues, mergeUnits, parseUnit } from "./parse.ts";

Deno.test("parseUnit joins continuation lines without adding a space, as podman does", () => {
  const u = parseUnit("[Container]\nExec=sleep \\\n  100\nPodmanArgs=--a\\\n--b\n", "x.container");
  assert.equal(lastValue(u, "Container", "Exec"), "sleep 100");
  assert.equal(lastValue(u, "Container", "PodmanArgs"), "--a--b");
  const e = entriesOf(u, "Container", "Exec")[0]!;
  assert.deepEqual([e.line, e.endLine, e.column, e.valueColumn], [2, 3, 1, 6]);
});

Deno.test("comment and empty lines inside a continuation are skipped", () => {
  const u = parseUnit("[Container]\nExec=a \\\n# note\n\n; other\n b\nImage=x\n", "x.container");
  assert.equal(lastValue(u, "Container", "Exec"), "a b");
  assert.equal(lastValue(u, "Container", "Image"), "x");
  assert.equal(u.problems.length, 0);
});

Deno.test("a continuation followed only by comments is dropped and reported", () => {
  const u = parseUnit("[Container]\nImage=x\nExec=a \\\n\n# end\n", "x.container");
  assert.equal(lastValue(u, "Container", "Exec"), undefined);
  assert.equal(u.problems[0]!.code, "syntax/unterminated-continuation");
  assert.equal(u.problems[0]!.line, 3);
  assert.equal(u.problems[0]!.fatal, false);
});

Deno.test("a backslash on the last line is dropped with a warning", () => {
  const u = parseUnit("[Container]\nImage=x \\", "x.container");
  assert.equal(lastValue(u, "Container", "Image"), "x ");
  assert.equal(u.problems[0]!.code, "syntax/dangling-continuation");
});

Deno.test("lines podman refuses are fatal problems", () => {
  const u = parseUnit("Image=x\n[Container]\nImage x\n=y\n[]\n[a[b]\n", "x.container");
  assert.deepEqual(u.problems.map((p) => [p.code, p.line, p.fatal]), [
    ["syntax/outside-section", 1, true],
    ["syntax/not-key-value", 3, true],
    ["syntax/empty-key", 4, true],
    ["syntax/bad-section", 5, true],
    ["syntax/bad-section", 6, true],
  ]);
});

Deno.test("whitespace after ] is accepted; other text makes a key", () => {
  const u = parseUnit("[Container] \t\nImage=x\n[Unit] a=b\n", "x.container");
  assert.equal(lastValue(u, "Container", "Image"), "x");
  assert.equal(lastValue(u, "Container", "[Unit] a"), "b");
});

Deno.test("empty assignments reset lists; repeated sections merge", () => {
  const u = parseUnit("[Container]\nVolume=a:/a\n[Unit]\nX=1\n[Container]\nVolume=\nVolume=b:/b\n", "x.container");
  assert.deepEqual(listValues(u, "Container", "Volume"), ["b:/b"]);
  assert.equal(u.sections.length, 3);
});

Deno.test("CRLF files and Go white space are handled like podman", () => {
  const u = parseUnit("[Container]\r\nImage = x \r\n", "x.container");
  assert.equal(lastValue(u, "Container", "Image"), "x");
  assert.equal(goTrim("\u00a0 a \t"), "a");
  assert.equal(goTrim("\ufeffa"), "\ufeffa");
});

Deno.test("mergeUnits appends drop-in entries and keeps their file", () => {
  const base = parseUnit("[Container]\nImage=a\n", "web.container");
  const d = parseUnit("[Container]\nImage=b\n", "web.container.d/10.conf");
  const m = mergeUnits(base, [d]);
  assert.equal(lastValue(m, "Container", "Image"), "b");
  assert.equal(entriesOf(m, "Container", "Image")[1]!.file, "web.container.d/10.conf");
});

Deno.test("hasInlineComment finds comments outside quotes only", () => {
  assert.ok(hasInlineComment("# note"));
  assert.ok(hasInlineComment("x # note"));
  assert.ok(hasInlineComment("x ;"));
  assert.ok(!hasInlineComment("COLOR=#fff"));
  assert.ok(!hasInlineComment('sh -c "echo # hi"'));
});
