/**
 * `leger export NAME DIR`: a set (adopted or installed) written out as a
 * folder ready to commit: its unit files and other files as leger keeps
 * them, and a `.leger.yaml` naming the set, its version and the secrets its
 * units use, so that putting it in Git and installing it from there
 * (`leger install SOURCE --replace`) is the next step.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import type { Engine } from "../../engine.ts";
import { LegerError } from "../../core/errors.ts";
import { atomicWrite } from "../../core/fs.ts";
import { LEGER_YAML } from "../../meta/set_meta.ts";
import { summarizeSet } from "../../quadlet/model.ts";
import { loadSetFiles } from "../../state/store.ts";
import { requireManifest } from "../set_lookup.ts";

/** Options of {@linkcode exportSet}. */
export interface ExportOptions {
  /** Write into a folder that is not empty (files of the same name are replaced). */
  overwrite?: boolean;
}

/** What {@linkcode exportSet} wrote. */
export interface ExportResult {
  name: string;
  dir: string;
  /** Files written, relative to `dir`. */
  files: string[];
  /** Podman secrets the units use (declared in the `.leger.yaml` written). */
  secrets: string[];
  /** True when the set had a `.leger.yaml` of its own (written as it is). */
  keptLegerYaml: boolean;
}

async function refuseNonEmpty(dir: string, overwrite: boolean): Promise<void> {
  try {
    const st = await Deno.stat(dir);
    if (!st.isDirectory) throw new LegerError(`Cannot export to ${dir}: it is not a folder`);
    for await (const _ of Deno.readDir(dir)) {
      if (overwrite) return;
      throw new LegerError(`Cannot export to ${dir}: the folder is not empty`, {
        hint: "Name a new or empty folder, or pass --overwrite to write over files of the same name.",
      });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The `.leger.yaml` of an exported set that had none. */
function legerYamlFor(name: string, description: string, version: string, secrets: string[]): string {
  const doc = {
    name,
    description,
    version,
    ...(secrets.length ? { secrets: secrets.map((s) => ({ name: `leger/${name}/${s}`, "podman-secret": s })) } : {}),
  };
  const notes = secrets.length
    ? "# secrets: the Podman secrets the units use. With no Setec server configured, leger uses them as\n" +
      "# they are on the host; with one, it fetches each from Setec under `name` (rename to yours).\n"
    : "";
  return `# Written by leger export. Commit this folder, then: leger install SOURCE --name ${name} --replace\n${notes}${
    stringify(doc)
  }`;
}

/** Writes an installed or adopted set out as a folder ready to commit. */
export async function exportSet(
  engine: Engine,
  name: string,
  dirArg: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const manifest = await requireManifest(engine, name);
  const dir = resolve(dirArg);
  await refuseNonEmpty(dir, options.overwrite ?? false);
  const files = await loadSetFiles(engine.paths, name);
  const secrets = summarizeSet(files).secrets;
  const own = files.find((f) => f.name === LEGER_YAML);
  const out = [...files];
  if (!own) {
    const description = manifest.source.kind === "adopted"
      ? `adopted from ${manifest.source.url} on ${manifest.installedAt.slice(0, 10)}`
      : `exported from ${manifest.source.input}`;
    const text = legerYamlFor(name, description, manifest.version ?? "1", secrets);
    out.push({ name: LEGER_YAML, text, bytes: new TextEncoder().encode(text) });
  }
  for (const f of out) await atomicWrite(join(dir, f.name), f.bytes, { mode: 0o644, dirMode: 0o755 });
  engine.log.info(`exported ${name} to ${dir}: ${out.length} file(s)`);
  return {
    name,
    dir,
    files: out.map((f) => f.name).sort(),
    secrets,
    keptLegerYaml: own !== undefined,
  };
}
