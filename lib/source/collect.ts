/**
 * Takes the files of a quadlet set out of a folder: the quadlet units, their
 * drop-ins, `.quadlets` bundles, `.leger.yaml` and the files the units name
 * (Kube YAML, environment files). Nothing else: no READMEs, no `.git`.
 * Refuses unsafe names and links that leave the folder.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import { LegerError, UsageError } from "../errors.ts";
import { quadletKind, type SetFile, summarizeSet } from "../quadlet/model.ts";
import { LEGER_YAML } from "../leger_yaml.ts";

/** A file taken from a set folder. */
export interface CollectedFile extends SetFile {
  /** Raw bytes (assets may be binary). */
  bytes: Uint8Array;
}

const SAFE_PART = /^\.?[A-Za-z0-9@_+%][A-Za-z0-9@_.+%=-]*$/;

/** True when every part of a relative path is a safe file name. */
export function isSafeRelativePath(path: string): boolean {
  return path.split("/").every((p) => SAFE_PART.test(p) && p !== "." && p !== "..");
}

function isSetFile(name: string): boolean {
  return quadletKind(name) !== undefined || name === LEGER_YAML || name.endsWith(".quadlets");
}

function isDropinDir(name: string): boolean {
  return /\.(container|volume|network|pod|kube|image|build|artifact)\.d$/.test(name) ||
    /^(container|volume|network|pod|kube|image|build|artifact)\.d$/.test(name);
}

/**
 * Reads the set in `dir`. `label` names the source in messages.
 * Throws a LegerError that says what to fix when the folder cannot be used.
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
  const picked = new Map<string, CollectedFile>();
  const take = async (rel: string) => {
    if (picked.has(rel)) return;
    if (!isSafeRelativePath(rel)) {
      throw new UsageError(
        `Cannot use ${label}: unsafe file name ${JSON.stringify(rel)}`,
        "Rename it to letters, digits and @ _ . + - only.",
      );
    }
    const abs = join(root, rel);
    let real: string;
    try {
      real = await Deno.realPath(abs);
    } catch (error) {
      throw new LegerError(`Cannot use ${label}: ${rel} is a broken link or missing`, { cause: error });
    }
    if (real !== root && !real.startsWith(root + "/")) {
      throw new UsageError(
        `Cannot use ${label}: ${rel} points outside the set (${real})`,
        "Links in a set may only point at files inside the set's folder.",
      );
    }
    const info = await Deno.stat(real);
    if (!info.isFile) return;
    const bytes = await Deno.readFile(real);
    picked.set(rel, { name: rel, bytes, text: new TextDecoder().decode(bytes) });
  };
  for await (const entry of Deno.readDir(root)) {
    if (entry.name === ".git") continue;
    if ((entry.isFile || entry.isSymlink) && isSetFile(entry.name)) await take(entry.name);
    else if ((entry.isDirectory || entry.isSymlink) && isDropinDir(entry.name)) {
      const sub = join(root, entry.name);
      const real = await Deno.realPath(sub);
      if (real !== sub && !real.startsWith(root + "/")) await take(entry.name); // refuses
      for await (const conf of Deno.readDir(sub)) {
        if (conf.name.endsWith(".conf")) await take(`${entry.name}/${conf.name}`);
      }
    }
  }
  if (![...picked.keys()].some((n) => quadletKind(n) || n.endsWith(".quadlets"))) {
    throw new LegerError(`Cannot use ${label}: the folder has no quadlet files`, {
      exitCode: 5,
      hint: "A set needs at least one .container, .volume, .network, .pod, .kube, .image or .build file.",
    });
  }
  // Files the units point at (EnvironmentFile=, Yaml=, ...), relative to the set.
  const summary = summarizeSet([...picked.values()]);
  for (const ref of summary.references) {
    const rel = relative(root, resolve(root, ref));
    if (rel.startsWith("..")) {
      throw new UsageError(
        `Cannot use ${label}: a unit names ${ref}, which is outside the set`,
        "Keep files the units use inside the set's folder, or give an absolute host path.",
      );
    }
    try {
      await take(rel);
    } catch (error) {
      if (error instanceof LegerError && /broken link or missing/.test(error.message)) continue; // validation reports it
      throw error;
    }
  }
  return [...picked.values()].sort((a, b) => a.name.localeCompare(b.name));
}
