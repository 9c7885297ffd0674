/**
 * What systemd says of units, read without the shell layer: the states
 * `systemctl show` (or busctl) prints, and the error for a systemd that
 * cannot be reached. {@linkcode unitStates} is the one reader of unit
 * states: lib/host/systemd.ts runs it through dax, `leger list`'s early path
 * (commands/list.ts) with {@linkcode runPlain}, which loads no npm library.
 *
 * @module
 */
import { ExitCode, LegerError } from "../core/errors.ts";
import type { Scope } from "../core/paths.ts";
import { findProgram } from "./program_path.ts";

/** The state of one unit as systemd reports it. */
export interface UnitState {
  /** Unit name. */
  unit: string;
  /** ActiveState: active, inactive, failed, activating, ... */
  active: string;
  /** SubState: running, dead, exited, auto-restart, ... */
  sub: string;
  /** LoadState: loaded, not-found, ... */
  load: string;
  /** Result of the last run: success, exit-code, ... */
  result: string;
  /** How often systemd restarted it. */
  restarts: number;
}

/** A finished command's exit code and output. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Whether systemctl's answer says systemd itself cannot be reached (rather than a unit failing). */
export function unreachable(r: CommandResult): boolean {
  return r.code === 127 || /command not found/.test(r.stderr) ||
    /Failed to connect to (?:[\w ]*scope )?bus|System has not been booted with systemd|Failed to get D-Bus connection/i
      .test(r.stderr);
}

/** The error for a systemd that cannot be reached (exit code 6). */
export function notReachable(scope: Scope, r: CommandResult): LegerError {
  const said = (r.stderr || r.stdout).trim().split("\n").pop() || `exit ${r.code}`;
  return new LegerError(`Cannot reach systemd${scope === "user" ? " (user)" : ""}: ${said}`, {
    exitCode: ExitCode.environment,
    hint: scope === "user"
      ? "Run leger doctor; log in through a session with a user systemd, or run: loginctl enable-linger $USER."
      : "Run leger doctor; leger needs systemd as the init system.",
  });
}

/** The `systemctl show` arguments whose output {@linkcode parseStates} reads. */
export function showArgs(units: readonly string[]): string[] {
  return ["show", "--property=Id,ActiveState,SubState,LoadState,Result,NRestarts", "--", ...units];
}

/** Reads the blocks `systemctl show` printed for `units`, in their order. */
export function parseStates(units: readonly string[], stdout: string): UnitState[] {
  const blocks = stdout.split("\n\n");
  return units.map((unit, i) => {
    const props = Object.fromEntries(
      (blocks[i] ?? "").split("\n").filter((l) => l.includes("=")).map((l) => [
        l.slice(0, l.indexOf("=")),
        l.slice(l.indexOf("=") + 1),
      ]),
    );
    return {
      unit,
      active: props.ActiveState || "unknown",
      sub: props.SubState || "unknown",
      load: props.LoadState || "unknown",
      result: props.Result || "",
      restarts: Number(props.NRestarts || 0),
    };
  });
}

/**
 * The `busctl` arguments that ask systemd for the load, active and sub
 * states of `units` in one call (`ListUnitsByNames`, systemd 227+; JSON
 * output, busctl 240+). systemd answers for every name, loading a unit it
 * had unloaded and saying `not-found` for one it does not know, as
 * `systemctl show` does; measured on the test host (systemd 262), about
 * 10 ms for 20 units where `systemctl show` took 110 ms (it asks for every
 * property of each unit, one unit at a time).
 */
export function listByNamesArgs(scope: Scope, units: readonly string[]): string[] {
  return [
    ...(scope === "user" ? ["--user"] : ["--system"]),
    "--json=short",
    "--", // unit names come from a set's file names: operands only (lib/core/argv.ts)
    "call",
    "org.freedesktop.systemd1",
    "/org/freedesktop/systemd1",
    "org.freedesktop.systemd1.Manager",
    "ListUnitsByNames",
    "as",
    String(units.length),
    ...units,
  ];
}

/**
 * Reads busctl's JSON answer to {@linkcode listByNamesArgs}: the states of
 * `units` in their order, without the last result and the restart count
 * (`result` is "" and `restarts` 0: the call does not give them). Undefined
 * when the answer is not exactly one well-formed entry per unit asked, in
 * order, so the caller asks `systemctl show` instead.
 */
export function parseListByNames(units: readonly string[], stdout: string): UnitState[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  const data = (doc as { data?: unknown })?.data;
  const entries = Array.isArray(data) ? data[0] : undefined;
  if (!Array.isArray(entries) || entries.length !== units.length) return undefined;
  const out: UnitState[] = [];
  for (const [i, entry] of entries.entries()) {
    if (!Array.isArray(entry) || entry.length < 5 || entry[0] !== units[i]) return undefined;
    const [, , load, active, sub] = entry as unknown[];
    if (typeof load !== "string" || typeof active !== "string" || typeof sub !== "string") return undefined;
    out.push({
      unit: units[i]!,
      active: active || "unknown",
      sub: sub || "unknown",
      load: load || "unknown",
      result: "",
      restarts: 0,
    });
  }
  return out;
}

/** Runs a program with its arguments: the shell layer (lib/host/systemd.ts), or {@linkcode runPlain}. */
export type RunCommand = (argv: string[]) => Promise<CommandResult>;

/**
 * Runs a program directly (Deno.Command, no shell layer): for `leger list` before any npm library loads. The
 * program is found in `pathEnv` (else the process's PATH) as every program leger starts is, so a PATH entry
 * the user may not search is passed over (lib/host/program_path.ts).
 */
export async function runPlain(argv: string[], pathEnv?: string): Promise<CommandResult> {
  const [name, ...args] = argv;
  const program = findProgram(name!, pathEnv ?? Deno.env.get("PATH"));
  if (!program) return { code: 127, stdout: "", stderr: `${name}: command not found` };
  try {
    const out = await new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { code: 127, stdout: "", stderr: `${name}: command not found` };
    throw error;
  }
}

/**
 * The states of units, in their order; exit code 6 when systemd cannot be
 * reached. With `quick`, only what one busctl call gives (load, active and
 * sub states: `result` is "" and `restarts` 0) in a tenth of the time, and
 * `systemctl show` when busctl's answer is anything but right.
 */
export async function unitStates(
  scope: Scope,
  units: string[],
  run: RunCommand,
  options: { quick?: boolean } = {},
): Promise<UnitState[]> {
  if (units.length === 0) return [];
  if (options.quick) {
    const quick = await run(["busctl", ...listByNamesArgs(scope, units)]);
    const found = quick.code === 0 ? parseListByNames(units, quick.stdout) : undefined;
    if (found) return found;
  }
  const r = await run(["systemctl", ...(scope === "user" ? ["--user"] : []), ...showArgs(units)]);
  if (r.code !== 0 && unreachable(r)) throw notReachable(scope, r);
  return parseStates(units, r.stdout);
}
