/**
 * The manifest leger keeps for each installed quadlet set: where it came
 * from, what was installed (with checksums), and what it uses.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { atomicWriteJson, readTextIfExists, removeIfExists } from "../core/fs.ts";
import { LegerError } from "../core/errors.ts";
import type { ScopePaths } from "../core/paths.ts";
import { TrustRecord } from "../trust/record.ts";

/** Where a set came from. */
export const SourceRecord = z.object({
  /** "git" for a repository, "local" for a folder, "adopted" for quadlets leger found on the host (`leger adopt`). */
  kind: z.enum(["git", "local", "adopted"]),
  /** The source exactly as the user gave it. */
  input: z.string(),
  /** Clone URL (git) or absolute folder (local). */
  url: z.string(),
  /** Ref asked for (branch, tag or commit); empty for the remote HEAD. */
  ref: z.string().optional(),
  /** Resolved commit (git only). */
  commit: z.string().optional(),
  /** Folder inside the repository, "" for its top. */
  subpath: z.string(),
  /** Forge kind the URL was parsed as, if any. */
  forge: z.string().optional(),
});
/** Where a set came from. */
export type SourceRecord = z.infer<typeof SourceRecord>;

/** One installed file. */
export const FileRecord = z.object({
  /** File name inside the set (flat). */
  name: z.string(),
  /** sha256 of its content as installed. */
  sha256: z.string(),
  /** Path where the backend put it. */
  path: z.string(),
  /** quadlet unit file, other file the units use, or leger metadata. */
  kind: z.enum(["quadlet", "asset", "meta"]),
});
/** One installed file. */
export type FileRecord = z.infer<typeof FileRecord>;

/** A secret the set declares in `.leger.yaml`. */
export const SecretRecord = z.object({
  /** Setec secret name. */
  name: z.string(),
  /** Podman secret the quadlets use. */
  podmanSecret: z.string(),
  /** Environment variable the container sees it as, if checked. */
  env: z.string().optional(),
  /** Restart the units using it when it rotates. */
  restart: z.boolean().optional(),
});
/** A secret the set declares. */
export type SecretRecord = z.infer<typeof SecretRecord>;

/** A podman volume the set uses. */
export const VolumeRecord = z.object({
  /** Podman volume name (e.g. `systemd-data`). */
  name: z.string(),
  /** The `.volume` file that defines it, if any. */
  unitFile: z.string().optional(),
});
/** A podman volume the set uses. */
export type VolumeRecord = z.infer<typeof VolumeRecord>;

/** The manifest of one installed set. */
export const Manifest = z.object({
  schema: z.literal(1),
  name: z.string(),
  scope: z.enum(["user", "system"]),
  backend: z.enum(["native", "files"]),
  source: SourceRecord,
  /** `version:` of `.leger.yaml`, if given. */
  version: z.string().optional(),
  files: z.array(FileRecord),
  /** systemd unit names the set defines (e.g. `web.service`). */
  units: z.array(z.string()),
  volumes: z.array(VolumeRecord),
  secrets: z.array(SecretRecord),
  /** Host ports published, as written in `PublishPort=`. */
  ports: z.array(z.string()),
  installedAt: z.string(),
  updatedAt: z.string(),
  /** The signature check of the installed commit (lib/trust/); absent before leger checked, or after a restore. */
  trust: TrustRecord.optional(),
});
/** The manifest of one installed set. */
export type Manifest = z.infer<typeof Manifest>;

/** Path of a set's manifest. */
export function manifestPath(paths: ScopePaths, name: string): string {
  return join(paths.manifestsDir, `${name}.json`);
}

/** Parses manifest text; errors name the file and the key. */
export function parseManifest(text: string, file: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new LegerError(`Cannot read ${file}: not JSON (${(error as Error).message})`, {
      hint: `Move ${file} aside (mv ${file} ${file}.broken), then install the set again with leger install.`,
    });
  }
  const parsed = Manifest.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LegerError(
      `Cannot read ${file}: ${issue.path.join(".") || "(top)"}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** Reads a set's manifest, or undefined when the set is not installed. */
export async function readManifest(
  paths: ScopePaths,
  name: string,
): Promise<Manifest | undefined> {
  const file = manifestPath(paths, name);
  const text = await readTextIfExists(file);
  return text === undefined ? undefined : parseManifest(text, file);
}

/** Writes a manifest atomically (caller holds the lock). */
export function writeManifest(paths: ScopePaths, manifest: Manifest): Promise<void> {
  return atomicWriteJson(manifestPath(paths, manifest.name), manifest);
}

/** Removes a manifest (caller holds the lock). */
export function deleteManifest(paths: ScopePaths, name: string): Promise<void> {
  return removeIfExists(manifestPath(paths, name));
}

/** Every installed set's manifest, sorted by name. */
export async function listManifests(paths: ScopePaths): Promise<Manifest[]> {
  const out: Manifest[] = [];
  try {
    for await (const entry of Deno.readDir(paths.manifestsDir)) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      const file = join(paths.manifestsDir, entry.name);
      out.push(parseManifest(await Deno.readTextFile(file), file));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
