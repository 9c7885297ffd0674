/**
 * `leger daemon` (the foreground process the systemd unit runs; `main.ts`
 * starts it without commander when it can), `leger daemon install`,
 * `leger daemon status`, and the hidden `leger daemon cycle` its children run.
 *
 * @module
 */
import type { Command } from "commander";
import { UsageError } from "../lib/core/errors.ts";
import { currentLegerCommand, installDaemon } from "../lib/daemon/install.ts";
import { DaemonInstallJson } from "../lib/contract/host.ts";
import { versioned } from "../lib/contract/versioned.ts";
import { type CliRuntime, contextFor, globals, output } from "./common.ts";
import { showSecretStatus } from "./secrets.ts";

/** Registers `leger daemon`. */
export function register(program: Command, runtime: CliRuntime): void {
  const daemon = program
    .command("daemon")
    .summary("sync secrets from Setec and keep sets at their source, unattended (foreground)")
    .action(async (_o, cmd) => {
      const { scope, backend, verbose, quiet } = globals(cmd);
      const { runDaemonProcess } = await import("../lib/daemon/process.ts");
      await runDaemonProcess({ scope, backend, verbose, quiet, env: runtime.env });
    });

  daemon
    .command("cycle", { hidden: true })
    .summary("one cycle of the daemon, as its child (reads JSON on stdin, answers one marked JSON line)")
    .option("--secrets", "a secrets sync")
    .option("--updates", "an update check")
    .action(async (options, cmd) => {
      if (options.secrets === options.updates) throw new UsageError("say --secrets or --updates");
      const { runDaemonCycle } = await import("../lib/daemon/cycle_child.ts");
      Deno.exitCode = await runDaemonCycle(
        options.secrets ? "secrets" : "updates",
        // The daemon's child: it never asks its parent over the socket (the parent is waiting for it).
        () => contextFor(cmd, runtime, { askDaemon: false }),
        (line) => console.log(line),
      );
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
