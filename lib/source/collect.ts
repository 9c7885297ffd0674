/**
 * Takes the files of a quadlet set out of a folder: the quadlet units, their
 * drop-ins, `.quadlets` bundles, `.leger.yaml` and the files the units name
 * (Kube YAML, environment files). Nothing else: no READMEs, no `.git`.
 * Reads through the one set loader (`load_set.ts`), so a link out of the
 * set, a device or FIFO, an oversized file, a bad name or a bundle member
 * that escapes refuses the whole set, naming the file.
 *
 * @module
 */
import { relative, resolve } from "node:path";
import { LegerError } from "../core/errors.ts";
import { isDropinDir } from "../quadlet/dropins.ts";
import { summarizeSet } from "../quadlet/model.ts";
import { quadletKind, type SetFile } from "../quadlet/kinds.ts";
import { LEGER_YAML } from "../meta/set_meta.ts";
import { isBundle } from "../quadlet/bundle.ts";
import { isRefusal, isSafeName, readSetFile, type SetRefusal, walkSet } from "./load_set.ts";
import { boundedList } from "../core/bounded_list.ts";

/** A file taken from a set folder. */
export interface CollectedFile extends SetFile {
  /** Raw bytes (assets may be binary). */
  bytes: Uint8Array;
}

/** True when every part of a relative path is a safe file name. */
export function isSafeRelativePath(path: string): boolean {
  return isSafeName(path);
}

/** The files of a set folder leger installs: units, bundles, `.leger.yaml`, drop-in `.conf` files. */
export function isSetFile(name: string): boolean {
  if (name.includes("/")) return name.split("/").length === 2 && name.endsWith(".conf");
  return quadletKind(name) !== undefined || name === LEGER_YAML || name.endsWith(".quadlets");
}

/** The error for refused entries: every one named, exit code 3 (invalid set). */
export function refusedError(label: string, refused: readonly SetRefusal[]): LegerError {
  const first = refused[0]!;
  const more = refused.length > 1
    ? ` (and ${refused.length - 1} more: ${boundedList(refused.slice(1).map((r) => r.file))})`
    : "";
  return new LegerError(`Cannot use ${label}: ${first.message}${more}`, { exitCode: 3, hint: first.fix });
}

/** What a set folder is read for: what leger installs ({@linkcode collectSet}), or what validation reports on. */
export type SetReading = "install" | "validate";

/** Whether validation reads a file's text: units, bundles and `.leger.yaml` on top, drop-ins, misplaced units. */
function validated(name: string): boolean {
  const parts = name.split("/");
  const base = parts[parts.length - 1]!;
  if (parts.length === 1) return quadletKind(base) !== undefined || isBundle(base) || base === LEGER_YAML;
  return (parts.length === 2 && isDropinDir(parts[0]!)) || quadletKind(base) !== undefined;
}

/**
 * Reads a set folder through the set loader, the one reader of a set's
 * folder. For `install`: the files leger installs ({@linkcode isSetFile}),
 * the rest not looked into. For `validate`: units and drop-ins read (deeper
 * down too, so a misplaced unit is reported), their text as written (a BOM
 * kept), the other files by name without content. Entries the loader
 * refuses (a link out, a FIFO, a file too large, a bad name) come back as
 * `refused`; their content is never read.
 */
export async function readSetFolder(
  dir: string,
  reading: SetReading,
): Promise<{ files: CollectedFile[]; refused: SetRefusal[] }> {
  if (reading === "validate") {
    const tree = await walkSet(dir, { read: validated, deep: true });
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    return {
      files: tree.files.map((f) => ({
        name: f.name,
        bytes: f.bytes ?? new Uint8Array(),
        text: f.bytes ? decoder.decode(f.bytes) : "",
      })),
      refused: tree.refused,
    };
  }
  const tree = await walkSet(dir, { read: isSetFile, matters: (n) => isSetFile(n) || isDropinDir(n) || n === "." });
  const files: CollectedFile[] = [];
  for (const f of tree.files) {
    if (f.bytes) files.push({ name: f.name, bytes: f.bytes, text: new TextDecoder().decode(f.bytes) });
  }
  return { files, refused: tree.refused };
}

/**
 * Reads the set in `dir` as leger installs it. `label` names the source in
 * messages. Throws a LegerError that says what to fix when the folder
 * cannot be used.
 */
export async function collectSet(dir: string, label: string): Promise<CollectedFile[]> {
  let root: string;
  try {
    root = await Deno.realPath(dir);
    if (!(await Deno.stat(root)).isDirectory) throw new Deno.errors.NotADirectory(dir);
  } catch (error) {
    throw new LegerError(`Cannot read ${label}: ${dir} is not a folder`, {
      exitCode: 5,
      cause: error,
      hint: "Check the path, or the folder part of the URL.",
    });
  }
  const tree = await readSetFolder(root, "install");
  if (tree.refused.length) throw refusedError(label, tree.refused);
  const picked = new Map<string, CollectedFile>(tree.files.map((f) => [f.name, f]));
  if (![...picked.keys()].some((n) => quadletKind(n) || n.endsWith(".quadlets"))) {
    throw new LegerError(`Cannot use ${label}: the folder has no quadlet files`, {
      exitCode: 5,
      hint: "A set needs at least one .container, .volume, .network, .pod, .kube, .image or .build file.",
    });
  }
  // Files the units point at (EnvironmentFile=, Yaml=, ...), relative to the set.
  const summary = summarizeSet([...picked.values()]);
  const refused: SetRefusal[] = [];
  for (const ref of summary.references) {
    const rel = relative(root, resolve(root, ref));
    if (rel.startsWith("..") || !isSafeName(rel)) {
      refused.push({
        file: ref,
        code: "set/bad-name",
        message: `a unit names ${JSON.stringify(ref)}, which is outside the set`,
        fix: "Keep files the units use inside the set's folder, or give an absolute host path.",
      });
      continue;
    }
    if (picked.has(rel)) continue;
    const got = await readSetFile(root, rel);
    if (got === undefined) continue; // validation reports a missing file
    if (isRefusal(got)) refused.push(got);
    else picked.set(rel, { name: rel, bytes: got.bytes!, text: new TextDecoder().decode(got.bytes!) });
  }
  if (refused.length) throw refusedError(label, refused);
  return [...picked.values()].sort((a, b) => a.name.localeCompare(b.name));
}
