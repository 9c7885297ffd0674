/**
 * `leger install`.
 *
 * @module
 */
import type { Command } from "commander";
import { parseDuration } from "../../lib/core/duration.ts";
import type { InstallResult } from "../../mod.ts";
import type { AssignedInstall, InstallFlags } from "../../workflows/install.ts";
import { versioned } from "../../lib/contract/versioned.ts";
import { InstallAssignedJson, InstallOneJson } from "../../lib/contract/sets.ts";
import { type CliRuntime, contextFor, oldForceOption, output, refuseOldForce, runCommandWorkflow } from "../common.ts";

function describe(result: InstallResult): string {
  const m = result.manifest;
  const signed = m.trust?.verified && m.trust.signer?.name ? ` (signed by ${m.trust.signer.name})` : "";
  const at = m.source.commit ? ` at ${m.source.commit.slice(0, 12)}${signed}` : "";
  return result.dryRun
    ? `${m.name}: would install ${m.units.join(", ")}${at}`
    : `${m.name}: installed${at}; ${
      result.started.length ? `running ${result.started.join(", ")}` : "units not started"
    }`;
}

/** Registers `install`. */
export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("install")
    .summary("install a quadlet set from Git or a folder and start it")
    .argument("<source>", "Git URL, forge tree URL, folder, or a set's name in the catalogs (NAME or CATALOG/NAME)")
    .option("--name <name>", "install under this name (default: .leger.yaml name, else the folder's name)")
    .option("--ref <ref>", "branch, tag or commit to fetch instead of the source's")
    .option("--catalog <source>", "look NAME up in this catalog (Git URL or folder) instead of those in config.yaml")
    .option("--no-start", "put the files in place but do not start the units")
    .option("--dry-run", "fetch and check, show what would be done, change nothing")
    .option("--replace", "replace an installed set of the same name (warnings still refuse)")
    .option("--accept-warnings", "go ahead despite validation warnings (never errors; does not replace a set)")
    .option(
      "--allow-unsigned",
      "install a commit the trust rule refuses (config.yaml trust:); recorded as not verified",
    )
    .addOption(oldForceOption())
    .option(
      "--health-timeout <duration>",
      "how long units may take to come up, e.g. 45s (default: health-timeout in the config, 30s)",
    )
    .action(async (source, options, cmd) => {
      refuseOldForce(options, "--replace to replace an installed set, --accept-warnings to go ahead despite warnings");
      const ctx = await contextFor(cmd, runtime);
      const flags: InstallFlags = {
        replace: options.replace === true,
        "accept-warnings": options.acceptWarnings === true,
        "no-start": options.start === false,
        "allow-unsigned": options.allowUnsigned === true,
        ...(options.healthTimeout
          ? { "health-timeout-ms": String(parseDuration(options.healthTimeout, "--health-timeout")) }
          : {}),
      };
      if (options.name) flags.name = options.name;
      if (options.ref) flags.ref = options.ref;
      if (options.catalog) flags.catalog = options.catalog;
      const result = await runCommandWorkflow(
        ctx,
        "install",
        [source],
        flags,
        options.dryRun === true,
      ) as InstallResult | AssignedInstall;
      output(
        ctx.opts,
        "sets" in result ? versioned(InstallAssignedJson, result) : versioned(InstallOneJson, result),
        () => {
          if (!("sets" in result)) return describe(result);
          const head = `host ${result.host.name}: ${result.sets.length} set(s) from ${result.file}`;
          return [
            head,
            ...result.sets.map((s) =>
              s.result
                ? describe(s.result)
                : `${s.name}: already installed from this repository (leger update ${s.name})`
            ),
          ].join("\n");
        },
      );
    });
}
