/**
 * Staged updates: stage, staged, diff, apply, discard, update.
 *
 * @module
 */
import type { UpdateFlags } from "../../workflows/update.ts";
import type { Command } from "commander";
import { parseDuration } from "../../lib/core/duration.ts";
import { useColor } from "../../lib/core/color.ts";
import type { ApplyResult } from "../../mod.ts";
import {
  type CliRuntime,
  type CommandContext,
  contextFor,
  oldForceOption,
  output,
  refuseOldForce,
  runCommandWorkflow,
} from "../common.ts";
import { table } from "../table.ts";
import { versioned } from "../../lib/contract/versioned.ts";
import { ApplyJson, DiffJson, DiscardJson, StagedJson, StageJson, UpdateNowJson } from "../../lib/contract/updates.ts";
import type { CycleResult } from "../../lib/gitops/updater.ts";
import { boundedList } from "../../lib/core/bounded_list.ts";

const short = (x: { commit?: string; version?: string }) =>
  [x.version ? `v${x.version}` : "", x.commit?.slice(0, 12) ?? ""].filter(Boolean).join(" ") || "-";

function applied(results: ApplyResult[]): string {
  return results.map((r) =>
    `${r.name}: ${r.outcome} ${short(r.from)} -> ${short(r.to)}${r.backupId ? ` (backup ${r.backupId})` : ""}` +
    (r.outcome === "planned"
      ? `\n  would restart: ${boundedList(r.impact.restart) || "-"}; start: ${
        boundedList(r.impact.start) || "-"
      }; stop: ${boundedList(r.impact.stop) || "-"}`
      : "")
  ).join("\n") || "nothing staged";
}

/** Registers the update commands. */
export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("stage")
    .summary("fetch and check a new version of a set (or all); keep it aside")
    .argument("<name|all>", "installed set, or all")
    .option("--ref <ref>", "stage this branch, tag or commit instead of the installed one")
    .option("--accept-warnings", "stage despite validation warnings (never errors)")
    .option("--allow-unsigned", "stage a commit the trust rule refuses (config.yaml trust:); apply needs it too")
    .option("--dry-run", "fetch, check and diff against the installed set; stage nothing, write nothing")
    .addOption(oldForceOption())
    .action(async (target, options, cmd) => {
      refuseOldForce(options, "--accept-warnings");
      const ctx = await contextFor(cmd, runtime);
      const dryRun = options.dryRun === true;
      const results = await ctx.leger.stage(target, {
        ...(options.ref ? { ref: options.ref } : {}),
        acceptWarnings: options.acceptWarnings === true,
        allowUnsigned: options.allowUnsigned === true,
        dryRun,
      });
      // A dry run shows each change as `leger diff` would; the diff's text comes through the door too.
      const diffs = ctx.opts.json || !dryRun
        ? []
        : await Promise.all(results.map((r) => r.changed && r.diff ? ctx.leger.formatDiff(r.diff) : undefined));
      output(
        ctx.opts,
        versioned(StageJson, { sets: results }),
        () =>
          results.map((r, i) =>
            !r.changed
              ? `${r.name}: no change`
              : diffs[i] !== undefined
              ? diffs[i]
              : `${r.name}: staged ${short(r.from)} -> ${short(r.to)} (leger diff ${r.name})`
          ).join("\n") || "no sets installed",
      );
    });

  program
    .command("staged")
    .summary("list staged versions")
    .action(async (_o, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const rows = await ctx.leger.staged();
      output(
        ctx.opts,
        versioned(StagedJson, { sets: rows }),
        () =>
          rows.length
            ? table(
              ["NAME", "INSTALLED", "STAGED", "STAGED AT"],
              rows.map((r) => [r.name, short(r.from), short(r.to), r.stagedAt]),
            )
            : "nothing staged",
      );
    });

  program
    .command("diff")
    .summary("show what applying the staged version would change")
    .argument("<name>", "installed set with a staged version")
    .option("--color", "color the diff (default when stdout is a terminal)")
    .option("--no-color", "never color")
    .action(async (name, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const d = await ctx.leger.diff(name);
      const color = useColor(Deno.stdout, options.color === undefined ? {} : { explicit: options.color });
      const text = ctx.opts.json ? "" : await ctx.leger.formatDiff(d, { color });
      output(ctx.opts, versioned(DiffJson, d), () => text, color);
    });

  program
    .command("apply")
    .summary("apply a staged version: backup, install, restart what changed, roll back if unhealthy")
    .argument("<name|all>", "set with a staged version, or all staged")
    .option("--no-backup", "skip the automatic backup (files still roll back; volume data does not)")
    .option(
      "--health-timeout <duration>",
      "how long the units may take to come up, e.g. 45s (default: health-timeout in the config, 30s)",
    )
    .option("--overwrite-edits", "overwrite installed files edited by hand (warnings still refuse)")
    .option("--accept-warnings", "go ahead despite validation warnings (never errors; keeps refusing over hand edits)")
    .option("--allow-unsigned", "apply a version the trust rule refuses (config.yaml trust:); recorded as not verified")
    .addOption(oldForceOption())
    .option("--dry-run", "show what would restart; change nothing")
    .action(async (target, options, cmd) => {
      refuseOldForce(
        options,
        "--overwrite-edits to overwrite hand edits, --accept-warnings to go ahead despite warnings",
      );
      const ctx = await contextFor(cmd, runtime);
      const results = await ctx.leger.apply(target, {
        noBackup: options.backup === false,
        ...(options.healthTimeout ? { healthTimeoutMs: parseDuration(options.healthTimeout, "--health-timeout") } : {}),
        overwriteEdits: options.overwriteEdits === true,
        acceptWarnings: options.acceptWarnings === true,
        allowUnsigned: options.allowUnsigned === true,
        dryRun: options.dryRun === true,
      });
      output(ctx.opts, versioned(ApplyJson, { sets: results }), () => applied(results));
    });

  program
    .command("discard")
    .summary("drop a staged version (or all)")
    .argument("<name|all>", "set, or all")
    .action(async (target, _o, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const dropped = await ctx.leger.discard(target);
      output(
        ctx.opts,
        versioned(DiscardJson, { discarded: dropped }),
        () => (dropped.length ? `discarded: ${boundedList(dropped)}` : "nothing was staged"),
      );
    });

  program
    .command("update")
    .summary("stage, show the diff, confirm, apply (the update workflow)")
    .argument("[names...]", "sets to update (default: all)")
    .option("--ref <ref>", "update to this branch, tag or commit")
    .option("--no-backup", "skip the automatic backup")
    .option(
      "--health-timeout <duration>",
      "how long the units may take to come up, e.g. 45s (default: health-timeout in the config, 30s)",
    )
    .option("--overwrite-edits", "overwrite installed files edited by hand (warnings still refuse)")
    .option("--accept-warnings", "go ahead despite validation warnings (never errors; keeps refusing over hand edits)")
    .option("--allow-unsigned", "take a commit the trust rule refuses (config.yaml trust:); recorded as not verified")
    .addOption(oldForceOption())
    .option("--dry-run", "fetch, check and show the diffs; stage nothing, change nothing")
    .option(
      "--now",
      "ask the running daemon to check these sets now, by their update policy (unattended: no prompt, no diff); without a daemon, check them here",
    )
    .action(async (names, options, cmd) => {
      refuseOldForce(
        options,
        "--overwrite-edits to overwrite hand edits, --accept-warnings to go ahead despite warnings",
      );
      const ctx = await contextFor(cmd, runtime);
      if (options.now) {
        const results = await updateNow(ctx, names);
        output(
          ctx.opts,
          versioned(UpdateNowJson, { checked: results }),
          () =>
            table(["NAME", "RESULT", "COMMIT"], results.map((r) => [r.name, r.result, r.commit?.slice(0, 12) ?? "-"])),
        );
        return;
      }
      const flags: UpdateFlags = {
        "no-backup": options.backup === false,
        "overwrite-edits": options.overwriteEdits === true,
        "accept-warnings": options.acceptWarnings === true,
        "allow-unsigned": options.allowUnsigned === true,
        ...(options.healthTimeout
          ? { "health-timeout-ms": String(parseDuration(options.healthTimeout, "--health-timeout")) }
          : {}),
      };
      if (options.ref) flags.ref = options.ref;
      const results = await runCommandWorkflow(ctx, "update", names, flags, options.dryRun === true) as ApplyResult[];
      output(ctx.opts, versioned(ApplyJson, { sets: results }), () => (results.length ? applied(results) : ""));
    });
}

/** `leger update --now`: the daemon's update check for these sets, through the daemon when one runs. */
async function updateNow(ctx: CommandContext, names: string[]): Promise<CycleResult[]> {
  const { daemonUpdate } = await import("../../lib/daemon/control_client.ts");
  const viaDaemon = await daemonUpdate(ctx.engine.paths, names) as CycleResult[] | undefined;
  if (viaDaemon) return viaDaemon.filter((r) => r.result !== "off" || names.includes(r.name));
  ctx.log.info("no leger daemon answers: checking here");
  const { updateCycle } = await import("../../lib/gitops/updater.ts");
  const { listManifests } = await import("../../lib/state/manifest.ts");
  const all = names.length ? names : (await listManifests(ctx.engine.paths)).map((m) => m.name);
  const { runHook } = await import("../../lib/workflow/hooks.ts");
  const { unattendedOps } = await import("../../lib/leger.ts");
  const results = await updateCycle(ctx.engine, unattendedOps(ctx.engine), {
    force: all,
    onEvent: async (event) => void await runHook(ctx.engine, ctx.leger, event),
  });
  return results.filter((r) => r.result !== "off" || names.includes(r.name));
}
