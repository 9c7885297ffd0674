/**
 * `--help` that teaches, checked on the whole command tree: every command
 * has a description and at least one example, shows the global options,
 * and no prose is wrapped by hand in the middle of a sentence.
 */
import assert from "node:assert/strict";
import type { Command } from "commander";
import { buildProgram } from "../../main.ts";
import { walkCommands } from "./help.ts";
import { HELP } from "./text.ts";

function helpOf(cmd: Command): string {
  let text = "";
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

const program = await buildProgram({ env: {} });
const nodes = walkCommands(program);

Deno.test("the command tree has the commands the README lists (and more)", () => {
  assert.ok(nodes.length >= 33, `only ${nodes.length} commands`);
});

for (const { path, cmd } of nodes) {
  Deno.test(`leger ${path || "(itself)"} --help has a description, examples and the global options`, () => {
    const prose = HELP[path];
    assert.ok(prose, `no help prose for "${path}" in commands/help/text.ts`);
    assert.ok(prose.description.length > 20, `description of "${path}" is too short`);
    assert.ok(prose.examples.length >= 1, `"${path}" has no example`);
    const help = helpOf(cmd);
    assert.ok(help.includes(prose.description.split(" ").slice(0, 4).join(" ")), help);
    assert.match(help, /\nExamples:\n {2}# .+\n {2}.*leger\b/);
    for (const [line] of prose.examples) {
      assert.ok(line.includes("leger"), `example of "${path}" does not run leger: ${line}`);
      if (path && !line.startsWith("source")) {
        assert.ok(line.includes(path.split(" ").at(-1)!), `example "${line}" does not use ${path}`);
      }
    }
    for (const flag of ["--scope", "--json", "--yes", "--verbose", "--quiet", "--backend"]) {
      assert.ok(help.includes(flag), `leger ${path} --help does not show ${flag}`);
    }
    if (path) assert.match(help, /Global Options:/);
  });
}

Deno.test("no help prose is wrapped by hand in the middle of a sentence", () => {
  const texts = Object.entries(HELP).flatMap(([path, p]) =>
    [p.description, ...(p.notes ?? []), ...p.examples.map((e) => e[1])].map((t) => [path, t] as const)
  );
  for (const [path, text] of texts) {
    // A paragraph is one line; only indented blocks (YAML, tables) may span lines.
    assert.ok(!text.includes("\n"), `"${path}": a newline inside a paragraph: ${JSON.stringify(text)}`);
  }
  for (const { path, cmd } of nodes) {
    const summary = cmd.summary();
    assert.ok(!summary.includes("\n"), `summary of "${path}" has a newline`);
    for (const o of cmd.options) assert.ok(!o.description.includes("\n"), `${path} ${o.flags}: newline`);
  }
});

Deno.test("help prose names no command that does not exist", () => {
  const known = new Set(nodes.map((n) => n.path));
  for (const [path] of Object.entries(HELP)) {
    assert.ok(known.has(path), `commands/help/text.ts has prose for unknown "${path}"`);
  }
});
