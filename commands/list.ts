/**
 * `leger list` (alias `ls`): its text, and the whole command as main.ts
 * runs it before commander loads (decision 46 in docs/ARCHITECTURE.md).
 * Nothing here loads an npm library: the manifests are checked against
 * their JSON Schema (zod only for one that does not conform), and
 * busctl or systemctl runs directly rather than through dax, read by the
 * same functions as the engine's (lib/ops/query/list.ts `listSets`,
 * lib/host/systemd_state.ts `unitStates`). `leger list --help`
 * and any option this does not know go to commander (commands/sets/sets.ts),
 * which prints the same rows through the same functions.
 *
 * @module
 */
import { LIST_JSON_VERSION } from "../lib/contract/versions.ts";
import { parseGlobalArgv } from "../lib/core/global_argv.ts";
import { printJson, printOut, stdoutColor } from "../lib/core/log.ts";
import { listSets } from "../lib/leger.ts";
import type { SetRow } from "../mod.ts";
import { type Scope, usableScopePaths } from "../lib/core/paths.ts";
import { runPlain, unitStates } from "../lib/host/systemd_state.ts";
import { table } from "./table.ts";
import type { UnownedRow } from "../mod.ts";

function short(commit?: string): string {
  return commit ? commit.slice(0, 12) : "-";
}

/** What `leger list --all` adds: the groups no set owns. */
function unownedText(groups: UnownedRow[]): string[] {
  if (groups.length === 0) return ["", "No quadlets outside the sets."];
  return [
    "",
    `Not owned by a set (leger adopt NAME takes one; --dry-run shows its files):`,
    table(
      ["NAME", "STATE", "UNITS", "GROUPED BY", "FOLDER"],
      groups.map((g) => [g.name, g.state, g.units.map((u) => u.unit).join(" ") || "-", g.grouping, g.dir]),
    ),
  ];
}

/** What `leger list` prints for rows, without --json (with `unowned`, what `--all` adds). */
export function listText(rows: SetRow[], scope: Scope, unowned?: UnownedRow[]): string {
  if (unowned) return [listText(rows, scope), ...unownedText(unowned)].join("\n");
  if (rows.length === 0) return `No sets installed (${scope} scope). Install one with: leger install <source>`;
  return [
    table(
      ["NAME", "STATE", "UNITS", "VERSION", "COMMIT", "SOURCE"],
      rows.map((r) => [r.name, r.state, String(r.units.length), r.version ?? "-", short(r.commit), r.source]),
    ),
    ...rows.filter((r) => r.problem).flatMap((r) => [
      "",
      `${r.name} is broken: ${r.problem}`,
      ...(r.hint ? [`  fix: ${r.hint}`] : []),
    ]),
  ].join("\n");
}

/** What `leger list --json` prints (lib/contract/sets.ts `ListJson`). */
export function listJson(rows: SetRow[]): { version: number; sets: SetRow[] } {
  return { version: LIST_JSON_VERSION, sets: rows };
}

/** The options of a `leger list` line main.ts can run itself, or undefined for commander. */
export function parseListArgv(argv: readonly string[]): { scope: Scope; json: boolean } | undefined {
  const g = parseGlobalArgv(argv, ["list", "ls"]);
  return g ? { scope: g.scope, json: g.json } : undefined;
}

/** Runs `leger list` and prints it. */
async function runList(options: { scope: Scope; json: boolean; env: Record<string, string> }): Promise<void> {
  const paths = usableScopePaths(options.scope, options.env);
  const rows = await listSets({
    scope: options.scope,
    paths,
    // The text needs only each unit's load, active and sub state; --json prints every field. Programs are found
    // on the user's PATH as every program leger starts is (lib/host/program_path.ts).
    states: (units) =>
      unitStates(options.scope, units, (argv) => runPlain(argv, options.env.PATH), { quick: !options.json }),
  });
  if (options.json) printJson(listJson(rows));
  else printOut(listText(rows, options.scope), stdoutColor());
}

/** main.ts's early path: runs a plain `leger list` line and returns true, or false for commander. */
export async function runEarly(argv: string[], env: Record<string, string>): Promise<boolean> {
  const list = parseListArgv(argv);
  if (!list) return false;
  await runList({ ...list, env });
  return true;
}
