/**
 * `leger list --all` and `leger doctor`: the quadlets no set owns, each
 * group with the state of its units.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import type { UnitState } from "../../host/systemd_state.ts";
import { overallState } from "../query/list.ts";
import { unownedGroups } from "./adopt.ts";
import type { FoundFile, Grouping } from "./discover.ts";

/** One group of unowned quadlets, as `leger list --all` shows it. */
export interface UnownedRow {
  /** The set name `leger adopt` would give it. */
  name: string;
  grouping: Grouping;
  /** The folder its files are in. */
  dir: string;
  /** active, failed, inactive, partial or none, as for a set. */
  state: string;
  units: UnitState[];
  files: FoundFile[];
}

/** The unowned groups of this scope with their units' states. */
export async function unowned(engine: Engine): Promise<UnownedRow[]> {
  const groups = await unownedGroups(engine);
  const states = await engine.systemd.states(groups.flatMap((g) => g.units));
  return groups.map((g) => {
    const mine = states.filter((s) => g.units.includes(s.unit));
    return { name: g.name, grouping: g.grouping, dir: g.dir, state: overallState(mine), units: mine, files: g.files };
  });
}

/** `leger doctor`'s line on quadlets no set owns (never a failure: they run as they did). */
export async function unownedCheck(engine: Engine): Promise<{ name: string; ok: boolean; detail: string }> {
  const name = "quadlets outside the sets";
  try {
    const groups = await unownedGroups(engine);
    if (groups.length === 0) return { name, ok: true, detail: "none" };
    return {
      name,
      ok: true,
      detail: `${groups.length} group(s) not owned by a set: ${
        groups.map((g) => g.name).join(", ")
      } (leger list --all shows them; leger adopt NAME brings one under leger, restarting nothing)`,
    };
  } catch (error) {
    return { name, ok: true, detail: `not checked: ${(error as Error).message}` };
  }
}
