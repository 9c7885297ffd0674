/**
 * leger's entry: parse argv, run the command, turn errors into messages
 * and exit codes. Only this file ends the process.
 *
 * @module
 */
import type { Command } from "commander";
import type { CliRuntime } from "./commands/common.ts";
import { causeChain, ExitCode, LegerError } from "./lib/core/errors.ts";
import { printErr, printJson, priorityPrefix, stderrIsJournal, stdoutClosed, writeStdout } from "./lib/core/log.ts";
import { forTerminal } from "./lib/core/escape.ts";
import { currentEnv } from "./lib/core/paths.ts";
import { ERROR_JSON_VERSION } from "./lib/contract/versions.ts";
import denoJson from "./deno.json" with { type: "json" };

/** leger's version. */
export const VERSION: string = denoJson.version;

type Register = (program: Command, runtime: CliRuntime) => void;

/**
 * The command groups in help order: the names each registers, and its
 * module, imported only when one of its commands runs (or for help).
 * Literal `import()`s, so `deno compile` and `deno bundle` still see them.
 */
const GROUPS: ReadonlyArray<readonly [readonly string[], () => Promise<{ register: Register }>]> = [
  [["install"], () => import("./commands/sets/install.ts")],
  [["search", "available"], () => import("./commands/catalog.ts")],
  [
    ["list", "ls", "inspect", "status", "logs", "start", "stop", "restart", "remove"],
    () => import("./commands/sets/sets.ts"),
  ],
  [["stage", "staged", "diff", "apply", "discard", "update"], () => import("./commands/update/update.ts")],
  [["policy"], () => import("./commands/update/policy.ts")],
  [["validate", "check-conflicts"], () => import("./commands/validate.ts")],
  [["doctor"], () => import("./commands/doctor.ts")],
  [["run", "workflow"], () => import("./commands/workflow.ts")],
  [["secrets"], () => import("./commands/secrets.ts")],
  [["daemon"], () => import("./commands/daemon.ts")],
  [["backup", "prune", "backups", "restore"], () => import("./commands/backup.ts")],
  [["recover"], () => import("./commands/sets/recover.ts")],
  [["import"], () => import("./commands/import.ts")],
  [["adopt", "export"], () => import("./commands/sets/adopt.ts")],
  [["completion", "manpage"], () => import("./commands/help/completion.ts")],
];

/**
 * Commands main.ts runs before commander loads, with no npm library: the
 * long-lived daemon (docs/ARCHITECTURE.md decision 45) and `list` (decision
 * 46). Each module's `runEarly` runs a line it can take whole and returns
 * true, or returns false and commander handles the line (--help, a
 * subcommand, an option it does not know). Not with a test's fake shell:
 * these paths run real processes.
 */
const EARLY: ReadonlyArray<
  readonly [
    readonly string[],
    () => Promise<{ runEarly(argv: string[], env: Record<string, string>): Promise<boolean> }>,
  ]
> = [
  [["list", "ls"], () => import("./commands/list.ts")],
  [["daemon"], () => import("./lib/daemon/process.ts")],
];

/** Commands that describe the whole tree, so every group is loaded for them. */
const WHOLE_TREE = ["completion", "manpage"];

/**
 * Builds the command tree. With `argv`, only the group of the command it
 * names is loaded (every group when it names none: help, or a typo that
 * deserves suggestions).
 */
export async function buildProgram(runtime: CliRuntime, argv?: readonly string[]): Promise<Command> {
  const named = argv?.find((a) => GROUPS.some(([names]) => names.includes(a)));
  const groups = named && !WHOLE_TREE.includes(named) ? GROUPS.filter(([names]) => names.includes(named)) : GROUPS;
  const [{ Command }, { addGlobalOptions }, ...registers] = await Promise.all([
    import("commander"),
    import("./commands/common.ts"),
    ...groups.map(async ([, load]) => (await load()).register),
  ]);
  const program = addGlobalOptions(
    new Command("leger")
      .version(VERSION, "-V, --version")
      .showSuggestionAfterError(true),
  );
  program.exitOverride();
  // commander's own messages repeat what was typed: they go through the escaping printer too.
  program.configureOutput({
    writeOut: (text) => writeStdout(new TextEncoder().encode(forTerminal(text))),
    writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(forTerminal(text))),
  });
  for (const register of registers) register(program, runtime);
  (await import("./commands/help/help.ts")).applyHelp(program);
  return program;
}

function wantsJson(argv: string[]): boolean {
  return argv.includes("--json");
}

/** Runs leger with argv; returns the exit code (never exits itself). */
export async function main(argv: string[], runtime: CliRuntime = { env: currentEnv() }): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    console.log(VERSION);
    return 0;
  }
  if (!runtime.shell) {
    for (const [words, load] of EARLY) {
      if (!words.some((w) => argv.includes(w))) continue;
      try {
        if (await (await load()).runEarly(argv, runtime.env)) return 0;
      } catch (error) {
        return reportError(argv, error);
      }
    }
  }
  const [program, { CommanderError }] = await Promise.all([buildProgram(runtime, argv), import("commander")]);
  try {
    await program.parseAsync(argv, { from: "user" });
    if (stdoutClosed()) return STDOUT_CLOSED;
    return typeof Deno.exitCode === "number" ? Deno.exitCode : 0;
  } catch (error) {
    if (stdoutClosed()) return STDOUT_CLOSED;
    if (error instanceof CommanderError) {
      // commander has printed the message or the help already
      return error.exitCode === 0 ? 0 : ExitCode.usage;
    }
    return reportError(argv, error);
  }
}

/**
 * The exit code of a run whose stdout's reader went away (`leger diff web |
 * head`): what a shell reports for a program ended by SIGPIPE, and no
 * message. Whatever failed after that failed only for want of a reader.
 */
const STDOUT_CLOSED = 128 + 13;

/** Prints an error as the user asked (JSON or text); returns its exit code. */
function reportError(argv: string[], error: unknown): number {
  if (stdoutClosed()) return STDOUT_CLOSED;
  const code = error instanceof LegerError ? error.exitCode : ExitCode.failure;
  const chain = causeChain(error);
  if (wantsJson(argv)) {
    const body = {
      version: ERROR_JSON_VERSION,
      error: {
        message: chain[0],
        ...(error instanceof LegerError && error.hint ? { hint: error.hint } : {}),
        exitCode: code,
        ...(chain.length > 1 ? { causes: chain.slice(1) } : {}),
        ...(error instanceof LegerError && error.details ? { details: error.details } : {}),
      },
    };
    printJson(body);
  } else {
    // Messages carry text from outside (names, podman's and systemd's words): the printer escapes it.
    const p = priorityPrefix("error", stderrIsJournal());
    printErr(`${p}error: ${chain[0]}`);
    for (const c of chain.slice(1)) printErr(`${p}  caused by: ${c}`);
    if (error instanceof LegerError && error.hint) printErr(`${p}  hint: ${error.hint}`);
    if (!(error instanceof LegerError) && error instanceof Error && Deno.env.get("LEGER_DEBUG")) {
      printErr(error.stack ?? "");
    }
  }
  return code;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
