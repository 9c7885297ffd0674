/**
 * Reads what one catalog offers: each subfolder holding quadlet files is a
 * set, described by its `.leger.yaml` (else its first unit's
 * `Description=`). A git catalog is read through the source cache
 * (lib/source/fetch.ts `readTree`): one `git ls-remote`, and a fetch only
 * when the remote has moved. Nothing here installs or validates in full.
 *
 * @module
 */
import { join } from "node:path";
import { NotFoundError } from "../core/errors.ts";
import { parseLegerYaml } from "../meta/leger_yaml.ts";
import { LEGER_YAML } from "../meta/set_meta.ts";
import type { Fetcher, TreeRead } from "../source/fetch.ts";
import { quadletKind } from "../quadlet/kinds.ts";
import { lastValue, listValues, parseUnit } from "../quadlet/parse.ts";
import type { Catalog } from "./catalogs.ts";

/** One set a catalog offers. */
export interface CatalogSet {
  /** Its folder's name: what `leger install NAME` takes. */
  name: string;
  /** The catalog's name. */
  catalog: string;
  /** The full source `leger install` records (URL#REF:FOLDER, or a folder path). */
  source: string;
  /** Where it is, as an installed set's manifest records it: clone URL (or folder) and folder inside. */
  at: { url: string; subpath: string };
  description?: string;
  version?: string;
  /** Podman versions the set targets (`.leger.yaml` `podman:`). */
  podman?: string[];
  /** Images its units run (`Image=`). */
  images: string[];
  /** Its unit files and `.leger.yaml`, as read (for comparing with what is installed). */
  files: Array<{ name: string; text: string }>;
  /** Its files that are links (a template's instances), not read. */
  links: string[];
  /** What is wrong with it, when it cannot be installed as it is. */
  problem?: string;
}

/** What reading one catalog gave. */
export interface CatalogRead {
  catalog: Catalog;
  /** The commit read (git catalogs). */
  commit?: string;
  /** Whether reading it ran `git fetch` (false: the cache had the commit the remote advertises). */
  fetched: boolean;
  sets: CatalogSet[];
}

/** Files larger than this are not read as a set's unit or metadata file. */
export const CATALOG_FILE_BYTES = 256 << 10;
/** At most this many sets are read from one catalog. */
export const CATALOG_SETS = 500;

const SET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `SET/FILE` paths the catalog reads: unit files and `.leger.yaml` at the top of a set's folder. */
export function catalogFile(path: string): boolean {
  const parts = path.split("/");
  return parts.length === 2 && SET_NAME.test(parts[0]!) &&
    (parts[1] === LEGER_YAML || quadletKind(parts[1]!) !== undefined);
}

/** Reads a local catalog folder as the git reader does: file names below it, wanted files' texts. */
async function readFolder(path: string, label: string): Promise<Pick<TreeRead, "paths" | "links" | "files">> {
  const paths: string[] = [];
  const links: string[] = [];
  const files = new Map<string, string>();
  try {
    for await (const set of Deno.readDir(path)) {
      if (!set.isDirectory || !SET_NAME.test(set.name) || paths.length > CATALOG_SETS * 20) continue;
      for await (const e of Deno.readDir(join(path, set.name))) {
        const rel = `${set.name}/${e.name}`;
        if (e.isSymlink) links.push(rel);
        if (!e.isFile && !e.isSymlink) continue;
        paths.push(rel);
        if (e.isSymlink) continue;
        if (!catalogFile(rel)) continue;
        const info = await Deno.stat(join(path, rel));
        if (info.size <= CATALOG_FILE_BYTES) files.set(rel, await Deno.readTextFile(join(path, rel)));
      }
    }
  } catch (error) {
    throw new NotFoundError(
      `Cannot read the catalog ${label}: ${(error as Error).message}`,
      "Check the folder's path (a catalog is a folder whose subfolders are quadlet sets).",
    );
  }
  return { paths: paths.sort(), links, files };
}

/** Reads one catalog. Throws (naming it) when it cannot be read at all. */
export async function readCatalog(fetcher: Fetcher, catalog: Catalog): Promise<CatalogRead> {
  const { spec } = catalog;
  let tree: Pick<TreeRead, "paths" | "links" | "files" | "fetched"> & { commit?: string };
  let place: (folder: string) => { source: string; at: CatalogSet["at"] };
  if (spec.kind === "git") {
    const read = await fetcher.readTree(spec, catalogFile, CATALOG_FILE_BYTES);
    tree = read;
    place = (folder) => {
      const subpath = read.subpath ? `${read.subpath}/${folder}` : folder;
      return { source: `${spec.url}#${read.ref}:${subpath}`, at: { url: spec.url, subpath } };
    };
  } else {
    tree = { ...await readFolder(spec.path, catalog.source), fetched: false };
    place = (folder) => ({ source: join(spec.path, folder), at: { url: join(spec.path, folder), subpath: "" } });
  }
  const folders = new Map<string, string[]>();
  for (const p of tree.paths) {
    if (!catalogFile(p)) continue;
    const [folder, file] = p.split("/") as [string, string];
    folders.set(folder, [...(folders.get(folder) ?? []), file]);
  }
  const sets: CatalogSet[] = [];
  for (const [folder, names] of [...folders].sort(([a], [b]) => a.localeCompare(b)).slice(0, CATALOG_SETS)) {
    // A link (a template's instance: web@two.container -> web@.container) is a name, not a text to read.
    const linked = names.filter((n) => tree.links.includes(`${folder}/${n}`));
    const read = names.filter((n) => !linked.includes(n)).sort();
    const set = describeSet(folder, catalog.name, place(folder), read, (n) => tree.files.get(`${folder}/${n}`));
    sets.push({ ...set, links: linked });
  }
  return {
    catalog,
    ...(tree.commit ? { commit: tree.commit } : {}),
    fetched: tree.fetched,
    sets,
  };
}

/** A set's line in a catalog, from its files (a file not read: the problem says so). */
function describeSet(
  name: string,
  catalog: string,
  place: { source: string; at: CatalogSet["at"] },
  names: string[],
  textOf: (file: string) => string | undefined,
): Omit<CatalogSet, "links"> {
  const problems: string[] = [];
  const files: CatalogSet["files"] = [];
  for (const n of names) {
    const text = textOf(n);
    if (text === undefined) problems.push(`${n} is larger than ${CATALOG_FILE_BYTES} bytes or cannot be read`);
    else files.push({ name: n, text });
  }
  const out: Omit<CatalogSet, "links"> = { name, catalog, ...place, images: [], files };
  const meta = files.find((f) => f.name === LEGER_YAML);
  if (meta) {
    const parsed = parseLegerYaml(meta.text);
    if (parsed.ok) {
      if (parsed.value.description) out.description = parsed.value.description;
      if (parsed.value.version) out.version = parsed.value.version;
      if (parsed.value.podman) out.podman = parsed.value.podman;
    } else {
      const p = parsed.problems[0]!;
      problems.push(`${LEGER_YAML}:${p.line}: ${p.key ? `${p.key}: ` : ""}${p.message}`);
    }
  }
  const units = files.filter((f) => quadletKind(f.name));
  if (units.length === 0) problems.push("it holds no quadlet unit file");
  const images = new Set<string>();
  for (const f of units) {
    const unit = parseUnit(f.text, f.name);
    const fatal = unit.problems.find((p) => p.fatal);
    if (fatal) problems.push(`${f.name}:${fatal.line}: ${fatal.message}`);
    out.description ??= lastValue(unit, "Unit", "Description");
    for (const section of ["Container", "Image", "Build"]) {
      for (const key of ["Image", "ImageTag"]) {
        for (const v of listValues(unit, section, key)) {
          // Image=web.build names another unit of the set, not an image.
          if (!/\.(image|build)$/.test(v)) images.add(v);
        }
      }
    }
  }
  if (out.description === undefined) delete out.description;
  out.images = [...images].sort();
  if (problems.length > 0) out.problem = problems.join("; ");
  return out;
}
