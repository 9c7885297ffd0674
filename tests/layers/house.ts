/**
 * The house rules of leger's code that are about size and homes, as checks
 * (the layer rules are layers.ts):
 *
 * - no file past {@linkcode MAX_LINES} lines, unless the exemptions name it
 *   with a reason;
 * - no folder with more than {@linkcode MAX_FILES} `.ts` files of its own
 *   that are not tests (it gets sub-folders instead);
 * - no module that only re-exports (every statement `export ... from`, or
 *   imports exported again): one home per fact, and callers import from it.
 *
 * Each check takes the files as data (path and text), so the test can show
 * that it fails on a made-up tree as well as pass on the real one.
 *
 * @module
 */
import { dirname, join } from "node:path";
import ts from "typescript";

/** A file is too long past this many lines. */
export const MAX_LINES = 400;

/** A folder is crowded past this many non-test `.ts` files of its own. */
export const MAX_FILES = 15;

/** One `.ts` file of the project, its path relative to the root. */
export interface SourceFile {
  path: string;
  text: string;
}

/** Folders that hold data the tests read, not code of the project, and folders of tools. */
const NOT_CODE = new Set([".git", ".coverage", "dist", "node_modules", "tests/fixtures", "tests/layers/fixtures"]);

/** Every `.ts` file under `root` (fixtures and tool folders left out), sorted. */
export async function projectFiles(root: string): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(root, rel))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory && !NOT_CODE.has(p)) await walk(p);
      else if (e.isFile && p.endsWith(".ts")) out.push({ path: p, text: await Deno.readTextFile(join(root, p)) });
    }
  };
  await walk("");
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Lines of a text, as `wc -l` counts them (a last line without a newline counts too). */
export function lineCount(text: string): number {
  if (text === "") return 0;
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** The files past `max` lines that `exempt` (path -> why) does not name, as sentences. */
export function tooLong(files: SourceFile[], exempt: Readonly<Record<string, string>>, max = MAX_LINES): string[] {
  return files.filter((f) => !(f.path in exempt) && lineCount(f.text) > max)
    .map((f) => `${f.path} has ${lineCount(f.text)} lines (at most ${max}): split it along a seam`);
}

/** The folders with more than `max` non-test `.ts` files of their own, as sentences. */
export function crowded(files: SourceFile[], max = MAX_FILES): string[] {
  const count = new Map<string, number>();
  for (const f of files) {
    if (f.path.endsWith("_test.ts")) continue;
    const dir = dirname(f.path);
    count.set(dir, (count.get(dir) ?? 0) + 1);
  }
  return [...count].filter(([, n]) => n > max).sort(([a], [b]) => a.localeCompare(b))
    .map(([dir, n]) => `${dir}/ has ${n} files that are not tests (at most ${max}): give it sub-folders`);
}

/**
 * Whether a module only re-exports: it exports, and declares nothing of its
 * own. Every statement is `export ... from "..."`, or an import and an
 * `export { ... }` of what it imported (the same thing in two steps).
 */
export function onlyReExports(text: string): boolean {
  const source = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const statements = source.statements;
  return statements.some(ts.isExportDeclaration) &&
    statements.every((s) => ts.isExportDeclaration(s) || ts.isImportDeclaration(s));
}

/** The modules that only re-export, as sentences. */
export function reExportFiles(files: SourceFile[]): string[] {
  return files.filter((f) => onlyReExports(f.text))
    .map((f) => `${f.path} only re-exports: import from the modules it names instead`);
}
