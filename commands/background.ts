/**
 * Work a command leaves to run after it returns: `leger recover NAME`
 * started as a process of its own (a new session, so closing the terminal
 * does not end it), quiet, its output discarded. It waits for the scope's
 * lock like any leger run; if it never runs or is stopped, the next leger
 * run of the scope finishes the same journal entry itself.
 *
 * @module
 */
import { selfCommand } from "../lib/daemon/spawn_runner.ts";
import { findProgram, searchablePath } from "../lib/host/program_path.ts";

/** Starts `leger --scope SCOPE --quiet recover NAME` in the background; false when it could not start. */
export function recoverInBackground(scope: string, name: string): boolean {
  const self = selfCommand();
  // setsid(1) (util-linux) puts it in a session of its own; without it, it still runs, just tied to the terminal.
  const setsid = findProgram("setsid", searchablePath(Deno.env.get("PATH") ?? ""));
  const argv = [...(setsid ? [setsid] : []), ...self, "--scope", scope, "--quiet", "recover", name];
  try {
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child.unref();
    return true;
  } catch {
    return false;
  }
}
