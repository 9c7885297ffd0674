/**
 * leger's entry: parse argv, run the command, turn errors into messages
 * and exit codes. Only this file ends the process.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import { addGlobalOptions, type CliRuntime } from "./commands/common.ts";
import { register as registerDoctor } from "./commands/doctor.ts";
import { register as registerInstall } from "./commands/install.ts";
import { register as registerSets } from "./commands/sets.ts";
import { register as registerUpdate } from "./commands/update.ts";
import { register as registerValidate } from "./commands/validate.ts";
import { register as registerWorkflow } from "./commands/workflow.ts";
import { register as registerSecrets } from "./commands/secrets.ts";
import { register as registerDaemon } from "./commands/daemon.ts";
import { register as registerBackup } from "./commands/backup.ts";
import { causeChain, ExitCode, LegerError } from "./lib/errors.ts";
import { currentEnv } from "./lib/paths.ts";
import denoJson from "./deno.json" with { type: "json" };

/** leger's version. */
export const VERSION: string = denoJson.version;

/** Builds the command tree. */
export function buildProgram(runtime: CliRuntime): Command {
  const program = addGlobalOptions(
    new Command("leger")
      .version(VERSION, "-V, --version")
      .description(
        `Run containers as Podman Quadlets: install sets from Git, update them safely,
back them up with their volumes, validate them, and keep their secrets in sync.`,
      )
      .showSuggestionAfterError(true)
      .configureHelp({ sortSubcommands: false })
      .addHelpText(
        "after",
        `
Examples:
  leger install https://github.com/org/quadlets/tree/main/web
  leger install ./my-set --name web --scope system
  leger list
  leger logs web -f

Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid set, 4 locked, 5 not found,
6 host not ready (see leger doctor), 7 rolled back.`,
      ),
  );
  program.exitOverride();
  for (
    const register of [
      registerInstall,
      registerSets,
      registerUpdate,
      registerValidate,
      registerDoctor,
      registerWorkflow,
      registerSecrets,
      registerDaemon,
      registerBackup,
    ]
  ) {
    register(program, runtime);
  }
  return program;
}

function wantsJson(argv: string[]): boolean {
  return argv.includes("--json");
}

/** Runs leger with argv; returns the exit code (never exits itself). */
export async function main(argv: string[], runtime: CliRuntime = { env: currentEnv() }): Promise<number> {
  const program = buildProgram(runtime);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof Deno.exitCode === "number" ? Deno.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed the message or the help already
      return error.exitCode === 0 ? 0 : ExitCode.usage;
    }
    const code = error instanceof LegerError ? error.exitCode : ExitCode.failure;
    const chain = causeChain(error);
    if (wantsJson(argv)) {
      const body = {
        error: {
          message: chain[0],
          ...(error instanceof LegerError && error.hint ? { hint: error.hint } : {}),
          exitCode: code,
          ...(chain.length > 1 ? { causes: chain.slice(1) } : {}),
          ...(error instanceof LegerError && error.details ? { details: error.details } : {}),
        },
      };
      console.log(JSON.stringify(body, null, 2));
    } else {
      console.error(`error: ${chain[0]}`);
      for (const c of chain.slice(1)) console.error(`  caused by: ${c}`);
      if (error instanceof LegerError && error.hint) console.error(`  hint: ${error.hint}`);
      if (!(error instanceof LegerError) && error instanceof Error && Deno.env.get("LEGER_DEBUG")) {
        console.error(error.stack);
      }
    }
    return code;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
