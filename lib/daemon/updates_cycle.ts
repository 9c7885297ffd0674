/**
 * One update cycle, as a `leger daemon cycle --updates` child runs it: the
 * fleet sync (when config.yaml names a fleet repository), then every set
 * that is due, or the sets `leger update --now` names whatever their
 * interval. It answers when a set may next be due, so the daemon sleeps
 * until then instead of looking every minute.
 *
 * The operations it runs take the scope lock like the CLI, so a cycle never
 * interleaves with a command or a secret rotation. The cycle's code
 * (staging, applying, the validator) is imported only when some set has a
 * git source and a policy other than off.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { listManifests } from "../state/manifest.ts";
import type { UpdatesReply, UpdatesRequest } from "./cycle_protocol.ts";
import type { Leger } from "../leger_api.ts";
import { unattendedOps } from "../leger.ts";
import { readSetPolicies, type SetPolicy, shortestInterval } from "../gitops/sets.ts";
import type { UpdateEvent } from "../gitops/updater.ts";

/** The longest the daemon waits for the fleet repository: as often as the original one-minute tick looked. */
const MAX_FLEET_WAIT_MS = 60_000;

/** Runs one update cycle; `onEvent` hears each event (hooks). Never throws: a failure is the reply's `error`. */
export async function runUpdatesCycle(
  engine: Engine,
  leger: Leger,
  request: UpdatesRequest,
  onEvent?: (event: UpdateEvent) => Promise<void> | void,
): Promise<UpdatesReply> {
  const now = request.now;
  let sets: SetPolicy[] | undefined = await readSetPolicies(engine).catch(() => undefined);
  const followsSets = sets ? shortestInterval(sets) !== undefined : false;
  const fleetConfigured = engine.config.fleet !== undefined;
  if (!now && !followsSets && !fleetConfigured) return { followed: false, results: [] };
  const { updateCycle } = await import("../gitops/updater.ts");
  const events = onEvent ? { onEvent } : {};
  let fleet: UpdatesReply["fleet"];
  let fleetMs: number | undefined;
  let at = new Date().toISOString();
  try {
    if (fleetConfigured) {
      // The pull model's code loads only on a host whose config names a fleet repository.
      const { syncFleet, fleetIntervalMs } = await import("../fleet/pull.ts");
      fleetMs = fleetIntervalMs(engine.config);
      // Without names (leger update --now), the fleet repository is asked too, and failed sets are tried again.
      fleet = await syncFleet(engine, leger, { force: now !== undefined && now.length === 0, ...events });
      // A sync that ran may have installed or removed sets: then the cycle reads them again.
      if (fleet.result === "done") sets = undefined;
    }
    const force = now === undefined
      ? undefined
      : now.length
      ? now
      : (await listManifests(engine.paths)).map((m) => m.name);
    let next = fleetMs === undefined ? Infinity : Math.min(MAX_FLEET_WAIT_MS, Math.max(1_000, fleetMs / 2));
    const results = await updateCycle(engine, unattendedOps(engine), {
      ...(force ? { force } : {}),
      ...(sets ? { sets } : {}),
      ...events,
      keepRemoteAnswers: fleetConfigured, // the fleet sync asked the remotes afresh this cycle
      onDue: (when) => void (next = Math.min(next, Math.max(1_000, when - Date.now()))),
    });
    at = new Date().toISOString();
    return {
      followed: true,
      at,
      results: results.map((r) => ({ name: r.name, result: r.result, ...(r.commit ? { commit: r.commit } : {}) })),
      ...(fleet ? { fleet } : {}),
      ...(Number.isFinite(next) ? { nextDueMs: Math.round(next) } : {}),
    };
  } catch (error) {
    engine.log.error(`update cycle failed: ${(error as Error).message}`);
    return {
      followed: true,
      at,
      results: [],
      error: (error as Error).message,
      ...(fleet ? { fleet } : {}),
      nextDueMs: Math.min(MAX_FLEET_WAIT_MS, fleetMs ?? MAX_FLEET_WAIT_MS),
    };
  }
}
