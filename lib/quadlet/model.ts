/**
 * What a quadlet set defines and uses, read from its files: the systemd
 * units the generator will make, podman volumes, published ports, secrets
 * and the other files the units point at.
 *
 * @module
 */
import { planDropins } from "./dropins.ts";
import { lastValue, listValues, mergeUnits, type ParsedUnit, parseUnit } from "./parse.ts";

/** File kinds the quadlet generator turns into units. */
export const QUADLET_KINDS = [
  "container",
  "volume",
  "network",
  "pod",
  "kube",
  "image",
  "build",
  "artifact",
] as const;
/** A quadlet file kind. */
export type QuadletKind = typeof QUADLET_KINDS[number];

/** The main section of each kind. */
export const SECTION_OF: Record<QuadletKind, string> = {
  container: "Container",
  volume: "Volume",
  network: "Network",
  pod: "Pod",
  kube: "Kube",
  image: "Image",
  build: "Build",
  artifact: "Artifact",
};

/** The kind of a quadlet file name, or undefined for other files. */
export function quadletKind(fileName: string): QuadletKind | undefined {
  const ext = fileName.slice(fileName.lastIndexOf(".") + 1);
  return (QUADLET_KINDS as readonly string[]).includes(ext) && fileName.lastIndexOf(".") > 0
    ? ext as QuadletKind
    : undefined;
}

/** True for `foo@.container` (a template, not started by itself). */
export function isTemplate(fileName: string): boolean {
  const base = fileName.slice(0, fileName.lastIndexOf("."));
  return base.endsWith("@");
}

/**
 * The systemd unit the generator makes from a quadlet file:
 * `web.container` -> `web.service`, `data.volume` -> `data-volume.service`.
 * `ServiceName=` in the main section overrides it.
 */
export function unitNameOf(fileName: string, unit?: ParsedUnit): string {
  const kind = quadletKind(fileName);
  const base = fileName.slice(0, fileName.lastIndexOf("."));
  if (!kind) return fileName;
  const override = unit ? lastValue(unit, SECTION_OF[kind], "ServiceName") : undefined;
  if (override) return `${override}.service`;
  if (kind === "container" || kind === "kube") return `${base}.service`;
  if (base.endsWith("@")) return `${base.slice(0, -1)}-${kind}@.service`;
  return `${base}-${kind}.service`;
}

/** A file of a set, by name and text. */
export interface SetFile {
  /** File name (flat, no folders). */
  name: string;
  /** File content. */
  text: string;
}

/** A volume a set uses. */
export interface VolumeUse {
  /** podman volume name. */
  name: string;
  /** The `.volume` file defining it, when there is one. */
  unitFile?: string;
}

/** A bind mount of a host path. */
export interface BindUse {
  /** Host path. */
  hostPath: string;
  /** The file that mounts it. */
  file: string;
}

/** What a set defines and uses. */
export interface SetSummary {
  /** Unit names to manage (templates excluded), in start order. */
  units: string[];
  /** Podman volumes (named volumes and `.volume` units). */
  volumes: VolumeUse[];
  /** Host paths bind-mounted into containers. */
  binds: BindUse[];
  /** PublishPort= values as written. */
  ports: string[];
  /** Podman secret names used with Secret=. */
  secrets: string[];
  /** Files referenced by the units (Yaml=, EnvironmentFile=, ...), relative ones. */
  references: string[];
}

const START_ORDER: Record<QuadletKind, number> = {
  network: 0,
  volume: 0,
  image: 1,
  build: 1,
  artifact: 1,
  pod: 2,
  container: 3,
  kube: 3,
};

/** The podman volume name a `.volume` file creates. */
export function volumeNameOf(fileName: string, unit: ParsedUnit): string {
  return lastValue(unit, "Volume", "VolumeName") ??
    `systemd-${fileName.slice(0, fileName.lastIndexOf("."))}`;
}

/**
 * Reads a set's files and sums up what it defines and uses. Drop-ins
 * (`web.container.d/10-x.conf`, `container.d/x.conf`) are merged into the
 * units they apply to, as the generator does.
 */
export function summarizeSet(files: readonly SetFile[]): SetSummary {
  const parsed = new Map<string, ParsedUnit>();
  const texts = new Map(files.map((f) => [f.name, f.text]));
  const plan = planDropins(files.map((f) => f.name));
  for (const f of files) {
    if (f.name.includes("/") || !quadletKind(f.name)) continue;
    const dropins = (plan.byUnit.get(f.name) ?? []).map((d) => parseUnit(texts.get(d) ?? "", d));
    parsed.set(f.name, mergeUnits(parseUnit(f.text, f.name), dropins));
  }
  const units: { name: string; order: number }[] = [];
  const volumes = new Map<string, VolumeUse>();
  const binds: BindUse[] = [];
  const ports: string[] = [];
  const secrets = new Set<string>();
  const references = new Set<string>();
  for (const [name, unit] of parsed) {
    const kind = quadletKind(name)!;
    if (!isTemplate(name)) units.push({ name: unitNameOf(name, unit), order: START_ORDER[kind] });
    if (kind === "volume") {
      const v = volumeNameOf(name, unit);
      volumes.set(v, { name: v, unitFile: name });
    }
    const section = SECTION_OF[kind];
    for (const p of listValues(unit, section, "PublishPort")) ports.push(p);
    for (const s of listValues(unit, section, "Secret")) secrets.add(s.split(",")[0]!.trim());
    for (const key of ["Yaml", "EnvironmentFile", "ConfigMap", "File"]) {
      for (const v of listValues(unit, section, key)) {
        if (!v.startsWith("/") && !v.startsWith("%") && !/^[a-z]+:\/\//.test(v)) {
          references.add(v.replace(/^\.\//, ""));
        }
      }
    }
    for (const v of listValues(unit, section, "Volume")) {
      const src = v.split(":")[0]!;
      if (kind === "volume" || src === "" || !v.includes(":")) continue;
      if (src.endsWith(".volume")) {
        const def = parsed.get(src);
        const vn = def ? volumeNameOf(src, def) : `systemd-${src.slice(0, -7)}`;
        volumes.set(vn, { name: vn, unitFile: src });
      } else if (src.startsWith("/") || src.startsWith(".") || src.startsWith("%")) {
        binds.push({ hostPath: src, file: name });
      } else if (!volumes.has(src)) volumes.set(src, { name: src });
    }
    for (const m of listValues(unit, section, "Mount")) {
      const opts = Object.fromEntries(
        m.split(",").map((kv) => [kv.split("=")[0]!.trim(), kv.split("=").slice(1).join("=")]),
      );
      const source = opts.source ?? opts.src;
      if (!source) continue;
      if (opts.type === "volume") {
        const vn = source.endsWith(".volume") ? `systemd-${source.slice(0, -7)}` : source;
        if (!volumes.has(vn)) {
          volumes.set(vn, source.endsWith(".volume") ? { name: vn, unitFile: source } : { name: vn });
        }
      } else if (opts.type === "bind") binds.push({ hostPath: source, file: name });
    }
  }
  units.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
  return {
    units: units.map((u) => u.name),
    volumes: [...volumes.values()].sort((a, b) => a.name.localeCompare(b.name)),
    binds,
    ports,
    secrets: [...secrets].sort(),
    references: [...references].sort(),
  };
}

/**
 * The host side of a `PublishPort=` value: `[ip:][hostPort:]containerPort[/proto]`.
 * Returns undefined when only a container port is given (podman picks a
 * random host port).
 */
export function hostPortOf(spec: string): { ip: string; port: string; proto: string } | undefined {
  const [main, proto = "tcp"] = spec.split("/") as [string, string?];
  let rest = main;
  let ip = "";
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  if (v6) {
    ip = v6[1]!;
    rest = v6[2]!;
    const parts = rest.split(":");
    return parts.length >= 2 && parts[0] ? { ip, port: parts[0], proto } : undefined;
  }
  const parts = rest.split(":");
  if (parts.length === 1) return undefined;
  if (parts.length === 2) return parts[0] ? { ip, port: parts[0], proto } : undefined;
  ip = parts[0]!;
  return parts[1] ? { ip, port: parts[1], proto } : undefined;
}
