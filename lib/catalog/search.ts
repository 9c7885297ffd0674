/**
 * `leger search`: every set the catalogs offer, matched against a term,
 * with whether it is installed here and whether the catalog has changed it
 * since. A catalog that cannot be read is reported by name; the others
 * still answer.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { LegerError } from "../core/errors.ts";
import { sha256 } from "../core/fs.ts";
import { listManifests, type Manifest } from "../state/manifest.ts";
import { type Catalog, catalogsOf } from "./catalogs.ts";
import { catalogFile, type CatalogRead, type CatalogSet, readCatalog } from "./read.ts";

/** Options of {@linkcode search}. */
export interface SearchOptions {
  /** Read this catalog (URL or folder, as install takes it) instead of the configured ones. */
  catalog?: string;
}

/** How reading one catalog went. */
export interface CatalogStatus {
  name: string;
  source: string;
  /** The commit read (git catalogs). */
  commit?: string;
  /** Whether this run fetched it (false: one `git ls-remote` found the cache current). */
  fetched: boolean;
  /** Sets it offers. */
  sets: number;
  /** Why it could not be read. */
  error?: string;
  hint?: string;
}

/** One set a catalog offers, as `leger search` shows it. */
export interface SearchRow extends Omit<CatalogSet, "files" | "at" | "links"> {
  /** The installed set that came from this folder (or has its name), when there is one. */
  installed?: {
    name: string;
    /** Installed from this catalog's folder (false: another source uses the name). */
    sameSource: boolean;
    /** The catalog's files differ from the installed ones (only for sameSource). */
    update?: boolean;
  };
}

/** What `leger search` found. */
export interface SearchResult {
  catalogs: CatalogStatus[];
  sets: SearchRow[];
}

/** Every catalog read, failures kept (by name) rather than thrown. */
export async function readCatalogs(
  engine: Engine,
  override?: string,
): Promise<{ reads: CatalogRead[]; statuses: CatalogStatus[] }> {
  const catalogs = catalogsOf(engine.config, engine.forges, override);
  engine.fetcher.forget();
  const results = await Promise.all(catalogs.map(async (c: Catalog) => {
    try {
      return await readCatalog(engine.fetcher, c);
    } catch (error) {
      if (!(error instanceof LegerError)) throw error;
      return error;
    }
  }));
  const reads: CatalogRead[] = [];
  const statuses: CatalogStatus[] = [];
  for (const [i, r] of results.entries()) {
    const c = catalogs[i]!;
    if (r instanceof LegerError) {
      engine.log.warn(`catalog ${c.name} (${c.source}): ${r.message}`);
      statuses.push({
        name: c.name,
        source: c.source,
        fetched: false,
        sets: 0,
        error: r.message,
        ...(r.hint ? { hint: r.hint } : {}),
      });
      continue;
    }
    reads.push(r);
    statuses.push({
      name: c.name,
      source: c.source,
      ...(r.commit ? { commit: r.commit } : {}),
      fetched: r.fetched,
      sets: r.sets.length,
    });
  }
  if (reads.length === 0 && statuses.length > 0) {
    const first = statuses[0]!;
    throw new LegerError(
      statuses.length === 1
        ? `Cannot read the catalog ${first.name} (${first.source}): ${first.error}`
        : `Cannot read any catalog: ${statuses.map((s) => `${s.name} (${s.error})`).join("; ")}`,
      {
        exitCode: 5,
        hint: first.hint ?? "Check catalogs: in config.yaml, or the URL given to --catalog.",
      },
    );
  }
  return { reads, statuses };
}

/** Whether the catalog's files differ from what is installed (units and .leger.yaml, by content). */
async function differs(set: CatalogSet, m: Manifest): Promise<boolean> {
  // The files a catalog reads: unit files and .leger.yaml at the top of the set's folder.
  const installed = new Map(
    m.files.filter((f) => catalogFile(`set/${f.name}`) && !set.links.includes(f.name)).map((f) => [f.name, f.sha256]),
  );
  if (installed.size !== set.files.length) return true;
  for (const f of set.files) if (installed.get(f.name) !== await sha256(f.text)) return true;
  return false;
}

/** The installed set a catalog set matches: same folder of the same repository first, else the same name. */
export async function installedOf(set: CatalogSet, manifests: Manifest[]): Promise<SearchRow["installed"]> {
  const same = manifests.find((m) => m.source.url === set.at.url && m.source.subpath === set.at.subpath);
  if (same) return { name: same.name, sameSource: true, update: await differs(set, same) };
  const named = manifests.find((m) => m.name === set.name);
  return named ? { name: named.name, sameSource: false } : undefined;
}

/** Whether a set matches a search term: its name, description or an image (case ignored). */
export function matches(set: CatalogSet, term: string | undefined): boolean {
  if (!term) return true;
  const t = term.toLowerCase();
  return [set.name, set.description ?? "", ...set.images].some((x) => x.toLowerCase().includes(t));
}

/** Every set the catalogs offer that matches `term`, with what is installed. */
export async function search(engine: Engine, term: string | undefined, options: SearchOptions = {}) {
  const { reads, statuses } = await readCatalogs(engine, options.catalog);
  const manifests = await listManifests(engine.paths);
  const sets: SearchRow[] = [];
  for (const read of reads) {
    for (const set of read.sets.filter((s) => matches(s, term))) {
      const { files: _files, at: _at, links: _links, ...row } = set;
      const installed = await installedOf(set, manifests);
      sets.push({ ...row, ...(installed ? { installed } : {}) });
    }
  }
  return { catalogs: statuses, sets } satisfies SearchResult;
}
