/**
 * Reading `leger [GLOBAL OPTIONS] COMMAND [GLOBAL OPTIONS]` without
 * commander, for the commands main.ts runs before commander loads (the
 * daemon, decision 45; `list`, decision 46). Anything else (another word,
 * --help, an option this does not know, a value outside the choices, short
 * options run together) gives undefined, and commander handles the line as
 * always, with its own messages.
 *
 * @module
 */
import type { Scope } from "./paths.ts";

/** The global options, as commands/common.ts declares them to commander. */
export interface GlobalArgv {
  /** The command word found. */
  command: string;
  scope: Scope;
  backend?: "auto" | "native" | "files";
  json: boolean;
  yes: boolean;
  verbose: boolean;
  quiet: boolean;
}

const SCOPES = ["user", "system"];
const BACKENDS = ["auto", "native", "files"];

/** The global options around exactly one word of `commands`, or undefined. */
export function parseGlobalArgv(argv: readonly string[], commands: readonly string[]): GlobalArgv | undefined {
  let command: string | undefined;
  const out: Omit<GlobalArgv, "command"> = { scope: "user", json: false, yes: false, verbose: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const [flag, inline] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (flag === "--scope" || flag === "--backend") {
      const value = inline ?? argv[++i];
      if (flag === "--scope" && value !== undefined && SCOPES.includes(value)) out.scope = value as Scope;
      else if (flag === "--backend" && value !== undefined && BACKENDS.includes(value)) {
        out.backend = value as GlobalArgv["backend"];
      } else return undefined;
    } else if (inline !== undefined) return undefined;
    else if (flag === "--json") out.json = true;
    else if (flag === "-y" || flag === "--yes") out.yes = true;
    else if (flag === "-v" || flag === "--verbose") out.verbose = true;
    else if (flag === "-q" || flag === "--quiet") out.quiet = true;
    else if (command === undefined && commands.includes(a)) command = a;
    else return undefined;
  }
  return command === undefined ? undefined : { command, ...out };
}
