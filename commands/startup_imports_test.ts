/**
 * What a command loads before it runs is start-up time: `leger remove` and
 * `leger backup` read no YAML unless there is a config.yaml (or a set's
 * `.leger.yaml`) to read, so what they load statically must not reach the
 * YAML library (about 30-70 ms to import). The modules below are those
 * main.ts, contextFor (commands/common.ts) and the operations facade load
 * for them (the facade loads the wrapper, lib/ops/guarded.ts, for every
 * operation that changes the host).
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { reach } from "../tests/helpers/imports.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

async function staticGraph(files: string[]): Promise<string[]> {
  const loaded = await reach(files.map((f) => ({ file: join(ROOT, f), dynamic: false })), { dynamic: false });
  return [...loaded].map((s) => (s.startsWith("/") ? relative(ROOT, s) : s));
}

const ENGINE = ["main.ts", "commands/common.ts", "lib/engine.ts", "lib/leger.ts", "lib/host/shell.ts"];

Deno.test("leger remove loads no YAML library (and not the validator)", async () => {
  const graph = await staticGraph([
    ...ENGINE,
    "commands/sets/sets.ts",
    "lib/ops/guarded.ts",
    "lib/ops/install/remove.ts",
  ]);
  assert.ok(!graph.includes("yaml"), "yaml is loaded");
  assert.ok(!graph.includes("lib/core/schema/yaml_file.ts") && !graph.includes("lib/quadlet/validate.ts"));
  assert.ok(graph.includes("lib/config.ts") && graph.includes("lib/state/journal.ts"), "the walk saw the modules");
});

/** What `leger backup` and `leger restore` load before their operation: the command, the workflow, the wrapper. */
const BACKUP_COMMAND = [
  ...ENGINE,
  "commands/backup.ts",
  "commands/builtin_workflows.ts",
  "lib/workflow/run.ts",
  "workflows/backup.ts",
  "lib/ops/guarded.ts",
];

Deno.test("leger backup loads no YAML library, and not restore or install", async () => {
  const graph = await staticGraph([
    ...BACKUP_COMMAND,
    "lib/ops/backup/create.ts",
  ]);
  assert.ok(!graph.includes("yaml"), "yaml is loaded");
  for (const m of ["lib/ops/backup/restore.ts", "lib/ops/install/install.ts", "lib/meta/leger_yaml.ts"]) {
    assert.ok(!graph.includes(m), `${m} is loaded`);
  }
  assert.ok(graph.includes("lib/backup/stream.ts"));
});

Deno.test("leger restore loads no YAML library for a set without a .leger.yaml (its memory goal)", async () => {
  const graph = await staticGraph([
    ...BACKUP_COMMAND,
    "lib/ops/backup/restore.ts",
  ]);
  assert.ok(!graph.includes("yaml"), "yaml is loaded");
  assert.ok(!graph.includes("lib/meta/leger_yaml.ts"), "the .leger.yaml reader is loaded");
  assert.ok(graph.includes("lib/ops/install/manifest_build.ts") && graph.includes("lib/backup/import/checked.ts"));
});
