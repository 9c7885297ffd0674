/**
 * Validating what is on disk: a set's folder, a single unit file or a
 * `.quadlets` bundle, and a repository whose subfolders are sets. The
 * files are read by the one set reader (collect.ts `readSetFolder`), then
 * handed to the validator, which reads no disk (lib/quadlet/).
 *
 * @example
 * ```ts
 * const report = await validatePath("./web", { rootless: true });
 * if (!report.ok) console.log(formatText(report));
 * ```
 *
 * @module
 */
import { isBundle } from "../quadlet/bundle.ts";
import type { ValidateOptions, ValidationReport } from "../quadlet/diagnostic.ts";
import { quadletKind } from "../quadlet/kinds.ts";
import { type RepositoryReport, validateRepository } from "../quadlet/repository.ts";
import { makeReport, validateSet } from "../quadlet/validate.ts";
import { readSetFolder } from "./collect.ts";
import { isRefusal, readSetFile } from "./load_set.ts";

/** Validates a folder, a single unit file (in the context of its folder) or a `.quadlets` bundle. */
export async function validatePath(path: string, options: ValidateOptions): Promise<ValidationReport> {
  const st = await Deno.stat(path);
  if (st.isDirectory) {
    const tree = await readSetFolder(path, "validate");
    return validateSet(tree.files, { ...options, refused: tree.refused });
  }
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  if (isBundle(base) || !quadletKind(base)) {
    // One file on its own: read under the same rules, without walking its folder.
    const got = await readSetFile(dir, base);
    if (got === undefined) throw new Deno.errors.NotFound(path);
    if (isRefusal(got)) return validateSet([], { ...options, refused: [got] });
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(got.bytes);
    } catch {
      return validateSet([], {
        ...options,
        refused: [{ file: base, code: "set/not-utf8", message: `${base} is not UTF-8 text`, fix: "save it as UTF-8" }],
      });
    }
    return validateSet([{ name: base, text }], options);
  }
  const tree = await readSetFolder(dir, "validate");
  const report = await validateSet(tree.files, { ...options, refused: tree.refused });
  const mine = (f: string) => f === base || f.startsWith(`${base}.d/`);
  return makeReport(report.diagnostics.filter((d) => mine(d.file)), options.strict ?? false);
}

const SKIP = new Set([".git", "node_modules", ".github"]);
/** How deep below the repository sets are looked for, and how many folders are looked at. */
const MAX_DEPTH = 4;
const MAX_FOLDERS = 5000;

const isUnitName = (n: string) => quadletKind(n) !== undefined || isBundle(n);

/** True when the folder holds quadlet units or bundles at its top level. */
export async function holdsUnits(dir: string): Promise<boolean> {
  for await (const e of Deno.readDir(dir)) if ((e.isFile || e.isSymlink) && isUnitName(e.name)) return true;
  return false;
}

/**
 * The set folders of a repository, relative to it, sorted: folders that
 * hold units at their top, looked for down to a small depth; a set's own
 * subfolders are not searched, links to folders are not followed.
 */
export async function findSetFolders(root: string): Promise<string[]> {
  const out: string[] = [];
  let seen = 0;
  const walk = async (rel: string, depth: number) => {
    const dirs: string[] = [];
    let units = false;
    for await (const e of Deno.readDir(rel ? `${root}/${rel}` : root)) {
      if (++seen > MAX_FOLDERS) return;
      if (e.isDirectory && !SKIP.has(e.name) && !e.name.startsWith(".")) dirs.push(e.name);
      else if ((e.isFile || e.isSymlink) && isUnitName(e.name)) units = true;
    }
    if (units && rel) {
      out.push(rel);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    for (const d of dirs.sort()) await walk(rel ? `${rel}/${d}` : d, depth + 1);
  };
  await walk("", 0);
  return out.sort();
}

/** Reads the set `folders` of the repository at `root` and validates them together (lib/quadlet/repository.ts). */
export async function validateRepositoryAt(
  root: string,
  folders: readonly string[],
  options: ValidateOptions,
): Promise<RepositoryReport> {
  const read = [];
  for (const path of folders) read.push({ path, ...await readSetFolder(`${root}/${path}`, "validate") });
  return await validateRepository(read, options);
}
