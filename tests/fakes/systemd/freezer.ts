/**
 * The fake host's `systemctl freeze` and `thaw` (the cgroup v2 freezer),
 * answering as systemd 262 did on the sid test host (rootless, seen one
 * by one): freeze and thaw of an active unit exit 0, and again when it is
 * frozen or running already; both refuse a unit that is not active
 * ("Failed to freeze unit X: Unit is not active", exit 1) and a unit
 * systemd does not know ("Failed to add reference to unit X: Unit X not
 * found.", exit 1, the units after it untouched). A frozen unit stays
 * ActiveState=active with FreezerState=frozen; stop and restart refuse it
 * ("Cannot perform operation on frozen unit X.", exit 1; try-restart is
 * taken to do the same, not seen); a start of it is
 * a no-op (exit 0, still frozen). Its processes do not run, so nothing
 * happens on its own clock (units.ts) until it is thawed.
 *
 * @module
 */
import type { Answer, Ctx } from "../fake_host_state.ts";
import { loaded, lookup } from "./generator.ts";
import { advanceUnit } from "./units.ts";

/** The error of a stop or restart of a frozen unit, or undefined when none of `units` is frozen. */
export function refusedWhileFrozen(ctx: Ctx, units: string[]): Answer | undefined {
  const frozen = units.find((unit) => lookup(ctx, unit)?.frozen);
  return frozen ? { code: 1, stderr: `Cannot perform operation on frozen unit ${frozen}.\n` } : undefined;
}

/** Answers `systemctl freeze|thaw UNIT...`. */
export function freezer(ctx: Ctx, verb: "freeze" | "thaw", units: string[]): Answer {
  if (units.length === 0) return { code: 1, stderr: "Too few arguments.\n" };
  for (const unit of units) {
    const u = lookup(ctx, unit);
    if (!u || (!loaded(u) && u.active === "inactive")) {
      return { code: 1, stderr: `Failed to add reference to unit ${unit}: Unit ${unit} not found.\n` };
    }
    advanceUnit(ctx, u);
    if (u.active !== "active") return { code: 1, stderr: `Failed to ${verb} unit ${unit}: Unit is not active\n` };
    if (verb === "freeze") u.frozen = true;
    else delete u.frozen;
  }
  return {};
}
