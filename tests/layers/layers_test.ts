/**
 * The layers of leger's code (docs/ARCHITECTURE.md, the `layers` block):
 * no import circle, no import that points up the map, the operations
 * reached only through their one door, and no test code in the product.
 * The fixtures show that the check fails on each of those.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readImports } from "../helpers/imports.ts";
import { check, circles, mapFromMarkdown, parseMap, productFiles, readGraph } from "./layers.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, "fixtures");

async function checkFixture(name: string): Promise<string[]> {
  const map = mapFromMarkdown(await Deno.readTextFile(join(FIXTURES, "map.md")));
  const root = join(FIXTURES, name);
  return check(map, await readGraph(root, await productFiles(root, ["top/", "middle/", "bottom/"])));
}

Deno.test("the check passes a tree that keeps its layers", async () => {
  assert.deepEqual(await checkFixture("clean"), []);
});

Deno.test("the check fails on an import that points up the map", async () => {
  assert.deepEqual(await checkFixture("upward"), [
    "bottom/report.ts:1 imports top/cli.ts, which is above it (bottom/ is below top/)",
  ]);
});

Deno.test("the check fails on an import circle, of types too", async () => {
  assert.deepEqual(await checkFixture("circle"), [
    "import circle of 2 file(s): middle/ops/a.ts, middle/ops/b.ts",
  ]);
});

Deno.test("the check fails on an import that goes around a door", async () => {
  assert.deepEqual(await checkFixture("door"), [
    "top/shortcut.ts:1 imports middle/ops/run.ts: middle/ops/ is reached only through middle/door.ts",
  ]);
});

Deno.test("the map: a file sits on the longest path that covers it; an allowed upward import needs a reason", () => {
  const map = parseMap(
    "a/\na/b.ts  only via a/c.ts, x/ ; types via y/\nz/  # the bottom\nallow z/q.ts -> a/  # because",
  );
  assert.deepEqual(map.layers.map((l) => [l.path, l.onlyVia, l.typesVia]), [
    ["a/", undefined, undefined],
    ["a/b.ts", ["a/c.ts", "x/"], ["y/"]],
    ["z/", undefined, undefined],
  ]);
  assert.deepEqual(map.allow, [{ from: "z/q.ts", to: "a/", why: "because" }]);
  assert.throws(() => parseMap("allow z/ -> a/"), /needs its reason/);
  const graph = {
    files: ["a/x.ts", "z/q.ts", "z/r.ts"],
    edges: [
      { from: "z/q.ts", to: "a/x.ts", kind: "static" as const, line: 1 },
      { from: "z/r.ts", to: "a/x.ts", kind: "static" as const, line: 2 },
    ],
    outside: [],
  };
  assert.deepEqual(check(map, graph), ["z/r.ts:2 imports a/x.ts, which is above it (z/ is below a/)"]);
  assert.deepEqual(circles({ ...graph, edges: [{ from: "a/x.ts", to: "a/x.ts", kind: "dynamic", line: 1 }] }), [[
    "a/x.ts",
  ]]);
});

Deno.test("the import reader takes every kind of import, and skips what only looks like one", () => {
  const text = [
    'import type { A } from "./a.ts";',
    'import { b, type B } from "./b.ts";',
    'export type { C } from "./c.ts";',
    'export * as d from "./d.ts";',
    'import text from "./e.ts" with { type: "text" };',
    "// import { f } from './f.ts';",
    "/* import('./g.ts') */",
    'const h = `import { h } from "./h.ts"; ${await import("./i.ts")}`;',
    'const j = /import\\("\\.\\/j.ts"\\)/.test(h) ? "import(\'./k.ts\')" : import.meta.url;',
    'const l = await import("./l.ts");',
    "const m = { import: 1 }.import / 2;",
    "export const n = await import(`./n${j}.ts`);",
  ].join("\n");
  assert.deepEqual(readImports(text).map((r) => `${r.kind} ${r.specifier} ${r.line}`), [
    "type ./a.ts 1",
    "static ./b.ts 2",
    "type ./c.ts 3",
    "static ./d.ts 4",
    "static ./e.ts 5",
    "dynamic ./i.ts 8",
    "dynamic ./l.ts 10",
  ]);
});

const ROOT = join(HERE, "..", "..");

Deno.test("leger's code keeps the layer map of docs/ARCHITECTURE.md: no circle, no upward import, one door", async () => {
  const map = mapFromMarkdown(await Deno.readTextFile(join(ROOT, "docs", "ARCHITECTURE.md")));
  const files = await productFiles(ROOT, ["main.ts", "mod.ts", "commands/", "workflows/", "lib/"]);
  const graph = await readGraph(ROOT, files);
  assert.ok(files.length > 150 && graph.edges.length > 800, "the reader saw the product's files and their imports");
  assert.deepEqual(check(map, graph), []);
});
