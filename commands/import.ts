/**
 * `leger import compose`: a Compose file becomes a quadlet set folder.
 *
 * @module
 */
import type { Command } from "commander";
import type { ImportComposeResult } from "../lib/compose/import.ts";
import { ExitCode, UsageError } from "../lib/core/errors.ts";
import { ImportComposeJson } from "../lib/contract/compose.ts";
import { versioned } from "../lib/contract/versioned.ts";
import { type CliRuntime, contextFor, output } from "./common.ts";

function text(r: ImportComposeResult, verbose: boolean): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    if (f.severity === "info" && !verbose) continue;
    lines.push(`${f.file}:${f.line}: ${f.severity} ${f.key}: ${f.message}`);
    if (f.fix) lines.push(`  fix: ${f.fix}`);
  }
  const counts = `${r.errors} error(s), ${r.warnings} warning(s)`;
  if (!r.written) {
    lines.push(
      r.ok
        ? `${r.name}: would write ${r.out} (${r.files.length} files) for podman >= ${r.podman.needs}; ${counts}`
        : `${r.name}: nothing written; ${counts}`,
    );
    return lines.join("\n");
  }
  lines.push(`${r.name}: wrote ${r.out} (${r.files.length} files) for podman >= ${r.podman.needs}; ${counts}`);
  for (const s of r.services) lines.push(`  ${s.name} -> ${s.unit}`);
  for (const s of r.leftOut) lines.push(`  ${s.name}: left out (profiles ${s.profiles.join(", ")})`);
  if (r.todo.length) lines.push("before installing:", ...r.todo.map((t) => `  ${t}`));
  lines.push(`then: leger install ${r.out}`);
  return lines.join("\n");
}

/** Registers `import compose`. */
export function register(program: Command, runtime: CliRuntime): void {
  const imp = program.command("import").summary("turn another tool's files into a quadlet set");
  imp
    .command("compose")
    .summary("write a quadlet set folder from a Compose file")
    .argument("<path>", "a Compose file, or a folder holding compose.yaml (or docker-compose.yml)")
    .option("--out <dir>", "the set folder to write (default: ./NAME-set)")
    .option("--name <name>", "the set's name (default: the Compose project's name)")
    .option("--env-file <file>", "variables for interpolation instead of the .env beside the file")
    .option("--profile <profile>", "enable a Compose profile (repeat for more)", (v, acc: string[]) => [...acc, v], [])
    .option("--strict", "refuse on warnings too")
    .option("--podman-version <x.y>", "write for this podman version (default: this host's)")
    .option("--setec-prefix <prefix>", "declare the file secrets in .leger.yaml as Setec secrets PREFIX/NAME")
    .option("--replace", "replace the --out folder if it exists")
    .option("--dry-run", "report what would be written; write nothing")
    .action(async (path, options, cmd) => {
      if (options.podmanVersion && !/^\d+\.\d+$/.test(options.podmanVersion)) {
        throw new UsageError(`Cannot use --podman-version ${options.podmanVersion}`, "Give major.minor, e.g. 5.4.");
      }
      const ctx = await contextFor(cmd, runtime);
      const result = await ctx.leger.importCompose(path, {
        ...(options.out ? { out: options.out } : {}),
        ...(options.name ? { name: options.name } : {}),
        ...(options.envFile ? { envFile: options.envFile } : {}),
        profiles: options.profile,
        strict: options.strict === true,
        ...(options.podmanVersion ? { podmanVersion: options.podmanVersion } : {}),
        ...(options.setecPrefix ? { setecPrefix: options.setecPrefix } : {}),
        replace: options.replace === true,
        dryRun: options.dryRun === true,
      });
      output(ctx.opts, versioned(ImportComposeJson, result), () => text(result, ctx.opts.verbose));
      if (!result.ok) Deno.exitCode = ExitCode.invalid;
    });
}
