/**
 * The Ansible modules' mapping of arguments to leger's flags, read from
 * their source and checked against the real command tree: every flag a
 * module passes exists on the command it passes it to, and every argument
 * a module declares is read somewhere. The mistake this guards against:
 * a choice renamed or split in leger (`--force` became `--replace`,
 * `--accept-warnings` and `--overwrite-edits`) while a caller kept passing
 * the old name, or stopped passing one at all (issue 25, item 2).
 * Needs no Ansible: it reads the files.
 */
import assert from "node:assert/strict";
import type { Command } from "commander";
import { buildProgram } from "../../main.ts";
import { walkCommands } from "../../commands/help/help.ts";

const MODULES = new URL("../../ansible/ansible_collections/leger/leger/plugins/", import.meta.url).pathname;

const program = await buildProgram({ env: {} });
const tree = new Map(walkCommands(program).map((n) => [n.path, n.cmd] as const));

function flagsOf(cmd: Command): Set<string> {
  const all = [...cmd.options, ...program.options];
  return new Set(all.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))));
}

/**
 * The flags each leger command gets from a module: a line `args = ["CMD", ...` (or an inline
 * `run(["CMD", ...`) names the command; the `"--flag"` literals after it, up to the next command, go with it, and
 * those before the first command of a function go with that one. A function that writes `"--no-" + flag[2:]` passes
 * the negated form of each of its flags too.
 */
function mapping(source: string): Array<{ command: string; flag: string; line: number }> {
  const out: Array<{ command: string; flag: string; line: number }> = [];
  const blocks = source.split(/^(?=\s*def )/m);
  let offset = 0;
  for (const block of blocks) {
    const lines = block.split("\n");
    const commandAt = (i: number): string | undefined => {
      const m = lines[i]!.match(/(?:args = |run\()\[\s*"([a-z-]+)"(?:,\s*"([a-z-]+)")?/);
      if (!m) return undefined;
      const two = m[2] && tree.has(`${m[1]} ${m[2]}`) ? `${m[1]} ${m[2]}` : m[1]!;
      return tree.has(two) ? two : undefined;
    };
    const first = lines.map((_, i) => commandAt(i)).find((c) => c !== undefined);
    let current = first;
    const negates = block.includes('"--no-" + flag[2:]');
    lines.forEach((line, i) => {
      current = commandAt(i) ?? current;
      for (const m of line.matchAll(/"(--[a-z][a-z-]*[a-z])"/g)) {
        if (!current) throw new Error(`line ${offset + i + 1}: ${m[1]} outside any leger command`);
        const at = offset + i + 1;
        out.push({ command: current, flag: m[1]!, line: at });
        if (negates && m[1] !== "--dry-run") out.push({ command: current, flag: `--no-${m[1]!.slice(2)}`, line: at });
      }
    });
    offset += lines.length - 1;
  }
  return out;
}

const files = [...Deno.readDirSync(`${MODULES}modules`)].filter((e) => e.name.endsWith(".py")).map((e) => e.name);

Deno.test("the Ansible modules are read: three modules, each passing flags to leger", () => {
  assert.deepEqual(files.sort(), ["leger_backup.py", "leger_info.py", "leger_set.py"]);
  const set = mapping(Deno.readTextFileSync(`${MODULES}modules/leger_set.py`));
  assert.ok(set.some((m) => m.command === "install" && m.flag === "--replace"), JSON.stringify(set));
  assert.ok(set.some((m) => m.command === "policy set" && m.flag === "--no-window"), JSON.stringify(set));
});

for (const file of files) {
  Deno.test(`ansible ${file}: every flag it passes exists on the leger command it passes it to`, () => {
    const source = Deno.readTextFileSync(`${MODULES}modules/${file}`);
    for (const { command, flag, line } of mapping(source)) {
      const known = flagsOf(tree.get(command)!);
      assert.ok(known.has(flag), `${file}:${line}: leger ${command} has no ${flag} (it has ${[...known].join(" ")})`);
    }
  });

  Deno.test(`ansible ${file}: every argument it declares is read`, () => {
    const source = Deno.readTextFileSync(`${MODULES}modules/${file}`);
    const shared = Deno.readTextFileSync(`${MODULES}module_utils/leger.py`);
    const spec = source.slice(source.indexOf("argument_spec = dict("), source.indexOf("AnsibleModule("));
    const common = shared.slice(shared.indexOf("COMMON_ARGS = dict("));
    const declared = [...`${spec}\n${common.slice(0, common.indexOf("\n)"))}`.matchAll(/(\w+)=dict\(type=/g)]
      .map((m) => m[1]!);
    assert.ok(declared.includes("scope"), `${file}: ${declared.join(", ")}`);
    for (const arg of declared) {
      // p["x"], params.get("x"), or a table row ("x", "--flag") read in a loop
      const read = new RegExp(`p(?:arams)?(?:\\["${arg}"\\]|\\.get\\("${arg}"\\))|\\("${arg}", "--`);
      assert.ok(read.test(source) || read.test(shared), `${file}: argument ${arg} is declared but never read`);
    }
  });
}
