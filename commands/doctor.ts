/**
 * `leger doctor`.
 *
 * @module
 */
import type { Command } from "commander";
import { ExitCode } from "../lib/core/errors.ts";
import { DoctorJson } from "../lib/contract/host.ts";
import { versioned } from "../lib/contract/versioned.ts";
import { type CliRuntime, contextFor, output } from "./common.ts";

/** Registers `doctor`. */
export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("doctor")
    .summary("check that this host can run leger, and say how to fix what is missing")
    .action(async (_o, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const checks = await ctx.leger.doctor();
      output(
        ctx.opts,
        versioned(DoctorJson, { ok: checks.every((c) => c.ok), checks }),
        () =>
          checks.map((c) =>
            `${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(18)} ${c.detail}${
              c.ok || !c.fix ? "" : `\n      fix: ${c.fix}`
            }`
          ).join("\n"),
      );
      // A host that fails a check is not ready: exit code 6, as README's table says.
      if (!checks.every((c) => c.ok)) Deno.exitCode = ExitCode.environment;
    });
}
