/**
 * `leger daemon` (the foreground process the systemd unit runs), `leger
 * daemon install` and `leger daemon status`.
 *
 * @module
 */
import type { Command } from "commander";
import { ExitCode, LegerError } from "../lib/errors.ts";
import { consoleLogger } from "../lib/log.ts";
import { currentLegerCommand, installDaemon } from "../lib/ops/daemon_install.ts";
import { DaemonInstallJson } from "../lib/contract/host.ts";
import { versioned } from "../lib/contract/outputs.ts";
import { type CliRuntime, contextFor, output } from "./common.ts";
import { showSecretStatus } from "./secrets.ts";

/** Registers `leger daemon`. */
export function register(program: Command, runtime: CliRuntime): void {
  const daemon = program
    .command("daemon")
    .summary("sync secrets from Setec and keep sets at their source, unattended (foreground)")
    .action(async (_o, cmd) => {
      await explainConfigErrors(async () => {
        const ctx = await contextFor(cmd, runtime);
        const { runDaemonProcess } = await import("../lib/daemon_process.ts");
        await runDaemonProcess(ctx.engine, ctx.leger);
      });
    });

  daemon
    .command("install")
    .summary("enable the leger daemon's systemd unit (user or system scope)")
    .option("--now", "also start it now")
    .action(async (options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const r = await installDaemon(ctx.engine, {
        now: options.now === true,
        command: currentLegerCommand(undefined, undefined, ctx.engine.env.DENO_DIR),
      });
      output(ctx.opts, versioned(DaemonInstallJson, r), () =>
        [
          `${r.unit} ${r.started ? "enabled and started" : "enabled"} (${r.scope} scope, ${
            r.source === "written" ? "unit written to" : r.source === "kept" ? "your unit" : "packaged unit"
          } ${r.unitPath})`,
          ...r.notes.map((n) => `  note: ${n}`),
        ].join("\n"));
    });

  daemon
    .command("status")
    .summary("show the daemon and each secret (same as leger secrets status)")
    .action(async (_o, cmd) => {
      await showSecretStatus(await contextFor(cmd, runtime));
    });
}

/**
 * A configuration error ends the daemon with exit code 78, which the units
 * list in RestartPreventExitStatus=: say so, so that the journal explains
 * why systemd leaves it stopped.
 */
async function explainConfigErrors(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof LegerError && error.exitCode === ExitCode.config) {
      consoleLogger({}).error(
        `the leger daemon stops: ${error.message}. This is a configuration error, so systemd will not restart it; fix the configuration, then run: systemctl${
          Deno.uid?.() === 0 ? "" : " --user"
        } restart leger-daemon`,
      );
    }
    throw error;
  }
}
