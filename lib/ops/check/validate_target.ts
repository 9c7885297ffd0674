/**
 * `leger validate TARGET` and `leger check-conflicts`: what the validator
 * says of a folder, a unit file, a bundle, an installed set, a source URL
 * or a repository whose subfolders are sets, and which installed sets use a
 * host port or a volume. Changes nothing.
 *
 * @module
 */
import { basename, resolve } from "node:path";
import type { Engine } from "../../engine.ts";
import { NotFoundError } from "../../core/errors.ts";
import { exists } from "../../core/fs.ts";
import { hostProbe } from "./host_probe.ts";
import { findUsers, type Use } from "../../quadlet/conflicts.ts";
import type { Diagnostic, ValidationReport } from "../../quadlet/diagnostic.ts";
import type { RepositoryReport } from "../../quadlet/repository.ts";
import { validateSet } from "../../quadlet/validate.ts";
import { readSetFolder } from "../../source/collect.ts";
import { repoRelative } from "../../source/repo_root.ts";
import { parseSource } from "../../source/spec.ts";
import { findSetFolders, holdsUnits, validatePath, validateRepositoryAt } from "../../source/validate_path.ts";
import { readManifest } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";
import { legerYamlOf, otherSets, ownPorts, podmanMinor } from "./check.ts";
import { boundedList } from "../../core/bounded_list.ts";

/** Options of {@linkcode validateTarget}. */
export interface ValidateTargetOptions {
  /** Check keys against this podman version ("5.4") instead of the host's. */
  podmanVersion?: string | undefined;
  /** Ask this host (ports, paths, secrets, the generator); false for CI. */
  host: boolean;
  /** Count warnings as errors. */
  strict: boolean;
}

/** What {@linkcode validateTarget} found: a repository's sets, or one set's report. */
export type ValidateTarget =
  | { kind: "repository"; report: RepositoryReport; sarifRoot?: string }
  | { kind: "set"; report: ValidationReport; sarifRoot?: string };

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** The set folders of `path` when it is a repository (no units of its own, sets below), else undefined. */
async function repositorySets(path: string): Promise<string[] | undefined> {
  if (await holdsUnits(path)) return undefined;
  const sets = await findSetFolders(path);
  return sets.length ? sets : undefined;
}

const root = (path: string | undefined) => (path === undefined ? {} : { sarifRoot: path });

/**
 * Validates a target: a repository folder (each subfolder holding units is
 * a set), a folder, unit file or bundle, an installed set's name, or a
 * source URL. `sarifRoot` is where the reports' files sit in their
 * repository, for SARIF.
 */
export async function validateTarget(
  engine: Engine,
  target: string,
  options: ValidateTargetOptions,
): Promise<ValidateTarget> {
  const podmanVersion = options.podmanVersion ?? (options.host ? await podmanMinor(engine) : undefined);
  const configTargets = engine.config["podman-versions"];
  const base = {
    rootless: engine.scope === "user",
    ...(podmanVersion ? { podmanVersion, podmanVersionFromFlag: options.podmanVersion !== undefined } : {}),
    ...(configTargets ? { configTargets } : {}),
    strict: options.strict,
    ...(options.host ? { host: hostProbe(engine) } : {}),
  };
  // A new version of an installed set: the ports that set publishes are its own, not "in use".
  const own = async (setName: string) =>
    options.host ? { host: hostProbe(engine, await ownPorts(engine, setName)) } : {};
  const repo = (await isDir(target)) ? await repositorySets(resolve(target)) : undefined;
  if (repo) {
    const path = resolve(target);
    const report = await validateRepositoryAt(path, repo, { ...base, others: await otherSets(engine, "") });
    return { kind: "repository", report, ...root(repoRelative(path)) };
  }
  if (await exists(target)) {
    const path = resolve(target);
    const info = await Deno.stat(path);
    const dir = info.isDirectory ? path : resolve(path, "..");
    const files = info.isDirectory ? (await readSetFolder(path, "validate")).files : [];
    const setName = legerYamlOf(files)?.name ?? basename(dir);
    const report = await validatePath(path, {
      ...base,
      ...await own(setName),
      setName,
      others: await otherSets(engine, setName),
    });
    return { kind: "set", report, ...root(repoRelative(dir)) };
  }
  if (await readManifest(engine.paths, target)) {
    const files = await loadSetFiles(engine.paths, target);
    const report = await validateSet(files, {
      ...base,
      ...await own(target),
      setName: target,
      others: await otherSets(engine, target),
    });
    return { kind: "set", report, ...root(repoRelative(Deno.cwd())) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+@[\w.-]+:/i.test(target)) {
    const fetched = await engine.fetcher.fetch(parseSource(target, engine.forges));
    const setName = legerYamlOf(fetched.files)?.name ??
      (basename(fetched.source.subpath) || basename(fetched.source.url, ".git"));
    const report = await validateSet(fetched.files, {
      ...base,
      ...await own(setName),
      setName,
      others: await otherSets(engine, setName),
    });
    // The set's folder inside the fetched repository.
    return { kind: "set", report, ...root(fetched.source.subpath ?? repoRelative(Deno.cwd())) };
  }
  throw new NotFoundError(`Cannot validate ${target}: no such file or folder, installed set or source URL`);
}

/** Which installed sets (or only `name`) publish a host port or use a volume (or `.volume` file). */
export async function findUses(
  engine: Engine,
  name: string | undefined,
  query: { port?: number; volume?: string },
): Promise<Use[]> {
  const sets = await otherSets(engine, "");
  return findUsers(name ? sets.filter((s) => s.name === name) : sets, query);
}

/** What an installed set clashes with among the other installed sets (exit 5 when it is not installed). */
export async function conflictsOf(engine: Engine, name: string): Promise<Diagnostic[]> {
  const sets = await otherSets(engine, "");
  const mine = sets.find((s) => s.name === name);
  if (!mine) {
    const names = sets.map((s) => s.name);
    throw new NotFoundError(
      `Cannot check ${name}: it is not installed (${engine.scope} scope)`,
      names.length
        ? `Installed: ${boundedList(names)}.`
        : "Nothing is installed in this scope; see leger list, or --scope.",
    );
  }
  const report = await validateSet(mine.files, {
    setName: name,
    rootless: engine.scope === "user",
    others: sets.filter((s) => s.name !== name),
  });
  return report.diagnostics.filter((d) => d.code.startsWith("conflict/"));
}
