/**
 * Reading what is installed and driving its units: list, inspect, status,
 * logs, start, stop, restart.
 *
 * @module
 */
import { hasTemplate, nativeTemplateLimit } from "../../backend/for_set.ts";
import type { Engine } from "../../engine.ts";
import { sha256 } from "../../core/fs.ts";
import type { Manifest } from "../../state/manifest.ts";
import type { UnitState } from "../../host/systemd_state.ts";
import { listSets, row, type SetRow } from "./list.ts";
import { type UpdateStatus, updateStatusOf } from "../../policy/status.ts";
import { requireManifest } from "../set_lookup.ts";
import { risksOf, riskText } from "../../quadlet/risk/risks_of.ts";
import { loadSetFiles } from "../../state/store.ts";

/**
 * Every installed set with the state of its units (lib/ops/query/list.ts, which
 * `leger list` also runs without the engine).
 */
export function list(engine: Engine): Promise<SetRow[]> {
  return listSets({ scope: engine.scope, paths: engine.paths, states: (units) => engine.systemd.states(units) });
}

/** A file whose installed content differs from what leger installed. */
export interface Drift {
  name: string;
  path: string;
  /** changed (edited by hand) or missing. */
  change: "changed" | "missing";
}

/** Files of the set changed or removed by hand since leger installed them. */
export async function drift(m: Manifest): Promise<Drift[]> {
  const out: Drift[] = [];
  for (const f of m.files) {
    if (!f.path) continue;
    try {
      if ((await sha256(await Deno.readFile(f.path))) !== f.sha256) {
        out.push({ name: f.name, path: f.path, change: "changed" });
      }
    } catch {
      out.push({ name: f.name, path: f.path, change: "missing" });
    }
  }
  return out;
}

/** Everything leger knows about a set. */
export interface SetDetails extends SetRow {
  manifest: Manifest;
  drift: Drift[];
  /** Unattended updates: policy, last check, staged, last apply, rolled-back commits. */
  updates: UpdateStatus;
  /** Why the set uses another backend than the scope's, when it does. */
  backendNote?: string;
  /** What the set lets its containers do to the host (risk findings of its installed files). */
  risks: string[];
}

/** Why a set is on the files backend while the scope uses the native one (templates on podman 5.x). */
async function backendNote(engine: Engine, m: Manifest): Promise<string | undefined> {
  if (m.backend !== "files" || !hasTemplate(m.files.map((f) => f.name))) return undefined;
  try {
    if ((await engine.backend()).kind !== "native") return undefined;
    const limit = nativeTemplateLimit(await engine.podman());
    return limit ? `the set has template units and ${limit}` : undefined;
  } catch {
    return undefined;
  }
}

/** The manifest, unit states and hand edits of a set. */
export async function inspect(engine: Engine, name: string): Promise<SetDetails> {
  const m = await requireManifest(engine, name);
  const states = await engine.systemd.states(m.units);
  const note = await backendNote(engine, m);
  return {
    ...row(m, states),
    manifest: m,
    drift: await drift(m),
    updates: await updateStatusOf(engine, name),
    ...(note ? { backendNote: note } : {}),
    risks: risksOf(await loadSetFiles(engine.paths, name)).map(riskText),
  };
}

/** The last journal lines of a set's units. */
export async function logs(engine: Engine, name: string, lines = 50): Promise<string> {
  const m = await requireManifest(engine, name);
  return await engine.systemd.journal(m.units, lines);
}

/** Starts, stops or restarts all units of a set; returns the states after. */
export async function control(
  engine: Engine,
  name: string,
  action: "start" | "stop" | "restart",
): Promise<UnitState[]> {
  const m = await requireManifest(engine, name);
  const verb = { start: "Starting", stop: "Stopping", restart: "Restarting" }[action];
  engine.log.step(`${verb} ${name}`);
  if (action === "stop") {
    await engine.systemd.stop([...m.units].reverse());
    // A container killed by the stop signal leaves its unit "failed": the user asked for it.
    await engine.systemd.resetFailed(m.units);
  } else {
    await engine.systemd.resetFailed(m.units);
    await engine.systemd[action](m.units);
  }
  return await engine.systemd.states(m.units);
}
