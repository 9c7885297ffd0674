/**
 * What a quadlet set defines and uses, read from its files: the systemd
 * units the generator will make, podman volumes, published ports, secrets
 * and the other files the units point at.
 *
 * @module
 */
import { planDropins } from "./dropins.ts";
import { instanceFile, type QuadletKind, quadletKind, SECTION_OF, type SetFile, volumeNameOf } from "./kinds.ts";
import { lastValue, listValues, mergeUnits, type ParsedUnit, parseUnit } from "./parse.ts";
import { expandInstance, setUnits } from "./units.ts";

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

/**
 * Reads a set's files and sums up what it defines and uses. Bundles count
 * as the unit files they hold; drop-ins (`web.container.d/10-x.conf`,
 * `container.d/x.conf`) are merged into the units they apply to, as the
 * generator does; a template's units are its instances (instance files and
 * `DefaultInstance=`), and their volumes and binds are named with the
 * instance (`data-%i` -> `data-two`).
 */
export function summarizeSet(files: readonly SetFile[]): SetSummary {
  const set = setUnits(files);
  const byFile = new Map<string, ParsedUnit>();
  for (const u of set.units) if (!u.defaultInstance) byFile.set(u.file, u.unit);
  const texts = new Map(set.files.map((f) => [f.name, f.text]));
  const plan = planDropins(set.files.map((f) => f.name));
  for (const name of set.templates) {
    const dropins = (plan.byUnit.get(name) ?? []).map((d) => parseUnit(texts.get(d) ?? "", d));
    byFile.set(name, mergeUnits(parseUnit(texts.get(name) ?? "", name), dropins));
  }
  const volumes = new Map<string, VolumeUse>();
  const binds: BindUse[] = [];
  const ports: string[] = [];
  const secrets = new Set<string>();
  const references = new Set<string>();
  // What the files say, once per file (templates too).
  for (const [name, unit] of byFile) {
    const section = SECTION_OF[quadletKind(name)!];
    for (const p of listValues(unit, section, "PublishPort")) ports.push(p);
    for (const s of listValues(unit, section, "Secret")) {
      const name = s.split(",")[0]!.trim();
      // A .build's Secret=id=ID,src=FILE is a file given to the build, not a podman secret.
      if (!name.includes("=")) secrets.add(name);
    }
    for (const key of ["Yaml", "EnvironmentFile", "ConfigMap", "File"]) {
      for (const v of listValues(unit, section, key)) {
        if (!v.startsWith("/") && !v.startsWith("%") && !/^[a-z]+:\/\//.test(v)) {
          references.add(v.replace(/^\.\//, ""));
        }
      }
    }
    // A bind mount of `./file` is relative to the unit's folder: the file travels with the set (a config).
    if (quadletKind(name) !== "volume") {
      for (const v of listValues(unit, section, "Volume")) {
        const src = v.split(":")[0]!;
        if (src.startsWith("./") && v.includes(":")) references.add(src.slice(2));
      }
    }
    if (quadletKind(name) === "build" && listValues(unit, section, "SetWorkingDirectory").at(-1) === "unit") {
      // Build secrets read `src=` relative to the build's working directory: here the set's folder.
      for (const v of listValues(unit, section, "Secret")) {
        const src = /(?:^|,)(?:src|source)=([^,]+)/.exec(v)?.[1];
        if (src && !src.startsWith("/") && !src.includes("%") && !src.includes("$")) {
          references.add(src.replace(/^\.\//, ""));
        }
      }
    }
  }
  // What runs, once per unit (each instance of a template).
  const volumeFile = (src: string) => byFile.get(src);
  for (const u of set.units) {
    const { kind, unit, file: name } = u;
    const x = (v: string) => (u.instance ? expandInstance(v, u.service) : v);
    if (kind === "volume") {
      const v = u.instance
        ? x(lastValue(unit, "Volume", "VolumeName") ?? `systemd-${name.slice(0, name.indexOf("@"))}-%i`)
        : volumeNameOf(name, unit);
      volumes.set(v, { name: v, unitFile: u.defaultInstance ? instanceFile(name, u.instance) : name });
    }
    const section = SECTION_OF[kind];
    for (const raw of listValues(unit, section, "Volume")) {
      const v = x(raw);
      const src = v.split(":")[0]!;
      if (kind === "volume" || src === "" || !v.includes(":")) continue;
      if (src.endsWith(".volume")) {
        const def = volumeFile(src);
        const vn = def ? volumeNameOf(src, def) : `systemd-${src.slice(0, -7)}`;
        volumes.set(vn, { name: vn, unitFile: src });
      } else if (src.startsWith("/") || src.startsWith(".") || src.startsWith("%")) {
        binds.push({ hostPath: src, file: name });
      } else if (!volumes.has(src)) volumes.set(src, { name: src });
    }
    for (const raw of listValues(unit, section, "Mount")) {
      const m = x(raw);
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
  const units = set.units.map((u) => ({ name: u.service, order: START_ORDER[u.kind] }));
  units.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
  return {
    units: [...new Set(units.map((u) => u.name))],
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
