/**
 * Quadlet file kinds and the names the generator derives from a file name:
 * which file is a template (`web@.container`), which an instance
 * (`web@two.container`), the systemd unit and podman volume it makes.
 *
 * @module
 */
import { lastValue, type ParsedUnit } from "./parse.ts";

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
  const at = base.indexOf("@");
  if (at >= 0) return `${base.slice(0, at)}-${kind}@${base.slice(at + 1)}.service`;
  return `${base}-${kind}.service`;
}

/** A file of a set, by name and text. */
export interface SetFile {
  /** File name (flat, no folders). */
  name: string;
  /** File content. */
  text: string;
}

/** The podman volume name a `.volume` file creates. */
export function volumeNameOf(fileName: string, unit: ParsedUnit): string {
  return lastValue(unit, "Volume", "VolumeName") ??
    `systemd-${fileName.slice(0, fileName.lastIndexOf("."))}`;
}

/** `web@.container` for the instance file `web@two.container`; undefined for other names. */
export function templateOf(fileName: string): string | undefined {
  const dot = fileName.lastIndexOf(".");
  const base = fileName.slice(0, dot);
  const at = base.indexOf("@");
  if (at <= 0 || at === base.length - 1 || !quadletKind(fileName)) return undefined;
  return `${base.slice(0, at + 1)}${fileName.slice(dot)}`;
}

/** `two` for `web@two.container`, "" for templates and plain files. */
export function instanceOf(fileName: string): string {
  const base = fileName.slice(0, fileName.lastIndexOf("."));
  const at = base.indexOf("@");
  return at < 0 ? "" : base.slice(at + 1);
}

/** The file an instance would have: `web@.container` + `one` -> `web@one.container`. */
export function instanceFile(template: string, instance: string): string {
  const dot = template.lastIndexOf(".");
  return `${template.slice(0, dot)}${instance}${template.slice(dot)}`;
}
