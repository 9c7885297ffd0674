/**
 * `leger list --all` and `leger doctor`: the quadlets no set owns, each
 * group with the state of its units.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import type { UnitState } from "../../systemd.ts";
import { overallState } from "../list.ts";
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
