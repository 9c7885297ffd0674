/**
 * systemctl and journalctl for one scope (`--user` for rootless).
 *
 * @module
 */
import { operands } from "../core/argv.ts";
import { LegerError } from "../core/errors.ts";
import type { Scope } from "../core/paths.ts";
import { run, type RunResult, type Shell } from "./shell.ts";
import { notReachable, type UnitState, unitStates, unreachable } from "./systemd_state.ts";

/** systemctl verbs that start units, and may meet a stale cgroup right after a stop. */
const STARTING_VERBS = new Set(["start", "restart", "try-restart"]);

/** `VERB -- UNIT...`: unit names come from a set's file names, so they stand after `--` (lib/core/argv.ts). */
export function unitArgs(verb: string, units: readonly string[]): string[] {
  return [verb, "--", ...operands(units, "unit name")];
}

/** systemctl/journalctl bound to a scope. */
export class Systemd {
  constructor(readonly $: Shell, readonly scope: Scope) {}

  private flag(): string[] {
    return this.scope === "user" ? ["--user"] : [];
  }

  private raw(args: string[]): Promise<RunResult> {
    return run(this.$, ["systemctl", ...this.flag(), ...args]);
  }

  /**
   * Runs systemctl; returns the result without throwing, except when
   * systemd cannot be reached at all (no systemctl, no bus): that is a host
   * that is not ready (exit code 6), whatever command asked.
   */
  async systemctl(args: string[]): Promise<RunResult> {
    const r = await this.raw(args);
    if (r.code !== 0 && unreachable(r)) throw notReachable(this.scope, r);
    if (r.code !== 0 && STARTING_VERBS.has(args[0]!)) return await this.againAfterStaleCgroup(args, r);
    return r;
  }

  /**
   * A start that systemd could not even spawn (result `resources`) right
   * after the unit stopped is tried once more. Seen on the test hosts
   * while their systemd managers shared one cgroup tree (decision 44):
   * "Failed to spawn executor: No such file or directory", another
   * manager having removed the unit's cgroup; a second start works (shown
   * on fakes only). Any other failure, or a second `resources` failure, is
   * returned as it is.
   */
  private async againAfterStaleCgroup(args: string[], failed: RunResult): Promise<RunResult> {
    const units = args.slice(1).filter((a) => !a.startsWith("-"));
    const stale = (await this.states(units)).filter((u) => u.active === "failed" && u.result === "resources");
    if (stale.length === 0) return failed;
    const names = stale.map((u) => u.unit);
    await this.raw(unitArgs("reset-failed", names));
    const again = await this.raw(unitArgs(args[0]!, names));
    if (again.code !== 0) return failed;
    // The first call's other units: a failure of theirs is not this one, and is reported as it was.
    const rest = units.filter((u) => !names.includes(u));
    return (await this.states(rest)).some((u) => u.active === "failed") ? failed : again;
  }

  private async must(args: string[], what: string): Promise<RunResult> {
    const r = await this.systemctl(args);
    if (r.code !== 0) {
      throw new LegerError(`Cannot ${what}: systemctl said: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`, {
        hint: this.scope === "user"
          ? "Is the user's systemd running? (loginctl enable-linger $USER; then log in again)"
          : "Check `systemctl status` for the unit.",
      });
    }
    return r;
  }

  /** `systemctl daemon-reload`: runs the quadlet generator again. */
  async daemonReload(): Promise<void> {
    await this.must(["daemon-reload"], "reload systemd");
  }

  /** Starts units (in the order given). */
  async start(units: string[]): Promise<void> {
    if (units.length) await this.must(unitArgs("start", units), `start ${units.join(" ")}`);
  }

  /** Stops units. */
  async stop(units: string[]): Promise<void> {
    if (units.length) await this.must(unitArgs("stop", units), `stop ${units.join(" ")}`);
  }

  /** Restarts units. */
  async restart(units: string[]): Promise<void> {
    if (units.length) await this.must(unitArgs("restart", units), `restart ${units.join(" ")}`);
  }

  /** Starts one unit; returns the failure text instead of throwing. */
  async tryStart(unit: string): Promise<string | undefined> {
    const r = await this.systemctl(unitArgs("start", [unit]));
    return r.code === 0 ? undefined : (r.stderr || r.stdout).trim() || `exit ${r.code}`;
  }

  /** Clears the failed state so a unit can be started again. */
  async resetFailed(units: string[]): Promise<void> {
    if (units.length) await this.systemctl(unitArgs("reset-failed", units));
  }

  /** States of units (one systemctl call). */
  async states(units: string[]): Promise<UnitState[]> {
    return await unitStates(this.scope, operands(units, "unit name"), (argv) => run(this.$, argv));
  }

  /** The last `lines` journal lines of units. */
  async journal(units: string[], lines = 20): Promise<string> {
    const args = ["journalctl", ...this.flag(), "--no-pager", "-o", "short-iso", "-n", String(lines)];
    for (const u of operands(units, "unit name")) args.push(`--unit=${u}`);
    const r = await run(this.$, args);
    if (r.stdout.trim() === "" && /insufficient permissions|No journal files/i.test(r.stderr)) {
      return "(the journal cannot be read by this user: enable persistent journald storage, or add the user to the systemd-journal group)";
    }
    return r.stdout.trimEnd();
  }

  /** The argv for following logs (used with inherited output). */
  journalArgs(units: string[], lines: number, follow: boolean): string[] {
    const args = ["journalctl", ...this.flag(), "--no-pager", "-n", String(lines)];
    if (follow) args.push("-f");
    for (const u of operands(units, "unit name")) args.push(`--unit=${u}`);
    return args;
  }

  /** Whether systemd answers for this scope. */
  async reachable(): Promise<{ ok: boolean; detail: string }> {
    const r = await this.raw(["is-system-running"]);
    const state = r.stdout.trim();
    return {
      ok: state !== "" && state !== "offline" && !/Failed to connect|No such file/i.test(r.stderr),
      detail: state || r.stderr.trim(),
    };
  }
}
