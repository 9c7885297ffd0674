/**
 * `leger list`: every installed set and the state of its units. Nothing
 * here loads an npm library (the manifests are read by
 * lib/state/manifest_quick.ts, systemd is asked by the caller), so the
 * command can run before commander loads: decision 46 in
 * docs/ARCHITECTURE.md.
 *
 * @module
 */
import { join } from "node:path";
import type { Scope, ScopePaths } from "../../core/paths.ts";
import type { Manifest } from "../../state/manifest.ts";
import { parseManifestQuick } from "../../state/manifest_quick.ts";
import type { UnitState } from "../../host/systemd_state.ts";

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

export function row(m: Manifest, states: UnitState[]): SetRow {
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

function brokenRow(scope: Scope, name: string, file: string, error: unknown): SetRow {
  const problem = error instanceof Error ? error.message : String(error);
  return {
    name,
    scope,
    state: "broken",
    units: [],
    source: "-",
    backend: "-",
    updatedAt: "",
    problem,
    hint: brokenManifestHint(name, file),
  };
}

/** What {@linkcode listSets} reads: the scope's records, and systemd's word on units. */
export interface ListSource {
  scope: Scope;
  paths: ScopePaths;
  /** The states of units, in their order (one systemctl call). */
  states(units: string[]): Promise<UnitState[]>;
}

/**
 * Every installed set with the state of its units. A set whose manifest
 * cannot be read is listed as broken, with what is wrong and how to fix
 * it; the others are listed as usual.
 */
export async function listSets(source: ListSource): Promise<SetRow[]> {
  const manifests: Manifest[] = [];
  const broken: SetRow[] = [];
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(source.paths.manifestsDir)) {
      if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name.slice(0, -".json".length));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const name of names) {
    const file = join(source.paths.manifestsDir, `${name}.json`);
    try {
      manifests.push(await parseManifestQuick(await Deno.readTextFile(file), file));
    } catch (error) {
      broken.push(brokenRow(source.scope, name, file, error));
    }
  }
  const all = await source.states(manifests.flatMap((m) => m.units));
  return [...manifests.map((m) => row(m, all.filter((s) => m.units.includes(s.unit)))), ...broken]
    .sort((a, b) => a.name.localeCompare(b.name));
}
