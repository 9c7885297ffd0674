/**
 * `leger install NAME`: a source that is neither a path nor a URL is a
 * set's short name, looked up in the catalogs (`CATALOG/NAME` picks one).
 * What it resolves to is the set's full source, so the manifest records
 * where the set really is and stage, apply and unattended updates work as
 * for any Git source.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { LegerError, NotFoundError, UsageError } from "../core/errors.ts";
import { readCatalogs, type SearchOptions } from "./search.ts";

const SHORT = /^(?:([A-Za-z0-9][A-Za-z0-9_.-]*)\/)?([A-Za-z0-9][A-Za-z0-9_.-]*)$/;

/**
 * The catalog and set a source names when it is a short name (`web`,
 * `leger/web`), or undefined when it is a path or a URL. A name that is
 * also a file or folder here stays a path (what `leger install web` always
 * meant).
 */
export async function shortName(source: string): Promise<{ catalog?: string; name: string } | undefined> {
  const m = SHORT.exec(source);
  if (!m || source.endsWith(".git")) return undefined;
  if (await Deno.lstat(source).then(() => true, () => false)) return undefined;
  return { ...(m[1] ? { catalog: m[1] } : {}), name: m[2]! };
}

/**
 * The full source of `source`: itself when it is a path or a URL, else the
 * source of the one set the catalogs offer under that name. Refuses a name
 * no catalog offers, and one two catalogs offer (naming both).
 */
export async function resolveSource(engine: Engine, source: string, options: SearchOptions = {}): Promise<string> {
  const short = await shortName(source);
  if (!short) return source;
  const { reads, statuses } = await readCatalogs(engine, options.catalog).catch((error) => {
    if (!(error instanceof LegerError)) throw error;
    throw new NotFoundError(
      `Cannot find ${source}: it is not a folder here, and ${error.message.replace(/^Cannot/, "leger cannot")}`,
      error.hint,
    );
  });
  const known = reads.map((r) => r.catalog.name);
  if (short.catalog !== undefined && !known.includes(short.catalog)) {
    const failed = statuses.find((s) => s.name === short.catalog && s.error);
    throw new NotFoundError(
      failed
        ? `Cannot find ${source}: the catalog ${short.catalog} cannot be read (${failed.error})`
        : `Cannot find ${source}: it is not a folder here, and no catalog is named ${short.catalog}`,
      failed?.hint ?? `Catalogs: ${known.join(", ") || "none"} (catalogs: in config.yaml, or --catalog URL).`,
    );
  }
  const found = reads
    .filter((r) => short.catalog === undefined || r.catalog.name === short.catalog)
    .flatMap((r) => r.sets.filter((s) => s.name === short.name));
  if (found.length === 0) {
    const unread = statuses.filter((s) => s.error).map((s) => s.name);
    throw new NotFoundError(
      `Cannot find ${source}: it is not a folder here, and no catalog offers a set named ${short.name}` +
        (unread.length ? ` (not read: ${unread.join(", ")})` : ""),
      `See what the catalogs offer with leger search, or give a Git URL or a folder path.`,
    );
  }
  if (found.length > 1) {
    throw new UsageError(
      `Cannot install ${source}: ${found.length} catalogs offer a set of that name: ${
        found.map((s) => `${s.catalog}/${s.name} (${s.source})`).join(", ")
      }`,
      `Pick one: ${found.map((s) => `leger install ${s.catalog}/${s.name}`).join(" or ")}.`,
    );
  }
  const set = found[0]!;
  if (set.problem) engine.log.warn(`${set.catalog}/${set.name}: ${set.problem}`);
  engine.log.info(`${source} is ${set.source} (catalog ${set.catalog})`);
  return set.source;
}
