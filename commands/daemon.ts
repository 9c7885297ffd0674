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
import { type CliRuntime, contextFor, output } from "./common.ts";
import { SETEC_HELP, showSecretStatus } from "./secrets.ts";

/** Registers `leger daemon`. */
export function register(program: Command, runtime: CliRuntime): void {
  const daemon = program
    .command("daemon")
    .summary("keep Podman secrets in sync with Setec (runs in the foreground)")
    .description(
      `Run the leger daemon in the foreground: sync the declared secrets from Setec now, then every daemon.poll-interval, restart the units of a rotated secret, and answer \`leger secrets status|sync\` on a control socket.

It is meant to run under systemd (see \`leger daemon install\`) and logs one line per event to stderr, never a value. SIGTERM/SIGINT stop it; SIGHUP (systemctl reload leger-daemon) re-reads config.yaml and syncs at once.`,
    )
    .addHelpText(
      "after",
      `
Examples:
  leger daemon install --now            run it for your user, now and at boot
  sudo leger --scope system daemon install --now
  leger daemon status
  leger daemon                          run it here (Ctrl-C stops it)
${SETEC_HELP}`,
    )
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
    .description(
      `Make systemd run \`leger daemon\`: use the packaged unit (/usr/lib/systemd/user or /usr/lib/systemd/system), or write one to ~/.config/systemd/user (/etc/systemd/system with --scope system) that runs this leger binary; then daemon-reload and enable it. For your user, it also checks linger: without it the daemon stops when you log out.`,
    )
    .option("--now", "also start it now")
    .addHelpText(
      "after",
      `
Examples:
  leger daemon install --now
  sudo leger --scope system daemon install --now`,
    )
    .action(async (options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const r = await installDaemon(ctx.engine, {
        now: options.now === true,
        command: currentLegerCommand(undefined, undefined, ctx.engine.env.DENO_DIR),
      });
      output(ctx.opts, r, () =>
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
