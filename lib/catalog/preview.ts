/**
 * `leger inspect` of a set that is not installed: what a fetched and
 * checked set (the facade's `prepare`) would bring to this host: its files
 * and units, images, published ports and who here already publishes them,
 * volumes and bind mounts, the secrets it needs and whether Podman and
 * Setec have them, how its units depend on each other, the validator's
 * verdict and what `install` would start. Reads only: nothing on the host
 * changes.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import type { Diagnostic, OtherSet } from "../quadlet/diagnostic.ts";
import { findUsers } from "../quadlet/conflicts.ts";
import { quadletKind, SECTION_OF } from "../quadlet/kinds.ts";
import { hostPortOf, type SetSummary } from "../quadlet/model.ts";
import { lastValue, listValues } from "../quadlet/parse.ts";
import { setUnits } from "../quadlet/units.ts";
import type { LegerYaml } from "../meta/leger_yaml.ts";
import { LEGER_YAML } from "../meta/set_meta.ts";
import { podmanSecretExists } from "../secrets/podman_secrets.ts";
import { createSetecClient } from "../secrets/sync_state.ts";
import type { FetchedSet } from "../source/fetch.ts";
import { listManifests } from "../state/manifest.ts";
import { loadSetFiles } from "../state/store.ts";

/** A set fetched and checked (the facade's PreparedSet, by shape). */
export interface CheckedSet {
  name: string;
  fetched: FetchedSet;
  check: {
    findings: Diagnostic[];
    errors: number;
    warnings: number;
    legerYaml: LegerYaml | undefined;
    summary: SetSummary;
  };
}

/** What `leger inspect` shows of a set that is not installed. */
export interface SetPreview {
  /** The name `install` would give it. */
  name: string;
  /** Where it was read: the full source, and the commit. */
  source: { input: string; url: string; ref?: string; commit?: string; subpath: string };
  description?: string;
  version?: string;
  files: Array<{ name: string; kind: "quadlet" | "meta" | "asset" }>;
  /** The units its files make (templates: each instance), with their kind. */
  units: Array<{ unit: string; file: string; kind: string }>;
  images: string[];
  ports: Array<{ port: string; usedBy: string[] }>;
  volumes: Array<{ name: string; unitFile?: string }>;
  binds: Array<{ hostPath: string; file: string }>;
  secrets: Array<{ podmanSecret: string; setec?: string; inPodman?: boolean; inSetec?: boolean }>;
  /** Units of the set a unit needs (Requires=, Wants=, After=, Pod=, Network=, Volume=, Image=). */
  dependencies: Array<{ unit: string; needs: string[] }>;
  verdict: { ok: boolean; errors: number; warnings: number; findings: Diagnostic[] };
  /** The units `install` would start, in order. */
  wouldStart: string[];
}

/** The set's units named in `value` (`db.container`, `db.service`, `net.network:...`). */
function unitRefs(value: string, services: Map<string, string>): string[] {
  const out: string[] = [];
  for (const word of value.split(/[\s,]+/)) {
    const name = word.split(":")[0]!;
    const hit = services.get(name);
    if (hit) out.push(hit);
  }
  return out;
}

/** What a unit of the set needs of the set's other units. */
function dependencies(prepared: CheckedSet): SetPreview["dependencies"] {
  const units = setUnits(prepared.fetched.files).units;
  const services = new Map<string, string>();
  for (const u of units) {
    services.set(u.file, u.service);
    services.set(u.service, u.service);
  }
  const out: SetPreview["dependencies"] = [];
  for (const u of units) {
    const needs = new Set<string>();
    const section = SECTION_OF[u.kind];
    for (const key of ["Requires", "Wants", "After", "BindsTo"]) {
      for (const v of listValues(u.unit, "Unit", key)) for (const s of unitRefs(v, services)) needs.add(s);
    }
    for (const key of ["Pod", "Network", "Volume", "Image", "Mount"]) {
      for (const v of listValues(u.unit, section, key)) {
        const refs = key === "Mount" ? (/(?:source|src)=([^,]+)/.exec(v)?.[1] ?? "") : v;
        for (const s of unitRefs(refs, services)) if (s !== u.service) needs.add(s);
      }
    }
    if (needs.size > 0) out.push({ unit: u.service, needs: [...needs].sort() });
  }
  return out;
}

/** Whether Podman and Setec have each secret; undefined where it cannot be asked. */
async function secretsOf(engine: Engine, prepared: CheckedSet): Promise<SetPreview["secrets"]> {
  const declared = new Map(
    (prepared.check.legerYaml?.secrets ?? []).map((s) => [s["podman-secret"], s.name]),
  );
  const names = [...new Set([...prepared.check.summary.secrets, ...declared.keys()])].sort();
  let setec: Set<string> | undefined;
  if (declared.size > 0 && engine.config.daemon["setec-server"]) {
    try {
      const client = createSetecClient(engine.config);
      try {
        setec = new Set((await client.list()).map((s) => s.name));
      } finally {
        client.close();
      }
    } catch (error) {
      engine.log.warn(`Cannot ask Setec which secrets it has: ${(error as Error).message}`);
    }
  }
  const out: SetPreview["secrets"] = [];
  for (const podmanSecret of names) {
    const inPodman = await podmanSecretExists(engine.$, podmanSecret).catch(() => undefined);
    const name = declared.get(podmanSecret);
    out.push({
      podmanSecret,
      ...(name ? { setec: name } : {}),
      ...(inPodman !== undefined ? { inPodman } : {}),
      ...(name && setec ? { inSetec: setec.has(name) } : {}),
    });
  }
  return out;
}

/** Builds the preview of a prepared set; reads the host (installed sets, podman and Setec secrets), changes nothing. */
export async function preview(engine: Engine, prepared: CheckedSet): Promise<SetPreview> {
  const { fetched, check } = prepared;
  const others: OtherSet[] = [];
  for (const m of await listManifests(engine.paths)) {
    if (m.name !== prepared.name) others.push({ name: m.name, files: await loadSetFiles(engine.paths, m.name) });
  }
  const units = setUnits(fetched.files).units;
  const images = new Set<string>();
  for (const u of units) {
    if (u.kind !== "container" && u.kind !== "image" && u.kind !== "build") continue;
    for (const key of ["Image", "ImageTag"]) {
      const v = lastValue(u.unit, SECTION_OF[u.kind], key);
      // Image=web.build names another unit of the set (its dependency), not an image.
      if (v && !/\.(image|build)$/.test(v)) images.add(v);
    }
  }
  const src = fetched.source;
  const meta = check.legerYaml;
  return {
    name: prepared.name,
    source: {
      input: src.input,
      url: src.url,
      ...(src.ref !== undefined ? { ref: src.ref } : {}),
      ...(src.commit ? { commit: src.commit } : {}),
      subpath: src.subpath,
    },
    ...(meta?.description ? { description: meta.description } : {}),
    ...(meta?.version ? { version: meta.version } : {}),
    files: fetched.files.map((f) => ({
      name: f.name,
      kind: f.name === LEGER_YAML ? "meta" : quadletKind(f.name) ? "quadlet" : "asset",
    })),
    units: units.map((u) => ({ unit: u.service, file: u.file, kind: u.kind })),
    images: [...images].sort(),
    ports: check.summary.ports.map((port) => {
      const host = Number(hostPortOf(port)?.port);
      const usedBy = Number.isFinite(host) && host > 0
        ? findUsers(others, { port: host }).map((u) => `${u.set} (${u.file}: ${u.what})`)
        : [];
      return { port, usedBy };
    }),
    volumes: check.summary.volumes.map((v) => ({ name: v.name, ...(v.unitFile ? { unitFile: v.unitFile } : {}) })),
    binds: check.summary.binds,
    secrets: await secretsOf(engine, prepared),
    dependencies: dependencies(prepared),
    verdict: { ok: check.errors === 0, errors: check.errors, warnings: check.warnings, findings: check.findings },
    wouldStart: check.summary.units,
  };
}
