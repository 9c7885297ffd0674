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
import { ExitCode, LegerError } from "./errors.ts";
import { consoleLogger } from "./log.ts";
import { currentEnv, type Scope, scopePaths } from "./paths.ts";
import { runSupervisor } from "./daemon/supervisor.ts";
import { selfCommand, spawnRunner } from "./daemon/spawn_runner.ts";

/** Options of {@linkcode runDaemonProcess}. */
export interface DaemonProcessOptions {
  scope: Scope;
  /** Global options the cycles get too (`--backend files`, `-v`). */
  globals?: string[];
  /** The command that runs leger (this program by default). */
  command?: string[];
  verbose?: boolean;
  quiet?: boolean;
  env?: Record<string, string>;
}

/** Runs the daemon until SIGTERM/SIGINT. */
export async function runDaemonProcess(options: DaemonProcessOptions): Promise<void> {
  const env = options.env ?? currentEnv();
  const log = consoleLogger({ verbose: options.verbose ?? false, quiet: options.quiet ?? false });
  if (options.scope === "system" && Deno.uid?.() !== 0 && !env.LEGER_STATE_DIR) {
    throw new LegerError("Cannot use --scope system: it needs root", {
      exitCode: ExitCode.environment,
      hint: "Run leger with sudo, or leave out --scope system for your own (rootless) containers.",
    });
  }
  const paths = scopePaths(options.scope, env);
  const command = [...(options.command ?? selfCommand()), "--scope", options.scope, ...(options.globals ?? [])];
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
 * (a subcommand, --help, an unknown option), which commander then handles.
 */
export function parseDaemonArgv(argv: readonly string[]): DaemonProcessOptions | undefined {
  const at = argv.indexOf("daemon");
  if (at < 0) return undefined;
  const out: DaemonProcessOptions = { scope: "user", globals: [] };
  const args = argv.filter((_, i) => i !== at);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.startsWith("--") && a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    if (flag === "--scope" || flag === "--backend") {
      const value = inline ?? args[++i];
      const allowed = flag === "--scope" ? ["user", "system"] : ["auto", "native", "files"];
      if (value === undefined || !allowed.includes(value)) return undefined;
      if (flag === "--scope") out.scope = value as Scope;
      else out.globals!.push("--backend", value);
    } else if (flag === "-v" || flag === "--verbose") {
      out.verbose = true;
      out.globals!.push("--verbose");
    } else if (flag === "-q" || flag === "--quiet") {
      out.quiet = true;
      out.globals!.push("--quiet");
    } else return undefined;
  }
  return out;
}
