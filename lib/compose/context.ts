/**
 * What the mappers of one import share: the project (its folder, names,
 * variables), the declarations of the top-level keys, the files and units
 * being written, and the log of findings. Also the project-folder check
 * every path from the Compose file goes through.
 *
 * @module
 */
import { isAbsolute, join, normalize, relative } from "node:path";
import type { Lookup } from "./interpolate.ts";
import type { MapNode } from "./tree.ts";
import type { ImportLog, UnitFile } from "./unit_file.ts";

/** A top-level volume or network: its unit, or the podman object it names (external). */
export interface Declared {
  /** `x.volume` / `x.network`, or undefined for an external one. */
  unit?: string;
  /** The podman name (`VolumeName=` / `NetworkName=`, or the external name). */
  name: string;
  line: number;
}

/** A top-level secret: the podman secret a container uses. */
export interface SecretDecl {
  podman: string;
  line: number;
}

/** A top-level config: the file written into the set. */
export interface ConfigDecl {
  /** File name in the set, or undefined when the config could not be kept. */
  file?: string;
  line: number;
}

/** A service that is imported. */
export interface ServiceDecl {
  node: MapNode;
  /** The container's unit file (`web.container`) and its service name (`web.service`). */
  unit: UnitFile;
  service: string;
  /** Has a healthcheck in the Compose file (not disabled). */
  healthcheck: boolean;
  /** The networks it joins (keys of the top-level networks). */
  networks: string[];
}

/** A file of the set that is not a unit (env files, configs). */
export interface ExtraFile {
  text: string;
  mode: number;
}

/** One import's shared state. */
export interface Ctx {
  log: ImportLog;
  /** The project folder (real path). */
  dir: string;
  /** Compose project name (`name:` or the folder's). */
  project: string;
  /** The set's name; units are named after it. */
  set: string;
  env: Lookup;
  volumes: Map<string, Declared>;
  networks: Map<string, Declared>;
  secrets: Map<string, SecretDecl>;
  configs: Map<string, ConfigDecl>;
  services: Map<string, ServiceDecl>;
  units: UnitFile[];
  files: Map<string, ExtraFile>;
  /** Steps the user must take before installing (create a podman secret). */
  todo: string[];
  /** Setec names declared in `.leger.yaml` (with --setec-prefix). */
  legerSecrets: Array<{ name: string; podman: string }>;
  setecPrefix?: string;
}

/** What a service's mapper gets: the shared state, the service and its unit. */
export interface Svc {
  ctx: Ctx;
  name: string;
  node: MapNode;
  unit: UnitFile;
  /** `services.NAME` */
  at: string;
}

/** The unit base name of a service, volume or network: prefixed with the set's name (unit names are per host). */
export function unitBase(ctx: Ctx, name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, "-");
  return clean === ctx.set ? clean : `${ctx.set}-${clean}`;
}

/**
 * A path of the Compose file, relative to the project folder, made
 * absolute; undefined (and an error reported) when it climbs out of the
 * folder or, through a link, leads out of it.
 */
export function projectPath(ctx: Ctx, path: string, line: number, key: string): string | undefined {
  const abs = normalize(isAbsolute(path) ? path : join(ctx.dir, path));
  const rel = relative(ctx.dir, abs);
  if (rel === ".." || rel.startsWith("../") || isAbsolute(rel)) {
    ctx.log.error(
      line,
      key,
      `${path} climbs out of the project folder ${ctx.dir}`,
      "keep the files an import reads inside the project folder",
    );
    return undefined;
  }
  let real: string;
  try {
    real = Deno.realPathSync(abs);
  } catch {
    return abs; // not there (yet): nothing to follow
  }
  const realRel = relative(ctx.dir, real);
  if (realRel === ".." || realRel.startsWith("../") || isAbsolute(realRel)) {
    ctx.log.error(line, key, `${path} is a link that leads out of the project folder (to ${real})`);
    return undefined;
  }
  return abs;
}

/** A file name for the set: letters, digits, `_ . -`, never hidden. */
export function setFileName(ctx: Ctx, wanted: string): string {
  let base = wanted.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[.-]+/, "");
  if (!base) base = "file";
  let name = base;
  for (let n = 2; ctx.files.has(name) || ctx.units.some((u) => u.name === name); n++) name = `${base}-${n}`;
  return name;
}
