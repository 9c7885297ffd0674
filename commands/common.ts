/**
 * What every command shares: the global options, building the engine, and
 * printing results as text or JSON.
 *
 * @module
 */
import { type Command, Option } from "commander";
import type { Engine } from "../lib/engine.ts";
import type { CommandOps, Leger } from "../lib/leger_api.ts";
import { consoleLogger, type Logger, printJson, printOut, stdoutColor } from "../lib/core/log.ts";
import type { Scope, ScopePaths } from "../lib/core/paths.ts";
import type { Shell } from "../lib/host/shell.ts";
import { UsageError } from "../lib/core/errors.ts";

/** Options every command takes. */
export interface GlobalOptions {
  scope: Scope;
  json: boolean;
  yes: boolean;
  verbose: boolean;
  quiet: boolean;
  backend: "auto" | "native" | "files";
}

/** How the CLI reaches the world (tests swap parts). */
export interface CliRuntime {
  env: Record<string, string>;
  /** Builds the shell (tests inject fakes). */
  shell?: () => Shell;
}

/** Adds the global options to the root command. */
export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(
      new Option("--scope <scope>", "user (rootless, default) or system (root, /etc)").choices(["user", "system"])
        .default("user"),
    )
    .option("--json", "print results as JSON on stdout, progress as JSON lines on stderr")
    .option("-y, --yes", "answer yes to every question (for scripts)")
    .option("-v, --verbose", "show more detail")
    .option("-q, --quiet", "show only warnings and errors")
    .addOption(
      new Option("--backend <kind>", "how files reach podman: auto, native (podman quadlet, 5.6+) or files").choices([
        "auto",
        "native",
        "files",
      ]).default("auto"),
    ) as unknown as Command;
}

/** The engine, the operations and the logger for one command run. */
export interface CommandContext {
  opts: GlobalOptions;
  engine: Engine;
  /** The operations (the workflow API's). */
  leger: Leger;
  /** The commands' own operations, through the same door. */
  ops: CommandOps;
  log: Logger;
}

/** Reads the global options of a (sub)command. */
export function globals(cmd: { optsWithGlobals(): unknown }): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** Builds the context a command needs. */
export async function contextFor(
  cmd: { optsWithGlobals(): unknown },
  runtime: CliRuntime,
  options: { readConfig?: boolean; askDaemon?: boolean } = {},
): Promise<CommandContext> {
  const raw = globals(cmd);
  const opts: GlobalOptions = {
    ...raw,
    json: raw.json === true,
    yes: raw.yes === true,
    verbose: raw.verbose === true,
    quiet: raw.quiet === true,
  };
  const log = consoleLogger({ json: opts.json, verbose: opts.verbose, quiet: opts.quiet });
  // The engine's modules load here, not at start-up: help and --version never need them.
  const [{ createEngine }, { createLeger, commandOps }, { createShell }] = await Promise.all([
    import("../lib/engine.ts"),
    import("../lib/leger.ts"),
    import("../lib/host/shell.ts"),
  ]);
  const $ = runtime.shell ? runtime.shell() : createShell();
  // A command that uses nothing from config.yaml (list) does not read it, so a broken file does not stop it.
  const config = options.readConfig === false ? (await import("../lib/config.ts")).defaultConfig() : undefined;
  const engine = await createEngine({
    scope: opts.scope,
    $,
    log,
    env: runtime.env,
    backend: opts.backend,
    ...(config ? { config } : {}),
    // A command may ask the running daemon (to sync secrets); a daemon's own cycle child may not (askDaemon: false).
    ...(options.askDaemon === false ? {} : {
      daemon: (paths: ScopePaths) => ({
        syncSecrets: async (name: string | undefined, dryRun: boolean) =>
          (await import("../lib/daemon/control_client.ts")).daemonSync(paths, name, dryRun),
      }),
    }),
  });
  return { opts, engine, leger: createLeger(engine), ops: commandOps(engine), log };
}

/**
 * Prints a result: JSON under --json, else the human text. Both go through
 * the escaping printers of lib/core/log.ts, so text from outside (names, unit
 * files, podman and journal output) never reaches the terminal raw.
 * `color` shows leger's style marks as color (default: stdout is a terminal).
 */
export function output(opts: GlobalOptions, data: unknown, human: () => string, color = stdoutColor()): void {
  if (opts.json) {
    printJson(data);
  } else {
    const text = human();
    if (text) printOut(text, color);
  }
}

/**
 * Runs the workflow a command is built on (install, update, backup): the
 * user's copy when there is one (and says so), else the built-in.
 */
export async function runCommandWorkflow(
  ctx: CommandContext,
  name: string,
  args: string[],
  flags: Record<string, string | boolean>,
  dryRun: boolean,
): Promise<unknown> {
  const [{ resolveWorkflow, runWorkflow }, { BUILTIN_WORKFLOWS: builtins }] = await Promise.all([
    import("../lib/workflow/run.ts"),
    import("./builtin_workflows.ts"),
  ]);
  const ref = await resolveWorkflow(ctx.engine, name, builtins);
  if (ref.kind === "user") ctx.log.info(`using your ${name} workflow ${ref.location}`);
  return await runWorkflow(ref, {
    engine: ctx.engine,
    leger: ctx.leger,
    builtins,
    args,
    flags,
    dryRun,
    yes: ctx.opts.yes,
  });
}

/**
 * `--force` used to mean two things at once (accept warnings, and replace a
 * set or overwrite hand edits); it was split so one never implies the
 * other. The old flag is kept hidden only to say which new one to use.
 */
export function oldForceOption() {
  return new Option("--force", "(split: see the hint)").hideHelp();
}

/** Refuses the old `--force`, naming the flags that replaced it. */
export function refuseOldForce(options: { force?: boolean }, instead: string): void {
  if (options.force) {
    throw new UsageError("Cannot use --force: it was split into separate flags", `Use ${instead}.`);
  }
}

/** A registered command group. */
export type Register = (program: Command, runtime: CliRuntime) => void;
