/**
 * Where a backup takes the snapshot path (snapshot.ts: every volume on
 * storage that clones), the units that use the volumes are frozen for the
 * reflink copies instead of stopped (decision 79): `systemctl freeze`
 * pauses every process in each unit's cgroup, conmon and the container
 * included (the cgroup v2 freezer); the unit stays active with the same
 * invocation, connections wait in the kernel, and after `systemctl thaw`
 * it goes on where it was. The copies are what a power cut at that instant
 * would leave, on every volume of the set at one instant (all units are
 * frozen before the first copy starts). `leger backup --stop` stops them
 * instead, as before.
 *
 * Seen on the sid test host (systemd 262, rootless): freeze and thaw of an
 * active unit exit 0, and again when it is frozen or running already; both
 * refuse a unit that is not active ("Unit is not active", exit 1); a frozen
 * unit refuses stop and restart ("Cannot perform operation on frozen
 * unit"), so a recovery thaws before anything else.
 *
 * The journal entry lists the units before they are frozen: a backup
 * killed while they are frozen leaves them so until the next leger run of
 * the scope (or `leger recover`) thaws them. SIGINT and SIGTERM while they
 * are frozen are held until the thaw, then end the backup.
 *
 * @module
 */
import type { Engine } from "../../../engine.ts";
import { LegerError } from "../../../core/errors.ts";
import { operands } from "../../../core/argv.ts";
import { type JournalEntry, markStep } from "../../../state/journal.ts";
import { unitArgs } from "../../../host/systemd.ts";

/** The journal data key listing the units a backup froze (or is about to). */
export const FROZEN_KEY = "frozen";

/** What {@linkcode copyFrozen} did. */
export interface FrozenCopy {
  /** The units frozen for the copy (none when none was running). */
  units: string[];
  /** Whether the copy was made (else the originals are archived with the units stopped). */
  copied: boolean;
  /** Milliseconds from the freeze call to the thaw's return: an upper bound of the pause the service saw. */
  ms: number;
}

/** Unit states a backup stops or freezes: the unit is running or about to. */
export const RUNNING: ReadonlySet<string> = new Set(["active", "activating", "reloading"]);

/** FreezerState of each unit that systemd knows (one `systemctl show`). */
async function freezerStates(engine: Engine, units: string[]): Promise<Map<string, string>> {
  const r = await engine.systemd.systemctl([
    "show",
    "--property=Id,FreezerState",
    "--",
    ...operands(units, "unit name"),
  ]);
  const out = new Map<string, string>();
  for (const block of r.stdout.split(/\n\s*\n/)) {
    const id = /^Id=(.+)$/m.exec(block)?.[1];
    const state = /^FreezerState=(.+)$/m.exec(block)?.[1];
    if (id && state) out.set(id.trim(), state.trim());
  }
  return out;
}

/**
 * Thaws `units`: one call, and when it fails, each unit still frozen once
 * more on its own (a unit that is not active any more is not frozen: the
 * thaw refuses it, which is no harm). Returns the units left frozen with
 * systemd's words.
 */
export async function thaw(engine: Engine, units: string[]): Promise<Array<{ unit: string; error: string }>> {
  if (units.length === 0) return [];
  const r = await engine.systemd.systemctl(unitArgs("thaw", units));
  if (r.code === 0) return [];
  const states = await freezerStates(engine, units);
  const left: Array<{ unit: string; error: string }> = [];
  for (const unit of units.filter((u) => states.get(u) !== undefined && states.get(u) !== "running")) {
    const again = await engine.systemd.systemctl(unitArgs("thaw", [unit]));
    if (again.code !== 0) left.push({ unit, error: (again.stderr || again.stdout).trim() || `exit ${again.code}` });
  }
  return left;
}

/** Units a backup could not thaw: its journal entry stays, so the next leger run of the scope tries again. */
export class StillFrozen extends LegerError {}

/** Thaws `units`; throws, naming each unit still frozen and how to thaw it, when any is. */
async function mustThaw(engine: Engine, units: string[]): Promise<void> {
  const left = await thaw(engine, units);
  if (left.length === 0) return;
  const user = engine.scope === "user" ? " --user" : "";
  throw new StillFrozen(
    `Cannot thaw ${left.map((l) => `${l.unit} (${l.error})`).join(", ")}: the service stays paused`,
    { hint: `Run: systemctl${user} thaw ${left.map((l) => l.unit).join(" ")}; or leger recover` },
  );
}

/**
 * Freezes the running units among `consumers`, runs `copy`, and thaws
 * them, whatever happens. Undefined when they could not be frozen (an old
 * systemd, no cgroup v2 freezer, a unit that refuses): they are thawed, a
 * warning says why, and the caller stops them instead; the copy was not
 * tried.
 */
export async function copyFrozen(
  engine: Engine,
  name: string,
  consumers: string[],
  entry: JournalEntry,
  copy: () => Promise<boolean>,
): Promise<FrozenCopy | undefined> {
  const units = (await engine.systemd.states(consumers)).filter((s) => RUNNING.has(s.active)).map((s) => s.unit);
  if (units.length === 0) return { units, copied: await copy(), ms: 0 };
  await markStep(engine.paths, entry, "freezing", { [FROZEN_KEY]: units });
  engine.log.step(`Freezing ${units.join(", ")} for a reflink copy`);
  const held: Deno.Signal[] = [];
  const holders = (["SIGINT", "SIGTERM"] as const).map((s) => [s, () => held.push(s)] as const);
  for (const [s, f] of holders) Deno.addSignalListener(s, f);
  const t0 = performance.now();
  const at: number[] = []; // the freeze's and the copy's ends
  let copied: boolean | undefined;
  try {
    const r = await engine.systemd.systemctl(unitArgs("freeze", units));
    at.push(performance.now());
    if (r.code === 0) {
      copied = await copy();
      at.push(performance.now());
    } else {
      engine.log.warn(
        `${name}: could not freeze ${units.join(", ")} (${
          (r.stderr || r.stdout).trim() || `exit ${r.code}`
        }); stopping them for the copy instead (systemd 246 or later with cgroup v2 can freeze them)`,
      );
    }
  } finally {
    try {
      await mustThaw(engine, units);
    } finally {
      for (const [s, f] of holders) Deno.removeSignalListener(s, f);
    }
  }
  const t1 = performance.now();
  const ms = Math.round(t1 - t0);
  await markStep(engine.paths, entry, "thawed", { [FROZEN_KEY]: [] });
  if (held.length) {
    throw new LegerError(`The backup of ${name} was interrupted (${held[0]}); ${units.join(", ")} run on`);
  }
  if (copied === undefined) return undefined;
  const [frozenAt = t0, copiedAt = t1] = at;
  const part = (a: number, b: number) => Math.round(b - a);
  engine.log.info(
    `${units.join(", ")} ${units.length > 1 ? "were" : "was"} frozen for ${ms} ms (freeze ${part(t0, frozenAt)} ms, ` +
      `copy ${part(frozenAt, copiedAt)} ms, thaw ${part(copiedAt, t1)} ms)`,
  );
  return { units, copied, ms };
}

/** Recovery: thaws the units a killed backup listed as frozen (each on its own; not frozen is no harm). */
export async function thawListed(engine: Engine, entry: JournalEntry): Promise<string[]> {
  const listed = entry.data[FROZEN_KEY];
  const units = Array.isArray(listed) ? listed.filter((u): u is string => typeof u === "string") : [];
  for (const unit of units) await mustThaw(engine, [unit]);
  return units;
}
