/**
 * Where a set's files sit in the quadlet folder, computed from the layout
 * and never asked of `podman quadlet list` (on podman 5.8.x that call
 * fails outright once a template unit such as `web@.container` is
 * installed). Two layouts exist:
 *
 * - `flat`: podman 5.6-5.8's native install. Units and other files at the
 *   top of the quadlet folder, a hidden `.<set>.app` file listing them.
 * - `folder`: one sub-folder per set, `<quadlet dir>/<set>/`. The files
 *   backend writes it; podman 6's `install --application <set>` makes the
 *   same folder (podman 6 calls it an application).
 *
 * @module
 */
import { dirname, join, relative } from "node:path";
import { removeIfExists, sha256, sha256File } from "../core/fs.ts";
import type { FileRecord } from "../state/manifest.ts";
import type { CollectedFile } from "../source/collect.ts";
import { quadletKind } from "../quadlet/kinds.ts";
import { isMetaFile } from "./backend.ts";

/** How a set's files are laid out in the quadlet folder. */
export type Layout = "flat" | "folder";

/** Where `file` of set `name` lands in `layout` ("" for leger's metadata, which stays out). */
export function layoutPath(quadletDir: string, layout: Layout, name: string, file: string): string {
  if (isMetaFile(file)) return "";
  return layout === "folder" ? join(quadletDir, name, file) : join(quadletDir, file);
}

/** The marker podman 5.x writes for an application installed from a folder. */
export function appMarker(quadletDir: string, name: string): string {
  return join(quadletDir, `.${name}.app`);
}

/** The layout installed records are in (undefined when none has a path). */
export function layoutOf(quadletDir: string, records: FileRecord[]): Layout | undefined {
  const placed = records.filter((r) => r.path);
  if (placed.length === 0) return undefined;
  return placed.some((r) => !r.name.includes("/") && dirname(r.path) === quadletDir) ? "flat" : "folder";
}

/** The record a file gets when installed at `path`. */
export async function recordAt(f: CollectedFile, path: string): Promise<FileRecord> {
  const digest = await sha256(f.bytes);
  if (isMetaFile(f.name)) return { name: f.name, sha256: digest, path: "", kind: "meta" };
  return {
    name: f.name,
    sha256: digest,
    path,
    kind: quadletKind(f.name) && !f.name.includes("/") ? "quadlet" : "asset",
  };
}

/** A file whose bytes on disk are not what leger meant to write. */
export interface Mismatch {
  record: FileRecord;
  /** sha256 on disk, "" when the file is missing. */
  found: string;
}

/** Hashes each placed file on disk and compares it with the record. */
export async function verifyOnDisk(records: FileRecord[]): Promise<Mismatch[]> {
  const out: Mismatch[] = [];
  for (const r of records) {
    if (!r.path || r.name.endsWith(".quadlets")) continue; // podman splits bundles into their sections
    const found = await sha256File(r.path).catch(() => "");
    if (found !== r.sha256) out.push({ record: r, found });
  }
  return out;
}

/** Removes files and then every folder under `root` they leave empty (never `root` itself). */
export async function removeFiles(paths: string[], root: string): Promise<void> {
  for (const p of paths) await removeIfExists(p);
  const dirs = new Set<string>();
  for (const p of paths) {
    for (let d = dirname(p); d !== root && !relative(root, d).startsWith(".."); d = dirname(d)) dirs.add(d);
  }
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) await Deno.remove(d).catch(() => {});
}

/** Every file under `dir`, as paths relative to it (none when it does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory) await walk(join(d, e.name), rel);
      else out.push(rel);
    }
  };
  await walk(dir, "");
  return out.sort();
}
