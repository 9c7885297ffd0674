/**
 * Every `leger ...` command a message, hint or help text tells the user to
 * run exists, with the flags it names. Reads every string literal of the
 * program's source and checks it against the command tree main.ts builds.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import type { Command } from "commander";
import { buildProgram } from "../../main.ts";
import { PROJECT_ROOT } from "./cli_run.ts";

/** The string and template literals of TypeScript source (comments skipped; `${...}` kept as a placeholder). */
export function stringLiterals(source: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = source.length;
  // Whether a "/" here starts a regex literal (after an operator or keyword), not a division.
  const regexMayStart = () => {
    let j = i - 1;
    while (j >= 0 && /\s/.test(source[j]!)) j--;
    if (j < 0) return true;
    const c = source[j]!;
    if ("(,=:[!&|?{};+-*%<>~^".includes(c)) return true;
    return /\b(return|typeof|case|of|in)$/.test(source.slice(Math.max(0, j - 6), j + 1));
  };
  while (i < n) {
    const c = source[i]!;
    if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i + 2);
      i = i < 0 ? n : i + 2;
    } else if (c === "/" && regexMayStart()) {
      i++;
      let inClass = false;
      while (i < n && (source[i] !== "/" || inClass) && source[i] !== "\n") {
        if (source[i] === "\\") i++;
        else if (source[i] === "[") inClass = true;
        else if (source[i] === "]") inClass = false;
        i++;
      }
      i++;
    } else if (c === '"' || c === "'") {
      let s = "";
      i++;
      while (i < n && source[i] !== c) {
        if (source[i] === "\\") s += source[i++];
        s += source[i++];
      }
      i++;
      out.push(s);
    } else if (c === "`") {
      let s = "";
      i++;
      while (i < n && source[i] !== "`") {
        if (source[i] === "\\") {
          s += source[i++]! + source[i++]!;
        } else if (source[i] === "$" && source[i + 1] === "{") {
          // A placeholder: skip the expression (nested braces and strings are rare in messages).
          let depth = 0;
          for (; i < n; i++) {
            if (source[i] === "{") depth++;
            else if (source[i] === "}" && --depth === 0) break;
          }
          i++;
          s += "NAME";
        } else s += source[i++];
      }
      i++;
      out.push(s);
    } else i++;
  }
  return out;
}

/** Words that follow "leger " in prose, not as a command. */
const PROSE = new Set([
  "found",
  "lists",
  "puts",
  "wrote",
  "installs",
  "config",
  "recreates",
  "shows",
  "reports",
  "provide",
  "if",
  "retries",
  "creates",
  "as",
  "writes",
  "fills",
  "syncs",
  "knows",
  "fetches",
  "finds",
  "keeps",
  "now",
  "runs",
  "uses",
  "stages",
  "has",
  "cannot",
  "can",
  "does",
  "is",
  "will",
  "would",
  "was",
  "had",
  "needs",
  "must",
  "installed",
  "removed",
  "command",
  "binary",
  "daemon's",
  "with",
  "to",
  "and",
  "on",
  "in",
  "at",
]);

function commandsOf(program: Command): Map<string, Command> {
  const map = new Map<string, Command>();
  const walk = (cmd: Command, prefix: string) => {
    for (const sub of cmd.commands as Command[]) {
      for (const name of [sub.name(), ...sub.aliases()]) {
        const key = prefix ? `${prefix} ${name}` : name;
        map.set(key, sub);
        walk(sub, key);
      }
    }
  };
  walk(program, "");
  return map;
}

function flagsOf(cmd: Command | undefined): Set<string> {
  const flags = new Set<string>();
  for (let c: Command | null | undefined = cmd; c; c = c.parent as Command | null) {
    for (const o of c.options) {
      if (o.hidden) continue; // kept only to refuse with a hint (the old --force)
      if (o.long) flags.add(o.long);
      if (o.long?.startsWith("--no-")) flags.add(`--${o.long.slice(5)}`);
      if (o.negate && o.long) flags.add(o.long);
    }
    flags.add("--help");
  }
  return flags;
}

async function sourceFiles(): Promise<string[]> {
  const out: string[] = [join(PROJECT_ROOT, "main.ts")];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) await walk(path);
      // lib/workflow/declarations.ts is the API's doc comments carried as one string (generated), not messages.
      else if (
        e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") && !path.endsWith("lib/workflow/declarations.ts")
      ) out.push(path);
    }
  };
  for (const dir of ["lib", "commands", "workflows"]) await walk(join(PROJECT_ROOT, dir));
  return out;
}

/** Problems with the `leger ...` commands and flags named in one literal. */
export function checkLiteral(text: string, commands: Map<string, Command>, program: Command): string[] {
  const problems: string[] = [];
  const allFlags = new Set([...commands.values()].flatMap((c) => [...flagsOf(c)]));
  const mentioned = new Set<string>();
  // "leger WORD [WORD] ...flags" up to the end of the sentence.
  for (
    const m of text.matchAll(
      /\bleger ((?:--?[a-z][\w-]*(?: (?:user|system|\S+))? )*)([a-z][\w'-]*)(?: ([a-z][\w-]*))?((?:(?!\bleger )[^.;:\n])*)/g,
    )
  ) {
    const [, globalsBefore, word, next, rest] = m;
    if (PROSE.has(word!)) continue;
    const two = next && commands.has(`${word} ${next}`) ? `${word} ${next}` : undefined;
    const name = two ?? word!;
    const cmd = commands.get(name);
    if (!cmd) {
      problems.push(`"leger ${word}" is not a command`);
      continue;
    }
    const flags = flagsOf(cmd);
    const tail = `${globalsBefore ?? ""} ${two ? "" : (next ?? "")}${rest ?? ""}`;
    for (const f of tail.matchAll(/(?<![\w-])--[a-z][\w-]*/g)) {
      mentioned.add(f[0]);
      if (!flags.has(f[0])) problems.push(`"leger ${name}" has no ${f[0]}`);
    }
  }
  // A flag the user is told to pass without naming the command must exist on some command
  // (flags of podman, git or systemctl, named with their tool, are theirs).
  if (/\b(podman|git|systemctl|journalctl|loginctl|systemd)\b/.test(text)) return problems;
  for (const f of text.matchAll(/\b(?:[Pp]ass|[Uu]se|[Ww]ith|[Oo]r|[Uu]nless|[Ww]ithout|[Aa]dd) (--[a-z][\w-]*)/g)) {
    if (mentioned.has(f[1]!)) continue;
    if (!allFlags.has(f[1]!) && !flagsOf(program).has(f[1]!)) problems.push(`no command has ${f[1]}`);
  }
  // "or remove the set with --force": a command told as a verb (sentence start, or after or/and/then/to),
  // without "leger", and a flag later in the sentence: the nearest such command must have it.
  for (const sentence of text.split(/[.;:\n]/)) {
    const verbs = [...sentence.matchAll(/(?:^\s*|,\s*|\b(?:or|and|then|to)\s+)([a-z][a-z-]*)\b/gi)]
      .filter((m) =>
        commands.get(m[1]!.toLowerCase())?.parent === program && !/leger\s*$/.test(sentence.slice(0, m.index))
      );
    for (const f of sentence.matchAll(/(?<![\w-])--[a-z][\w-]*/g)) {
      if (mentioned.has(f[0])) continue;
      const verb = verbs.filter((v) => v.index! < f.index!).pop();
      if (!verb) continue;
      const word = verb[1]!.toLowerCase();
      if (!flagsOf(commands.get(word)).has(f[0])) problems.push(`"${word}" has no ${f[0]}`);
    }
  }
  return problems;
}

Deno.test("the literal reader finds strings and templates and skips comments and regexes", () => {
  const src =
    'const a = "x"; // "not me"\nconst r = /"q"/g; const t = `run leger ${n} --dry-run`; /* "no" */ f(\'y\');';
  assert.deepEqual(stringLiterals(src), ["x", "run leger NAME --dry-run", "y"]);
});

Deno.test("the check catches commands and flags that do not exist", async () => {
  const program = await buildProgram({ env: {} });
  const commands = commandsOf(program);
  assert.deepEqual(checkLiteral("remove the set with leger remove web --force.", commands, program), [
    '"leger remove" has no --force',
  ]);
  assert.deepEqual(checkLiteral("Run leger repair web.", commands, program), ['"leger repair" is not a command']);
  assert.deepEqual(checkLiteral("Restore it from a backup or remove the set with --force.", commands, program), [
    '"remove" has no --force',
  ]);
  assert.deepEqual(checkLiteral("Pass --frobnicate to go on.", commands, program), ["no command has --frobnicate"]);
  assert.deepEqual(checkLiteral("See leger logs web; leger workflow eject install --force.", commands, program), []);
  assert.deepEqual(checkLiteral("Run leger --scope system daemon install --now.", commands, program), []);
  assert.deepEqual(checkLiteral("Or use leger install web --force.", commands, program), [
    '"leger install" has no --force',
  ]);
});

Deno.test("every leger command and flag a message, hint or help text names exists", async () => {
  const program = await buildProgram({ env: {} });
  const commands = commandsOf(program);
  const problems: string[] = [];
  let literals = 0;
  for (const file of await sourceFiles()) {
    for (const text of stringLiterals(await Deno.readTextFile(file))) {
      literals++;
      for (const p of checkLiteral(text, commands, program)) {
        problems.push(`${relative(PROJECT_ROOT, file)}: ${p}: ${JSON.stringify(text.slice(0, 160))}`);
      }
    }
  }
  assert.ok(literals > 500, `only ${literals} literals read`);
  assert.deepEqual(problems, []);
});
