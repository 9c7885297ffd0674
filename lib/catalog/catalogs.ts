/**
 * The catalogs a run reads: repositories (or folders) whose subfolders are
 * quadlet sets, from `catalogs:` in config.yaml, or the one `--catalog`
 * names for a single call; leger's own examples when the config names none.
 *
 * @module
 */
import { ExitCode, LegerError, UsageError } from "../core/errors.ts";
import { checkRef } from "../source/ref.ts";
import { cleanSubpath, type ForgeKind, parseSource, type SourceSpec } from "../source/spec.ts";
import type { Config } from "../config.ts";

/** One catalog, ready to read. */
export interface Catalog {
  /** What `leger install NAME/SET` calls it. */
  name: string;
  /** Where it is, as the user wrote it (URL, or folder). */
  source: string;
  /** The parsed source; its folder is the catalog's `path`. */
  spec: SourceSpec;
}

/** The catalog used when config.yaml names none: the examples of leger's own repository. */
export const DEFAULT_CATALOGS: NonNullable<Config["catalogs"]> = [
  { url: "https://github.com/leger-dev/leger.git", path: "examples", name: "leger" },
];

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A catalog's name from its source when it names none: the repository's (or folder's) last part. */
export function catalogNameOf(spec: SourceSpec): string {
  const where = spec.kind === "git" ? spec.url : spec.path;
  const last = where.replace(/\/+$/, "").replace(/\.git$/, "").split(/[/:]/).pop() ?? "";
  const name = last.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return name || "catalog";
}

/** Parses one catalog entry of the config (or `--catalog`). */
function catalogOf(
  entry: { url: string; ref?: string | undefined; path?: string | undefined; name?: string | undefined },
  forges: Record<string, ForgeKind>,
  where: string,
): Catalog {
  let spec: SourceSpec;
  try {
    spec = parseSource(entry.url, forges);
    if (spec.kind === "git") {
      if (entry.ref !== undefined) spec = { ...spec, ref: checkRef(entry.ref, `${where} ref`), refAndPath: undefined };
      if (entry.path !== undefined) spec = { ...spec, subpath: cleanSubpath(entry.path, entry.url) };
      if (spec.refAndPath === undefined) delete spec.refAndPath;
    } else if (entry.path !== undefined) {
      spec = { ...spec, path: `${spec.path}/${cleanSubpath(entry.path, entry.url)}` };
    }
  } catch (error) {
    if (!(error instanceof LegerError)) throw error;
    throw new LegerError(`Cannot use the catalog ${entry.url} (${where}): ${error.message}`, {
      exitCode: where === "--catalog" ? ExitCode.usage : ExitCode.config,
      ...(error.hint ? { hint: error.hint } : {}),
    });
  }
  const name = entry.name ?? catalogNameOf(spec);
  if (!NAME.test(name)) throw new UsageError(`Cannot use the catalog name "${name}"`, "Use letters, digits, _ . -");
  return { name, source: spec.input, spec };
}

/**
 * The catalogs of this run: `--catalog` alone when given, else config.yaml's
 * `catalogs:` (leger's examples when the key is absent). Two catalogs of
 * one name are refused (`NAME/SET` could not pick one).
 */
export function catalogsOf(config: Config, forges: Record<string, ForgeKind>, override?: string): Catalog[] {
  if (override !== undefined) return [catalogOf({ url: override }, forges, "--catalog")];
  const entries = config.catalogs ?? DEFAULT_CATALOGS;
  const out = entries.map((e, i) => catalogOf(e, forges, `catalogs[${i}] in config.yaml`));
  const seen = new Map<string, Catalog>();
  for (const c of out) {
    const other = seen.get(c.name);
    if (other) {
      throw new LegerError(`Cannot use two catalogs named "${c.name}" (${other.source} and ${c.source})`, {
        exitCode: ExitCode.config,
        hint: "Give one of them another name: (name: in its entry under catalogs: in config.yaml).",
      });
    }
    seen.set(c.name, c);
  }
  return out;
}
