/**
 * Every example in `--help` (commands/help/text.ts, also the man page and
 * completions' source) is a line leger takes: its arguments parse with the
 * real command tree, and each set name, backup id, source, duration,
 * window, version and choice in it has the shape leger itself makes or
 * accepts. The fact: `leger restore --help` showed the id
 * `20260601T120000Z-manual`, which leger never makes (issue 25, item 5).
 */
import assert from "node:assert/strict";
import type { Command } from "commander";
import { buildProgram } from "../../main.ts";
import { walkCommands } from "./help.ts";
import { HELP } from "./text.ts";
import { newBackupId } from "../../lib/backup/info.ts";
import { checkSetName } from "../../lib/ops/set_lookup.ts";
import { parseSource } from "../../lib/source/spec.ts";
import { parseDuration } from "../../lib/core/duration.ts";
import { parseWindow } from "../../lib/policy/calendar.ts";
import { UpdatePolicy } from "../../lib/meta/set_meta.ts";
import { BUILTIN_WORKFLOWS } from "../builtin_workflows.ts";

/** The leger command line of an example: no sudo, no VAR=value, no pipe or redirection; `source <(...)` opened. */
export function legerArgv(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  const text = line.replace(/^source <\((.*)\)$/, "$1");
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word = (word ?? "") + ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= "";
    } else if (ch === " ") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if ("|><;&".includes(ch)) {
      break;
    } else word = (word ?? "") + ch;
  }
  if (quote === undefined && word !== undefined) words.push(word);
  while (words[0] === "sudo" || /^[A-Z_]+=/.test(words[0] ?? "")) words.shift();
  assert.equal(words.shift(), "leger", `not a leger command: ${line}`);
  return words;
}

interface Parsed {
  path: string;
  cmd: Command;
  args: unknown[];
  opts: Record<string, unknown>;
}

/** The command tree, its actions replaced by a recorder: parsing an example runs nothing. */
async function parser(): Promise<(argv: string[]) => Promise<Parsed>> {
  const program = await buildProgram({ env: {} });
  let parsed: Parsed | undefined;
  let said = "";
  for (const { path, cmd } of walkCommands(program)) {
    cmd.configureOutput({ writeOut: (s) => (said += s), writeErr: (s) => (said += s) });
    cmd.exitOverride();
    cmd.action((...all: unknown[]) => {
      const self = all.at(-1) as Command;
      parsed = { path, cmd: self, args: all.slice(0, -2), opts: self.optsWithGlobals() };
    });
  }
  return async (argv) => {
    parsed = undefined;
    said = "";
    try {
      await program.parseAsync(argv, { from: "user" });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${said}`);
    }
    assert.ok(parsed, `no command ran for: leger ${argv.join(" ")}`);
    return parsed;
  };
}

/** A backup id exactly as leger makes them (lib/backup/info.ts newBackupId), e.g. 2026-05-01T10-00-00-000Z. */
function isBackupId(id: string): boolean {
  const iso = id.replace(/^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z$/, "$1T$2:$3:$4.$5Z");
  const at = new Date(iso);
  return !Number.isNaN(at.getTime()) && newBackupId(at) === id;
}

const setName = (v: string) => void checkSetName(v);
const setOrAll = (v: string) => v === "all" || setName(v);

/** How each argument and each option value is checked, by its name in the command tree. */
/** A path as a user types it: ./x, ../x, /x, ~/x, ".", or a plain relative name such as compose.yaml. */
const EXAMPLE_PATH = (v: string) => assert.match(v, /^(\.{1,2}(\/|$)|\/|~\/|[\w-][\w.-]*(\/|$))/, `a path: ${v}`);
const ARGUMENTS: Record<string, (value: string, path: string) => void> = {
  name: (v, path) => {
    if (path === "secrets sync") assert.match(v, /^(leger\/[\w./-]+|[\w.-]+)$/, `a secret name: ${v}`);
    else if (path === "workflow eject") assert.ok(v in BUILTIN_WORKFLOWS, `a built-in workflow: ${v}`);
    else setName(v);
  },
  "name|all": setOrAll,
  names: setName,
  id: (v) => assert.ok(isBackupId(v), `${v} is not a backup id leger makes (like ${newBackupId(new Date(0))})`),
  source: (v) => void parseSource(v),
  target: (v) => v.startsWith(".") || v.startsWith("/") ? undefined : void parseSource(v),
  workflow: (v) => assert.ok(v.endsWith(".ts") || v in BUILTIN_WORKFLOWS, `a .ts file or a workflow name: ${v}`),
  args: () => {},
  term: (v) => assert.match(v, /^[\w. -]+$/, `a search term: ${v}`),
  // An installed set, a set a catalog offers (NAME, CATALOG/NAME), or a source as install takes it.
  "name|source": (v) => /^([\w.-]+\/)?[\w.-]+$/.test(v) ? undefined : void parseSource(v),
  path: EXAMPLE_PATH,
  dir: EXAMPLE_PATH,
  what: (v) => assert.match(v, /^[\w.-]+(@[\w.-]*)?(\.[a-z]+)?$/, `a group, unit file or unit: ${v}`),
  shell: () => {}, // commander checks the choices
};
const OPTIONS: Record<string, (value: string) => void> = {
  name: setName,
  catalog: (v) => void parseSource(v),
  ref: (v) => assert.match(v, /^[\w./-]+$/, `a git ref: ${v}`),
  healthTimeout: (v) => void parseDuration(v),
  interval: (v) => void parseDuration(v),
  window: (v) => void parseWindow(v),
  follow: (v) => assert.ok(UpdatePolicy.shape.follow.safeParse(v).success, `--follow ${v}`),
  podmanVersion: (v) => assert.match(v, /^\d+\.\d+$/),
  lines: (v) => assert.match(v, /^\d+$/),
  port: (v) => assert.match(v, /^\d{1,5}$/),
  volume: (v) => assert.match(v, /^[\w.-]+$/),
  policy: (v) => assert.ok(UpdatePolicy.shape.policy.safeParse(v).success, `--policy ${v}`),
  reason: () => {},
  out: (v) => EXAMPLE_PATH(v),
  envFile: (v) => EXAMPLE_PATH(v),
  profile: (v) => assert.match(v, /^[a-z0-9][a-z0-9_.-]*$/, `a Compose profile name: ${v}`),
  setecPrefix: (v) => assert.match(v, /^[\w.-]+(\/[\w.-]+)*\/?$/, `a Setec name prefix: ${v}`),
};

const parse = await parser();
const examples = Object.entries(HELP).flatMap(([path, p]) => p.examples.map(([line]) => ({ path, line })));

Deno.test("the help has examples to check", () => {
  assert.ok(examples.length >= 60, `${examples.length} examples`);
});

for (const { path, line } of examples) {
  Deno.test(`help of "leger ${path}": ${line}`, async () => {
    const argv = legerArgv(line);
    const r = await parse(argv);
    if (path) {
      assert.ok(r.path === path || r.path.startsWith(`${path} `), `the example of "${path}" runs "leger ${r.path}"`);
    }
    r.cmd.registeredArguments.forEach((a, i) => {
      const check = ARGUMENTS[a.name()];
      assert.ok(check, `no check for the argument <${a.name()}> of "${r.path}": add one`);
      const values = r.args[i] === undefined ? [] : a.variadic ? r.args[i] as string[] : [r.args[i] as string];
      for (const v of values) check(v, r.path);
    });
    for (const o of r.cmd.options) {
      const value = r.opts[o.attributeName()];
      if (typeof value !== "string" || o.defaultValue === value || o.argChoices) continue; // commander checks choices
      const check = OPTIONS[o.attributeName()];
      assert.ok(check, `no check for the value of ${o.long} of "${r.path}": add one`);
      check(value);
    }
  });
}

Deno.test("the checks refuse what leger does not make (they can fail)", async () => {
  assert.equal(isBackupId("20260601T120000Z-manual"), false);
  assert.equal(isBackupId("2026-05-01T10-00-00-000Z"), true);
  assert.equal(isBackupId("2026-13-01T10-00-00-000Z"), false);
  assert.throws(() => setName("web site"));
  await assert.rejects(parse(legerArgv("leger restore web --force")), /unknown option/);
  await assert.rejects(parse(legerArgv("leger --scope root list")), /Allowed choices/);
  assert.throws(() => OPTIONS.policy!("sometimes"));
  assert.deepEqual(legerArgv("sudo X=1 leger a 'b c' \"d\" | less"), ["a", "b c", "d"]);
  assert.deepEqual(legerArgv("source <(leger completion bash)"), ["completion", "bash"]);
});
