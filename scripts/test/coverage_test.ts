import assert from "node:assert/strict";
import { readCoverage } from "./coverage.ts";

// The shape `deno coverage` (2.9) prints: Branch, Function, Line.
const REAL = `| File      | Branch % | Function % | Line % |
| --------- | -------- | ---------- | ------ |
| lib/a.ts  |     50.0 |      100.0 |   75.0 |
| All files |     61.5 |       92.3 |   84.2 |
`;

Deno.test("the line figure comes from the Line % column, not the function column", () => {
  assert.deepEqual(readCoverage(REAL), { lines: 84.2, branches: 61.5, functions: 92.3 });
});

Deno.test("columns are found by name, whatever their order", () => {
  const swapped = `| File | Line % | Branch % |\n| --- | --- | --- |\n| All files | 70.0 | 40.0 |\n`;
  assert.deepEqual(readCoverage(swapped), { lines: 70, branches: 40 });
});

Deno.test("a report without a readable line figure is an error, not a pass", () => {
  for (
    const bad of [
      "",
      "error: No coverage files found\n",
      "| File | Branch % | Function % |\n| All files | 1.0 | 2.0 |\n",
      "| File | Branch % | Function % | Line % |\n| lib/a.ts | 1 | 2 | 3 |\n",
      "| File | Branch % | Function % | Line % |\n| All files | 1 | 2 | n/a |\n",
    ]
  ) {
    const r = readCoverage(bad);
    assert.ok("error" in r, `read a figure from ${JSON.stringify(bad)}: ${JSON.stringify(r)}`);
  }
});

Deno.test("the real deno coverage output of a small module is read right", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/m.ts`,
      "export function a(x: number) {\n  let y = x;\n  y += 1;\n  y += 2;\n  y += 3;\n  y += 4;\n  return y;\n}\n" +
        "export function b() {\n  return 3;\n}\n",
    );
    await Deno.writeTextFile(`${dir}/m_test.ts`, 'import { a } from "./m.ts";\nDeno.test("t", () => { a(0); });\n');
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), { args, cwd: dir, env: { NO_COLOR: "1" }, stdout: "piped", stderr: "piped" })
        .output();
    assert.ok((await run(["test", "-A", "--no-config", "--coverage=cov", "m_test.ts"])).success);
    const out = await run(["coverage", "cov"]);
    const r = readCoverage(new TextDecoder().decode(out.stdout));
    assert.ok(!("error" in r), JSON.stringify(r));
    // 1 of 2 functions ran, but 8 of its 11 lines.
    assert.equal(r.functions, 50);
    assert.ok(r.lines > 70 && r.lines < 80, `lines ${r.lines}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
