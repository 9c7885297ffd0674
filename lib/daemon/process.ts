/**
 * The `leger daemon` process: the supervisor (lib/daemon/supervisor.ts)
 * with its cycles run as `leger daemon cycle` children, stopped by
 * SIGTERM/SIGINT; SIGHUP runs a secrets cycle and an update check at once.
 *
 * `main.ts` reaches this without loading commander, and nothing here
 * imports an npm library (dax, zod, yaml): the idle daemon is a bare Deno
 * process with a timer and a socket. A test keeps it so.
 *
 * @module
 */
import { ExitCode, LegerError } from "../core/errors.ts";
import { parseGlobalArgv } from "../core/global_argv.ts";
import { consoleLogger } from "../core/log.ts";
import { currentEnv, type Scope, usableScopePaths } from "../core/paths.ts";
import { runSupervisor } from "./supervisor.ts";
import { selfCommand, spawnRunner } from "./spawn_runner.ts";

/** Options of {@linkcode runDaemonProcess}: the global options of `leger daemon`, which its cycles get too. */
export interface DaemonProcessOptions {
  scope: Scope;
  backend?: "auto" | "native" | "files";
  verbose?: boolean;
  quiet?: boolean;
  /** The command that runs leger (this program by default). */
  command?: string[];
  env?: Record<string, string>;
}

/** Runs the daemon until SIGTERM/SIGINT. */
export async function runDaemonProcess(options: DaemonProcessOptions): Promise<void> {
  const log = consoleLogger({ verbose: options.verbose ?? false, quiet: options.quiet ?? false });
  const paths = usableScopePaths(options.scope, options.env ?? currentEnv());
  const command = [
    ...(options.command ?? selfCommand()),
    "--scope",
    options.scope,
    "--backend",
    options.backend ?? "auto",
    ...(options.verbose ? ["--verbose"] : []),
    ...(options.quiet ? ["--quiet"] : []),
  ];
  const stop = new AbortController();
  const daemon = await runSupervisor({ paths, runner: spawnRunner(command), log, signal: stop.signal });
  const onStop = () => stop.abort();
  const onHup = () => void daemon.reload();
  const signals = [["SIGTERM", onStop], ["SIGINT", onStop], ["SIGHUP", onHup]] as const;
  for (const [sig, fn] of signals) Deno.addSignalListener(sig, fn);
  try {
    await daemon.done;
  } catch (error) {
    if (error instanceof LegerError && error.exitCode === ExitCode.config) {
      log.error(
        `the leger daemon stops: ${error.message}. This is a configuration error, so systemd will not restart it; fix the configuration, then run: systemctl${
          options.scope === "system" ? "" : " --user"
        } restart leger-daemon`,
      );
    }
    throw error;
  } finally {
    for (const [sig, fn] of signals) Deno.removeSignalListener(sig, fn);
  }
}

/**
 * Reads `leger [GLOBAL OPTIONS] daemon [GLOBAL OPTIONS]` without commander:
 * the options the daemon takes, or undefined when argv is anything else
 * (a subcommand, --help, --json, an unknown option), which commander then
 * handles.
 */
function parseDaemonArgv(argv: readonly string[]): DaemonProcessOptions | undefined {
  const g = parseGlobalArgv(argv, ["daemon"]);
  if (!g || g.json || g.yes) return undefined;
  return {
    scope: g.scope,
    ...(g.backend ? { backend: g.backend } : {}),
    ...(g.verbose ? { verbose: true } : {}),
    ...(g.quiet ? { quiet: true } : {}),
  };
}

/** main.ts's early path: runs a `leger daemon` line until the daemon stops and returns true, or false for commander. */
export async function runEarly(argv: string[], env: Record<string, string>): Promise<boolean> {
  const daemon = parseDaemonArgv(argv);
  if (!daemon) return false;
  await runDaemonProcess({ ...daemon, env });
  return true;
}
