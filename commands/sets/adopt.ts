/**
 * `leger adopt` and `leger export`: quadlets a host already runs become a
 * set, and a set becomes a folder ready to commit.
 *
 * @module
 */
import type { Command } from "commander";
import type { AdoptResult, ExportResult } from "../../mod.ts";
import { AdoptJson, ExportJson } from "../../lib/contract/adopt.ts";
import { versioned } from "../../lib/contract/versioned.ts";
import { type CliRuntime, contextFor, output } from "../common.ts";

function adoptText(r: AdoptResult): string {
  const lines: string[] = [];
  for (const s of r.sets) {
    lines.push(
      `${s.name}: ${r.dryRun ? "would adopt" : "adopted"} ${s.files.length} file(s) in ${s.dir} (${s.grouping})`,
      ...s.files.map((f) => `  ${f.name.padEnd(32)} ${f.kind}`),
      `  units: ${s.units.join(", ") || "none"}`,
    );
  }
  lines.push(
    r.dryRun
      ? "Nothing changed. Run it again without --dry-run to adopt."
      : "Nothing was restarted. From now on: leger status, backup, validate, remove work on them; leger export NAME DIR gives them a source.",
  );
  return lines.join("\n");
}

function exportText(r: ExportResult): string {
  return [
    `${r.name}: wrote ${r.files.length} file(s) to ${r.dir}${r.keptLegerYaml ? "" : " (with a new .leger.yaml)"}`,
    ...(r.secrets.length ? [`  secrets the units use: ${r.secrets.join(", ")} (see .leger.yaml)`] : []),
    `next: put ${r.dir} in Git, then leger install SOURCE --name ${r.name} --replace`,
  ].join("\n");
}

/** Registers `adopt` and `export`. */
export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("adopt")
    .summary("make quadlets this host already runs a set, restarting nothing")
    .argument("<what...>", "a group name from leger list --all, a unit file (web.container) or a unit (web.service)")
    .option("--dry-run", "show the groups and files that would be adopted; change nothing")
    .action(async (what: string[], options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const result = await ctx.leger.adopt(what, { dryRun: options.dryRun === true });
      output(ctx.opts, versioned(AdoptJson, result), () => adoptText(result));
    });
  program
    .command("export")
    .summary("write a set out as a folder ready to commit, with a .leger.yaml")
    .argument("<name>", "an installed or adopted set")
    .argument("<dir>", "the folder to write (new or empty)")
    .option("--overwrite", "write into a folder that is not empty (files of the same name are replaced)")
    .action(async (name: string, dir: string, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const result = await ctx.leger.exportSet(name, dir, { overwrite: options.overwrite === true });
      output(ctx.opts, versioned(ExportJson, result), () => exportText(result));
    });
}
