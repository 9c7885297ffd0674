/**
 * README's "The workflow API" is true to the program: its example passes
 * `deno check` against the declarations leger writes (offline, in a folder
 * of its own), and its table of operations names every method of `leger`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { WORKFLOW_TYPES } from "../../lib/workflow/declarations.ts";
import { workflowDenoJson } from "../../lib/workflow/eject.ts";
import { PROJECT_ROOT } from "./cli_run.ts";

const readme = await Deno.readTextFile(join(PROJECT_ROOT, "README.md"));
const section = readme.slice(
  readme.indexOf("### The workflow API"),
  readme.indexOf("## Validating in your repository"),
);

Deno.test("README's workflow API section is there, with a table of operations and an example", () => {
  assert.ok(section.length > 1000, "no workflow API section in README.md");
  assert.match(section, /\| group +\| methods/);
  assert.match(section, /```ts\n/);
});

Deno.test("README's table names every operation of leger, and no other", () => {
  const body = WORKFLOW_TYPES.slice(WORKFLOW_TYPES.indexOf("export interface Leger {"));
  const methods = [...body.slice(0, body.indexOf("\n}\n")).matchAll(/^ {2}(\w+)(?:<[^>]*>)?\(/gm)].map((m) => m[1]!);
  assert.ok(methods.length >= 25, methods.join(", "));
  const table = section.slice(section.indexOf("| group"), section.indexOf("One example per group"));
  const named = [...table.matchAll(/`(\w+)\(/g)].map((m) => m[1]!);
  assert.deepEqual([...new Set(named)].sort(), [...methods].sort());
});

Deno.test("README's workflow example passes deno check against the declarations leger writes, offline", async () => {
  const code = section.slice(section.indexOf("```ts\n") + 6, section.indexOf("```", section.indexOf("```ts\n") + 6));
  const dir = await Deno.makeTempDir({ prefix: "leger-readme-api-" });
  const cache = await Deno.makeTempDir({ prefix: "leger-empty-deno-dir-" });
  try {
    await Deno.writeTextFile(join(dir, "leger.d.ts"), WORKFLOW_TYPES);
    await Deno.writeTextFile(join(dir, "deno.json"), workflowDenoJson());
    await Deno.writeTextFile(join(dir, "example.ts"), code);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--cached-only", "example.ts"],
      cwd: dir,
      env: { DENO_DIR: cache },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr) + `\n${code}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});
