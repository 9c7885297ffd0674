/**
 * Reading what is installed and driving its units: list, inspect, status,
 * logs, start, stop, restart.
 *
 * @module
 */
import { hasTemplate, nativeTemplateLimit } from "../backend/for_set.ts";
import type { Engine } from "../engine.ts";
import { sha256 } from "../fs.ts";
import type { Manifest } from "../state/manifest.ts";
import { manifestPath, parseManifest } from "../state/manifest.ts";
import type { UnitState } from "../systemd.ts";
import { type UpdateStatus, updateStatusOf } from "../gitops/status.ts";
import { requireManifest } from "./set_lookup.ts";

/** One row of `leger list`. */
export interface SetRow {
  name: string;
  scope: string;
  /**
   * active (all units up), failed (any failed), inactive, partial, none (no
   * units), or broken (leger's record of the set cannot be read: see problem).
   */
  state: string;
  units: UnitState[];
  source: string;
  ref?: string;
  commit?: string;
  version?: string;
  backend: string;
  updatedAt: string;
  /** For a broken set: what is wrong with leger's record of it. */
  problem?: string;
  /** For a broken set: how to fix it. */
  hint?: string;
}

/** Sums unit states into one word. */
export function overallState(states: UnitState[]): string {
  if (states.length === 0) return "none";
  if (states.some((s) => s.active === "failed" || s.sub === "auto-restart")) return "failed";
  if (states.every((s) => s.active === "active")) return "active";
  if (states.every((s) => s.active === "inactive")) return "inactive";
  return "partial";
}

function row(m: Manifest, states: UnitState[]): SetRow {
  return {
    name: m.name,
    scope: m.scope,
    state: overallState(states),
    units: states,
    source: m.source.input,
    ...(m.source.ref !== undefined ? { ref: m.source.ref } : {}),
    ...(m.source.commit ? { commit: m.source.commit } : {}),
    ...(m.version ? { version: m.version } : {}),
    backend: m.backend,
    updatedAt: m.updatedAt,
  };
}

/** How to get past a manifest that cannot be read (every command named here exists). */
export function brokenManifestHint(name: string, file: string): string {
  return `Move ${file} aside (mv ${file} ${file}.broken), then install the set again: ` +
    `leger install <its source> --name ${name}.`;
}

function brokenRow(engine: Engine, name: string, file: string, error: unknown): SetRow {
  const problem = error instanceof Error ? error.message : String(error);
  return {
    name,
    scope: engine.scope,
    state: "broken",
    units: [],
    source: "-",
    backend: "-",
    updatedAt: "",
    problem,
    hint: brokenManifestHint(name, file),
  };
}

/**
 * Every installed set with the state of its units. A set whose manifest
 * cannot be read is listed as broken, with what is wrong and how to fix
 * it; the others are listed as usual.
 */
export async function list(engine: Engine): Promise<SetRow[]> {
  const manifests: Manifest[] = [];
  const broken: SetRow[] = [];
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(engine.paths.manifestsDir)) {
      if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name.slice(0, -".json".length));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const name of names) {
    const file = manifestPath(engine.paths, name);
    try {
      manifests.push(parseManifest(await Deno.readTextFile(file), file));
    } catch (error) {
      broken.push(brokenRow(engine, name, file, error));
    }
  }
  const all = await engine.systemd.states(manifests.flatMap((m) => m.units));
  return [...manifests.map((m) => row(m, all.filter((s) => m.units.includes(s.unit)))), ...broken]
    .sort((a, b) => a.name.localeCompare(b.name));
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
