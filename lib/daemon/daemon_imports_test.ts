/**
 * The long-lived daemon stays a bare Deno process: what `leger daemon`
 * loads (main.ts's static imports, then lib/daemon/process.ts and what it
 * imports) reaches no npm library and no node builtin but node:path. Each
 * npm library costs 8-20 MiB resident for as long as the process lives
 * (docs/BENCHMARKS.md); the cycles, which need them, run in children.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { reach, valueImports } from "../../tests/helpers/imports.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

Deno.test("leger daemon loads no npm library and no node builtin but node:path", async () => {
  const loaded = await reach([
    { file: join(ROOT, "main.ts"), dynamic: false }, // the commands' modules load only when a command runs
    { file: join(ROOT, "lib", "daemon", "process.ts"), dynamic: true },
  ]);
  const outside = [...loaded].filter((s) => !s.startsWith("/"));
  assert.deepEqual(outside, ["node:path"]);
  const modules = [...loaded].filter((s) => s.startsWith("/")).map((s) => relative(ROOT, s)).sort();
  for (const heavy of ["lib/host/shell.ts", "lib/config.ts", "lib/core/fs.ts", "lib/engine.ts"]) {
    assert.ok(!modules.includes(heavy), `${heavy} is loaded by the daemon: ${modules.join(", ")}`);
  }
  assert.ok(modules.includes("lib/daemon/supervisor.ts") && modules.includes("lib/daemon/spawn_runner.ts"));
});

Deno.test("the import reader sees what it must: value imports, re-exports, dynamic imports; not type imports", () => {
  const text = [
    'import type { A } from "./a.ts";',
    'import { b } from "./b.ts";',
    'import {\n  c,\n  type C,\n} from "./c.ts";',
    'export { d } from "./d.ts";',
    'import "./e.ts";',
    'import denoJson from "./f.json" with { type: "json" };',
    'const g = await import("./g.ts");',
  ].join("\n");
  assert.deepEqual(valueImports(text, false), ["./b.ts", "./c.ts", "./d.ts", "./e.ts", "./f.json"]);
  assert.deepEqual(valueImports(text, true).slice(-1), ["./g.ts"]);
});
