/**
 * Puts the prose of text.ts on the command tree: every command gets
 * its description, examples and notes, and shows the global options.
 * Also the walk over the tree that completions, the man page and the
 * tests share.
 *
 * @module
 */
import type { Command, Option } from "commander";
import { HELP } from "./text.ts";
import type { HelpProse } from "./prose.ts";

/** One command of the tree with its path ("" for leger, "daemon install"). */
export interface CommandNode {
  path: string;
  cmd: Command;
}

/** Every visible command, depth first, leger itself first. */
export function walkCommands(program: Command): CommandNode[] {
  const out: CommandNode[] = [];
  const visit = (cmd: Command, path: string): void => {
    out.push({ path, cmd });
    for (const sub of cmd.commands) {
      if ((sub as unknown as { _hidden?: boolean })._hidden) continue;
      visit(sub as unknown as Command, path ? `${path} ${sub.name()}` : sub.name());
    }
  };
  visit(program, "");
  return out;
}

/** The visible options of a command (without the ones inherited from leger). */
export function visibleOptions(cmd: Command): Option[] {
  return cmd.options.filter((o) => !o.hidden) as Option[];
}

/** Wraps one paragraph to `width` columns; lines that start with two spaces stay as they are. */
export function wrapParagraph(text: string, width: number, indent = ""): string {
  if (text.startsWith("  ")) return indent + text;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join("\n");
}

/** The examples and notes as help text, wrapped to `width`. */
export function helpAfter(prose: HelpProse, width: number): string {
  const examples = prose.examples.map(([line, what]) => `${wrapParagraph(`# ${what}`, width, "  ")}\n  ${line}`).join(
    "\n",
  );
  const notes = (prose.notes ?? []).map((n) => wrapParagraph(n, width)).join("\n");
  return `\nExamples:\n${examples}\n${notes ? `\n${notes}\n` : ""}`;
}

function helpWidth(): number {
  try {
    if (Deno.stdout.isTerminal()) return Math.min(Deno.consoleSize().columns, 120);
  } catch { /* not a terminal */ }
  return 80;
}

/** Applies the prose of text.ts to every command of the tree (call after registering them all). */
export function applyHelp(program: Command): void {
  for (const { path, cmd } of walkCommands(program)) {
    cmd.configureHelp({ ...cmd.configureHelp(), sortSubcommands: false, showGlobalOptions: true });
    const prose = HELP[path];
    if (!prose) continue; // the help test names it
    cmd.description(prose.description);
    cmd.addHelpText("after", () => helpAfter(prose, helpWidth()));
  }
}
