/**
 * The fake host's own reading of quadlet files, written independently of
 * lib/quadlet so that a bug there is not mirrored here: systemd unit
 * syntax, drop-ins, and the unit, volume, network and container names the
 * generator derives.
 *
 * @module
 */

/** Keys of a unit file: section -> key -> values in order. */
export type Ini = Record<string, Record<string, string[]>>;

/** Quadlet file kinds and the podman version whose generator reads them. */
export const KIND_SINCE: Record<string, [number, number]> = {
  container: [4, 4],
  volume: [4, 4],
  network: [4, 4],
  kube: [4, 4],
  image: [4, 8],
  pod: [5, 0],
  build: [5, 0],
  artifact: [5, 7],
};

/** The kind of a quadlet file name (`web.container` -> `container`). */
export function kindOf(file: string): string | undefined {
  const dot = file.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const ext = file.slice(dot + 1);
  return ext in KIND_SINCE ? ext : undefined;
}

/** Parses systemd unit syntax: comments, continuations, repeated sections merge. */
export function parseIni(text: string, into: Ini = {}): Ini {
  let section = "";
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#") || line.startsWith(";"))) continue;
    if (pending !== "" && (line.startsWith("#") || line.startsWith(";"))) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1);
      continue;
    }
    const full = pending + line;
    pending = "";
    if (full.startsWith("[") && full.endsWith("]")) {
      section = full.slice(1, -1);
      into[section] ??= {};
      continue;
    }
    const eq = full.indexOf("=");
    if (eq < 0 || section === "") continue;
    const key = full.slice(0, eq).trim();
    const value = full.slice(eq + 1).trim();
    const keys = into[section]!;
    if (value === "") keys[key] = [];
    else (keys[key] ??= []).push(value);
  }
  return into;
}

/** Last value of a key, or undefined. */
export function last(ini: Ini | undefined, section: string, key: string): string | undefined {
  const values = ini?.[section]?.[key];
  return values && values.length ? values[values.length - 1] : undefined;
}

/** All values of a key (space-separated lists are not split). */
export function all(ini: Ini | undefined, section: string, key: string): string[] {
  return ini?.[section]?.[key] ?? [];
}

/** Main section of a kind (`container` -> `Container`). */
export function sectionOf(kind: string): string {
  return kind[0]!.toUpperCase() + kind.slice(1);
}

/** The service a quadlet file becomes, as the generator names it. */
export function serviceNameOf(file: string, ini: Ini): string {
  const kind = kindOf(file)!;
  const override = last(ini, sectionOf(kind), "ServiceName");
  if (override) return `${override}.service`;
  const base = file.slice(0, file.lastIndexOf("."));
  if (kind === "container" || kind === "kube") return `${base}.service`;
  const at = base.indexOf("@");
  if (at >= 0) return `${base.slice(0, at)}-${kind}@${base.slice(at + 1)}.service`;
  return `${base}-${kind}.service`;
}

/** The podman object name a `.volume`/`.network`/`.container` file makes. */
export function objectNameOf(file: string, ini: Ini): string {
  const kind = kindOf(file)!;
  const key = { volume: "VolumeName", network: "NetworkName", container: "ContainerName", pod: "PodName" }[kind];
  const base = file.slice(0, file.lastIndexOf("."));
  return (key ? last(ini, sectionOf(kind), key) : undefined) ?? `systemd-${base}`;
}

/** Normalises an image reference as podman stores it: registry, path and tag. */
export function normalizeImage(ref: string): string {
  let name = ref.trim();
  if (name.includes("@")) return name;
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  if (slash < 0) name = `docker.io/library/${name}`;
  else if (!first.includes(".") && !first.includes(":") && first !== "localhost") name = `docker.io/${name}`;
  const lastPart = name.slice(name.lastIndexOf("/") + 1);
  if (!lastPart.includes(":")) name += ":latest";
  return name;
}

/** The registry host of a normalised image reference. */
export function registryOf(image: string): string {
  return image.split("/")[0]!;
}
