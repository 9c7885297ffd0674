/**
 * Backups: backup (and backup prune), backups, restore.
 *
 * @module
 */
import type { BackupFlags } from "../workflows/backup.ts";
import { type Command, Option } from "commander";
import { ask } from "../lib/core/escape.ts";
import { parseDuration } from "../lib/core/duration.ts";
import { ExitCode, LegerError, UsageError } from "../lib/core/errors.ts";
import type { BackupInfo } from "../lib/backup/info.ts";
import { BackupsJson, PruneJson, RestoreJson } from "../lib/contract/backups.ts";
import { versioned } from "../lib/contract/versioned.ts";
import { boundedList } from "../lib/core/bounded_list.ts";
import { humanSize } from "../lib/core/progress/meter.ts";
import { type CliRuntime, contextFor, output, runCommandWorkflow } from "./common.ts";
import { table } from "./table.ts";
import { recoverInBackground } from "./background.ts";

/** How long ago an ISO time was, in one unit (`5m`, `3h`, `2d`). */
export function humanAge(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function describe(b: BackupInfo): string {
  const skipped = b.binds.filter((x) => !x.archived).map((x) => x.hostPath);
  return `${b.name}: backup ${b.id} (${humanSize(b.sizeBytes)}, ${b.volumes.length} volume(s))` +
    (skipped.length ? `\n  bind mounts not backed up: ${boundedList(skipped)}` : "") +
    `\n  in ${b.dir}` +
    (b.notRestarted ?? []).map((f) =>
      `\n  but ${f.unit} did not start again: ${f.error}\n  fix: leger status ${b.name}; leger start ${b.name}`
    ).join("");
}

/** Registers the backup commands. */
export function register(program: Command, runtime: CliRuntime): void {
  const cmd = program
    .command("backup")
    .summary("back up a set (or all): files, manifest and volume data")
    .argument("<name|all>", "installed set, or all")
    .option("--reason <text>", "why: manual, before-apply, before-restore, or free text kept as a note")
    .option("--live", "do not stop the units (the copy may be inconsistent)")
    .option("--stop", "where volumes clone (btrfs, xfs), stop the units for the copy instead of freezing them")
    .option("--include-binds", "archive bind-mounted host paths too")
    .option("--dry-run", "say which sets would be backed up")
    .action(async (target, options, c) => {
      const ctx = await contextFor(c, runtime);
      const flags: BackupFlags = {
        live: options.live === true,
        stop: options.stop === true,
        "include-binds": options.includeBinds === true,
      };
      if (options.reason) flags.reason = options.reason;
      const result = await runCommandWorkflow(ctx, "backup", [target], flags, options.dryRun === true);
      const infos = (Array.isArray(result) ? result : []) as BackupInfo[];
      output(ctx.opts, versioned(BackupsJson, { backups: infos }), () => infos.map(describe).join("\n"));
      // The backups are kept, but a service the backup stopped is down: a script must notice.
      if (infos.some((b) => b.notRestarted?.length)) Deno.exitCode = ExitCode.failure;
    });

  cmd
    .command("prune")
    .summary("remove backups beyond backup-retention (count and/or age)")
    .option("--name <set>", "only this set's backups")
    .option("--dry-run", "show what would be removed")
    .action(async (options, c) => {
      const ctx = await contextFor(c, runtime);
      const r = await ctx.leger.prune({
        ...(options.name ? { name: options.name } : {}),
        dryRun: options.dryRun === true,
      });
      output(
        ctx.opts,
        versioned(PruneJson, r),
        () =>
          (r.removed.length
            ? `${options.dryRun ? "would remove" : "removed"}:\n${r.removed.map((x) => `  ${x}`).join("\n")}`
            : "nothing to prune") +
          `\nkept ${r.kept.length} backup(s)`,
      );
    });

  program
    .command("backups")
    .summary("list backups of a set (or of all sets), newest first")
    .argument("[name]", "set name")
    .action(async (name, _o, c) => {
      const ctx = await contextFor(c, runtime);
      const rows = await ctx.leger.backups(name);
      output(
        ctx.opts,
        versioned(BackupsJson, { backups: rows }),
        () =>
          rows.length === 0
            ? `No backups${name ? ` of ${name}` : ""}. Take one with: leger backup ${name ?? "<name>"}`
            : table(
              ["SET", "ID", "VERSION", "SIZE", "AGE", "REASON"],
              rows.map((
                b,
              ) => [
                b.name,
                b.id,
                b.setVersion ?? b.commit?.slice(0, 12) ?? "-",
                humanSize(b.sizeBytes),
                humanAge(b.createdAt),
                b.reason + (b.note ? ` (${b.note})` : ""),
              ]),
            ),
      );
    });

  program
    .command("restore")
    .summary("restore a set's files and volume data from a backup")
    .argument("<name>", "set name")
    .argument("[id]", "backup id (leger backups <name>); the newest when left out")
    .option("--health-timeout <duration>", "how long units may take to come up (e.g. 30s)")
    .addOption(
      new Option(
        "--previous <what>",
        "where the current data is moved aside (btrfs, xfs): archive it as the before-restore backup, or drop it",
      ).choices(["archive", "drop"]).default("archive"),
    )
    .action(async (name, id, options, c) => {
      const healthTimeoutMs = options.healthTimeout
        ? parseDuration(options.healthTimeout, "--health-timeout")
        : undefined;
      const ctx = await contextFor(c, runtime);
      // What was named must exist, and the host must be ready, before asking anything.
      await ctx.ops.findBackup(name, id);
      await ctx.ops.requireHostReady();
      if (!ctx.opts.yes) {
        if (!Deno.stdin.isTerminal()) {
          throw new UsageError(
            `Cannot restore ${name} without confirmation: its current data will be replaced`,
            "Pass --yes to confirm in scripts.",
          );
        }
        if (!ask(`Replace the files and volume data of ${name} with backup ${id ?? "(newest)"}?`)) {
          throw new UsageError("Cancelled; nothing was changed.");
        }
      }
      const r = await ctx.leger.restore(name, id, {
        ...(healthTimeoutMs === undefined ? {} : { healthTimeoutMs }),
        previous: options.previous === "drop" ? "drop" : "archive",
      });
      // The data moved aside becomes the before-restore backup's archives after this command returns.
      const background = r.previousData === "archiving" && recoverInBackground(ctx.engine.scope, name);
      output(
        ctx.opts,
        versioned(RestoreJson, r),
        () =>
          `${r.name}: restored from ${r.id}${
            r.preRestoreBackup ? ` (the state before is backup ${r.preRestoreBackup})` : ""
          }; ` +
          (r.previousData === "archiving"
            ? `the data before is being archived ${
              background ? "in the background" : `by the next leger run (or now: leger recover ${name})`
            }; `
            : r.previousData === "dropped"
            ? "the data before was dropped; "
            : "") +
          (r.health.ok ? "units up" : `not up: ${r.health.failed.map((f) => f.unit).join(", ")}`),
      );
      if (!r.health.ok) {
        throw new LegerError(
          `Restored ${name} from ${r.id}, but ${r.health.failed.map((f) => f.unit).join(", ")} did not come up`,
          {
            hint: `See leger logs ${name}; fix the unit and run leger start ${name}.`,
          },
        );
      }
    });
}
