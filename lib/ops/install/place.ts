/**
 * Putting a set's files in place and taking them away, through the
 * backend that set uses (see lib/backend/for_set.ts: bundles split into
 * their unit files; sets with templates on the files backend where podman
 * cannot manage templates natively).
 *
 * @module
 */
import type { Backend } from "../../backend/backend.ts";
import { isMetaFile } from "../../backend/backend.ts";
import { filesBackend } from "../../backend/files.ts";
import { backendFor, filesToInstall } from "../../backend/for_set.ts";
import type { Engine } from "../../engine.ts";
import { sha256 } from "../../core/fs.ts";
import { quadletKind } from "../../quadlet/kinds.ts";
import type { CollectedFile } from "../../source/collect.ts";
import type { FileRecord, Manifest } from "../../state/manifest.ts";

/** The backend for a set whose installed files have these names. */
export async function backendForSet(engine: Engine, installedNames: readonly string[]): Promise<Backend> {
  const scope = await engine.backend();
  if (scope.kind !== "native") return scope;
  return backendFor(scope, await engine.podman(), engine.paths.quadletDir, installedNames);
}

/** The backend an installed set was put in place with. */
export async function backendOfManifest(engine: Engine, m: Pick<Manifest, "backend">): Promise<Backend> {
  const scope = await engine.backend();
  return m.backend === "files" && scope.kind !== "files" ? filesBackend(engine.paths.quadletDir) : scope;
}

/** What {@linkcode placeSet} put in place. */
export interface Placed {
  records: FileRecord[];
  backend: "native" | "files";
}

/**
 * Installs a set's files (bundles split) with the backend the set needs.
 * When the previous version went through another backend, its files are
 * removed through that one first.
 */
export async function placeSet(
  engine: Engine,
  name: string,
  files: readonly CollectedFile[],
  previous?: { backend: "native" | "files"; files: FileRecord[] },
): Promise<Placed> {
  const out = filesToInstall(files);
  const backend = await backendForSet(engine, out.map((f) => f.name));
  let before = previous?.files;
  if (previous && previous.backend !== backend.kind) {
    await (await backendOfManifest(engine, previous)).remove(name, previous.files);
    before = undefined;
  }
  return { records: await backend.install(name, out, before), backend: backend.kind };
}

/** The names a backend gets for these set files (bundles split). */
export function installedNames(files: readonly CollectedFile[]): string[] {
  return filesToInstall(files).map((f) => f.name);
}

/**
 * The records `files` have (or would have) once installed by `kind`,
 * for removing them when an install was cut short before it said what it
 * wrote. `previous` records come first and are kept.
 */
export async function expectedRecords(
  engine: Engine,
  name: string,
  kind: "native" | "files",
  files: readonly CollectedFile[],
  previous: FileRecord[] = [],
): Promise<FileRecord[]> {
  const scope = await engine.backend();
  const backend = kind === scope.kind ? scope : filesBackend(engine.paths.quadletDir);
  const known = new Set(previous.map((r) => r.name));
  const out = [...previous];
  for (const f of filesToInstall(files)) {
    if (known.has(f.name)) continue;
    out.push({
      name: f.name,
      sha256: await sha256(f.bytes),
      path: isMetaFile(f.name) ? "" : backend.pathOf(name, f.name),
      kind: isMetaFile(f.name) ? "meta" : !f.name.includes("/") && quadletKind(f.name) ? "quadlet" : "asset",
    });
  }
  return out;
}
