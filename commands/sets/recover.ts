/**
 * `leger recover [NAME]` and `leger recover NAME --abandon`.
 *
 * @module
 */
import type { Command } from "commander";
import { UsageError } from "../../lib/core/errors.ts";
import type { PendingRecovery } from "../../mod.ts";
import { RecoverAbandonJson, RecoverDoneJson } from "../../lib/contract/host.ts";
import { versioned } from "../../lib/contract/versioned.ts";
import { type CliRuntime, contextFor, output } from "../common.ts";

function describe(p: PendingRecovery): string {
  const head = `${p.op} of ${p.name} (started ${p.startedAt}, stopped at step "${p.step}")${
    p.failed ? `, recovery failed ${p.failed.attempts} time(s): ${p.failed.error}` : ""
  }`;
  const left = p.leftovers.length
    ? p.leftovers.map((l) => `    ${l.kind} ${l.what}: ${l.detail}`)
    : ["    nothing of it is left on the host"];
  return [head, "  left on the host:", ...left].join("\n");
}

/** Registers `recover`. */
export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("recover")
    .summary("finish or undo what an interrupted or failed run left; or stop trying")
    .argument("[name]", "set whose interrupted operation to recover (default: every set)")
    .option("--abandon", "stop trying to recover NAME; the host stays as it is (asks first unless --yes)")
    .option("--dry-run", "with --abandon: show what would be left behind, change nothing")
    .action(async (name, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      if (!options.abandon) {
        if (options.dryRun) {
          throw new UsageError("--dry-run goes with --abandon", "leger doctor lists what is pending.");
        }
        const pending = await ctx.leger.pendingRecoveries(name);
        const recovered = await ctx.leger.recover(name);
        output(
          ctx.opts,
          versioned(RecoverDoneJson, { recovered, pending: pending.length }),
          () =>
            pending.length === 0 && recovered.length === 0
              ? `nothing to recover${name ? ` for ${name}` : ""}`
              : recovered.map((r) => `recovered: ${r}`).join("\n"),
        );
        return;
      }
      if (!name) throw new UsageError("--abandon needs the set's name", "leger recover NAME --abandon");
      const preview = await ctx.leger.abandonRecovery(name, { dryRun: true });
      if (!options.dryRun && !ctx.opts.yes) {
        if (ctx.opts.json || !Deno.stdin.isTerminal()) {
          throw new UsageError(
            `Cannot abandon the recovery of ${name} without confirmation`,
            `Pass --yes to confirm (leger recover ${name} --abandon --dry-run shows what would be left behind).`,
          );
        }
        ctx.log.print(preview.abandoned.map(describe).join("\n"));
        if (!confirm(`Stop trying to recover ${name} and leave all this as it is?`)) {
          throw new UsageError("Cancelled; nothing was changed.");
        }
      }
      const r = options.dryRun ? preview : await ctx.leger.abandonRecovery(name);
      output(ctx.opts, versioned(RecoverAbandonJson, r), () =>
        [
          ...(ctx.opts.yes || r.dryRun ? r.abandoned.map(describe) : []),
          r.dryRun
            ? `would stop trying to recover ${name} (nothing changed)`
            : `stopped trying to recover ${name}; the entries are kept in ${r.keptAt.join(", ")}`,
        ].join("\n"));
    });
}
