/**
 * A set loaded the way the generator loads a quadlet folder: unit files
 * parsed, drop-ins found and merged, names of the services and podman
 * resources each unit makes worked out.
 *
 * @module
 */
import { planDropins } from "./dropins.ts";
import { isTemplate, type QuadletKind, quadletKind, SECTION_OF, type SetFile } from "./kinds.ts";
import { lastValue, listValues, mergeUnits, type ParsedUnit, parseUnit } from "./parse.ts";
import { unquoteSingle } from "./split.ts";

/** One unit of a loaded set. */
export interface LoadedUnit {
  /** File name, e.g. `web.container`. */
  file: string;
  /** Kind from the extension. */
  kind: QuadletKind;
  /** Main section name (`Container`). */
  section: string;
  /** The unit file alone. */
  own: ParsedUnit;
  /** The unit with its drop-ins merged. */
  merged: ParsedUnit;
  /** Drop-in files merged, in order. */
  dropins: string[];
  /** The generated service, e.g. `web.service`, `data-volume.service`. */
  service: string;
  /** Name of the podman object it makes (container, volume, network, pod, image), if it can be known. */
  resource?: string;
  /** False when podman refuses to load the file or one of its drop-ins. */
  loadable: boolean;
  /** `foo@.container` */
  template: boolean;
  /** `bar` for `foo@bar.container`. */
  instance: string;
}

/** A loaded set. */
export interface LoadedSet {
  /** All files by name (units, drop-ins, assets). */
  files: Map<string, string>;
  /** Parsed drop-ins by name. */
  dropins: Map<string, ParsedUnit>;
  /** Units by file name. */
  units: Map<string, LoadedUnit>;
  /** Drop-in folders no unit searches. */
  orphanDirs: string[];
  /** Non-.conf files in drop-in folders. */
  ignoredDropins: string[];
  /** Drop-ins hidden by a same-named, more specific one. */
  shadowed: Array<{ unit: string; file: string; by: string }>;
}

/** Looks a single value up as podman's `Lookup` does (quotes stripped). */
export function lookup(unit: ParsedUnit, section: string, key: string): string | undefined {
  const v = lastValue(unit, section, key);
  return v === undefined ? undefined : unquoteSingle(v);
}

function serviceOf(file: string, kind: QuadletKind, unit: ParsedUnit): string {
  const override = lookup(unit, SECTION_OF[kind], "ServiceName");
  if (override !== undefined) return `${override}.service`;
  let base = file.slice(0, file.lastIndexOf("."));
  let suffix = kind === "container" || kind === "kube" ? "" : `-${kind}`;
  if (base.endsWith("@")) {
    base = base.slice(0, -1);
    suffix += "@";
  }
  return `${base}${suffix}.service`;
}

function resourceOf(file: string, kind: QuadletKind, unit: ParsedUnit, service: string): string | undefined {
  const base = file.slice(0, file.lastIndexOf("."));
  const templated = file.includes("@");
  const named = (key: string) => {
    const v = lookup(unit, SECTION_OF[kind], key);
    if (v) return v;
    return templated ? `systemd-${base.replace(/@.*$/, "")}-%i` : `systemd-${base}`;
  };
  switch (kind) {
    case "container": {
      const v = lookup(unit, "Container", "ContainerName");
      const name = v ? v : templated ? "systemd-%p_%i" : "systemd-%N";
      const resolved = name.replaceAll("%N", service.replace(/\.service$/, ""));
      return resolved.includes("%") ? undefined : resolved;
    }
    case "volume":
      return named("VolumeName");
    case "network":
      return named("NetworkName");
    case "pod": {
      const v = lookup(unit, "Pod", "PodName");
      return v ? v : `systemd-${base}`;
    }
    case "build":
      return listValues(unit, "Build", "ImageTag")[0];
    case "image":
      return lookup(unit, "Image", "ImageTag") || lookup(unit, "Image", "Image") || undefined;
    case "artifact":
      return lookup(unit, "Artifact", "Artifact") || undefined;
    default:
      return undefined;
  }
}

/** Loads a set's files: parses units and drop-ins and merges them. */
export function loadSet(files: readonly SetFile[], extraDropins: readonly SetFile[] = []): LoadedSet {
  const all = new Map<string, string>();
  for (const f of files) all.set(f.name, f.text);
  const dropinTexts = new Map<string, string>();
  for (const f of [...files, ...extraDropins]) if (f.name.includes("/")) dropinTexts.set(f.name, f.text);
  const plan = planDropins([...all.keys(), ...extraDropins.map((f) => f.name)]);
  const dropins = new Map<string, ParsedUnit>();
  const parsedDropin = (name: string) => {
    let p = dropins.get(name);
    if (!p) {
      p = parseUnit(dropinTexts.get(name) ?? "", name);
      dropins.set(name, p);
    }
    return p;
  };
  for (const list of plan.byUnit.values()) list.forEach(parsedDropin);
  const units = new Map<string, LoadedUnit>();
  for (const [name, text] of all) {
    if (name.includes("/")) continue;
    const kind = quadletKind(name);
    if (!kind) continue;
    const own = parseUnit(text, name);
    const dl = plan.byUnit.get(name) ?? [];
    const parsed = dl.map(parsedDropin);
    // podman reports a drop-in it cannot parse and merges the others.
    const merged = mergeUnits(own, parsed.filter((p) => !p.problems.some((x) => x.fatal)));
    const service = serviceOf(name, kind, merged);
    const base = name.slice(0, name.lastIndexOf("."));
    const at = base.indexOf("@");
    const unit: LoadedUnit = {
      file: name,
      kind,
      section: SECTION_OF[kind],
      own,
      merged,
      dropins: dl,
      service,
      loadable: !own.problems.some((x) => x.fatal),
      template: isTemplate(name),
      instance: at < 0 ? "" : base.slice(at + 1),
    };
    const resource = resourceOf(name, kind, merged, service);
    if (resource !== undefined) unit.resource = resource;
    units.set(name, unit);
  }
  return {
    files: all,
    dropins,
    units,
    orphanDirs: plan.orphanDirs.filter((d) => all.has(d) || [...all.keys()].some((n) => n.startsWith(d + "/"))),
    ignoredDropins: plan.ignored.filter((n) => all.has(n)),
    shadowed: plan.shadowed,
  };
}
