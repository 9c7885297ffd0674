/**
 * `leger validate` and `leger check-conflicts`: flags, one call through the
 * operations' door (lib/ops/check/validate_target.ts does the work), and the
 * report as text, JSON or SARIF.
 *
 * @module
 */
import type { Command } from "commander";
import { ExitCode, UsageError } from "../lib/core/errors.ts";
import { useColor } from "../lib/core/color.ts";
import { jsonTextForTerminal } from "../lib/core/escape.ts";
import { stdoutColor, writeStdout } from "../lib/core/log.ts";
import { formatText, toJson, toSarif } from "../lib/quadlet/report/report.ts";
import { flatten, formatRepositoryText, toRepositoryJson } from "../lib/quadlet/repository.ts";
import denoJson from "../deno.json" with { type: "json" };
import { ConflictsOfSetJson, ConflictUsesJson } from "../lib/contract/misc.ts";
import { versioned } from "../lib/contract/versioned.ts";
import { type CliRuntime, contextFor, output } from "./common.ts";
import { table } from "./table.ts";

function write(text: string): void {
  writeStdout(new TextEncoder().encode(text + "\n"));
}

/** Registers `validate` and `check-conflicts`. */
export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("validate")
    .summary("check quadlets as podman reads them, and more; change nothing")
    .argument(
      "<target>",
      "a folder, a unit file, a .quadlets bundle, an installed set's name, a source URL, or a repository folder whose subfolders are sets",
    )
    .option("--sarif", "print SARIF 2.1.0 (for code-scanning tools) instead of text")
    .option("--strict", "count warnings as errors")
    .option("--podman-version <x.y>", "check keys against this podman version instead of the host's")
    .option("--no-host", "do not ask this host (ports, paths, secrets, generator): for CI")
    .action(async (target, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      if (options.podmanVersion && !/^\d+\.\d+$/.test(options.podmanVersion)) {
        throw new UsageError(`Cannot use --podman-version ${options.podmanVersion}`, "Give major.minor, e.g. 5.4.");
      }
      const strict = options.strict === true;
      const r = await ctx.ops.validateTarget(target, {
        podmanVersion: options.podmanVersion,
        host: options.host !== false,
        strict,
      });
      const sarif = { version: denoJson.version, ...(r.sarifRoot ? { root: r.sarifRoot } : {}) };
      if (r.kind === "repository") {
        if (options.sarif) write(toSarif(flatten(r.report, strict), sarif));
        else if (ctx.opts.json) write(toRepositoryJson(r.report));
        else output(ctx.opts, r.report, () => formatRepositoryText(r.report, { color: useColor(Deno.stdout) }));
        if (!r.report.ok) Deno.exitCode = ExitCode.invalid;
        return;
      }
      const report = r.report;
      const json = (text: string) => write(jsonTextForTerminal(text));
      if (options.sarif) json(toSarif(report, sarif));
      else if (ctx.opts.json) json(toJson(report));
      else output(ctx.opts, report, () => formatText(report, { color: stdoutColor() }));
      if (!report.ok) Deno.exitCode = ExitCode.invalid;
    });

  program
    .command("check-conflicts")
    .summary("who uses host port N or volume V? what does a set clash with?")
    .argument("[name]", "an installed set: show what it clashes with")
    .option("--port <n>", "which installed sets publish this host port")
    .option("--volume <v>", "which installed sets use this podman volume (or .volume file)")
    .action(async (name, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      if (options.port !== undefined || options.volume !== undefined) {
        const port = options.port === undefined ? undefined : Number(options.port);
        if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
          throw new UsageError(`Cannot look up port ${options.port}`, "Give a port number from 1 to 65535.");
        }
        const uses = await ctx.ops.findUses(name, {
          ...(port !== undefined ? { port } : {}),
          ...(options.volume ? { volume: options.volume } : {}),
        });
        output(
          ctx.opts,
          versioned(ConflictUsesJson, { uses }),
          () =>
            uses.length
              ? table(["SET", "FILE", "LINE", "USES"], uses.map((u) => [u.set, u.file, String(u.line), u.what]))
              : "no installed set uses it",
        );
        return;
      }
      if (!name) throw new UsageError("Cannot check conflicts: name a set, or give --port or --volume");
      const conflicts = await ctx.ops.conflictsOf(name);
      output(
        ctx.opts,
        versioned(ConflictsOfSetJson, { name, conflicts }),
        () =>
          conflicts.length
            ? conflicts.map((d) => `${d.file}:${d.line}: ${d.severity} ${d.code}: ${d.message}`).join("\n")
            : `${name}: no conflicts with other installed sets`,
      );
    });
}
