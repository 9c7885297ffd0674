/**
 * What systemd says of units, read without the shell layer: the states
 * `systemctl show` prints, and the error for a systemd that cannot be
 * reached. lib/systemd.ts runs systemctl through dax; `leger list`
 * (commands/list.ts) runs it directly and reads it with the same code.
 *
 * @module
 */
import { ExitCode, LegerError } from "./errors.ts";
import type { Scope } from "./paths.ts";

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
    "--", // unit names come from a set's file names: operands only (lib/argv.ts)
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
