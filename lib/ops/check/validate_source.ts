/**
 * `leger.validate(source)` for workflows: fetch a source (Git URL, forge
 * tree URL or folder) and validate it, without podman. Unlike `prepare()`,
 * it asks nothing of the host unless told to, so a validating workflow
 * runs on a CI machine.
 *
 * @module
 */
import { basename } from "node:path";
import type { Engine } from "../../engine.ts";
import { hostProbe } from "./host_probe.ts";
import type { Diagnostic } from "../../quadlet/diagnostic.ts";
import { validateSet } from "../../quadlet/validate.ts";
import { parseSource } from "../../source/spec.ts";
import { legerYamlOf, otherSets } from "./check.ts";

/** Options of {@linkcode validateSource}. */
export interface ValidateSourceOptions {
  /** Branch, tag or commit to fetch instead of the source's. */
  ref?: string;
  /** Set name (default: .leger.yaml's name, else the folder's). */
  name?: string;
  /** Check keys against this podman version ("5.4"); default: the newest leger knows. */
  podmanVersion?: string;
  /** Count warnings as errors. */
  strict?: boolean;
  /**
   * Also ask this host (ports in use, paths, podman secrets, installed sets,
   * the generator); needs podman and systemd. Default false.
   */
  host?: boolean;
}

/** What {@linkcode validateSource} found. */
export interface ValidateSourceResult {
  /** The set's name. */
  name: string;
  /** Commit validated, for Git sources. */
  commit?: string;
  /** No errors (with `strict`: no warnings either). */
  ok: boolean;
  errors: number;
  warnings: number;
  /** Every problem, sorted by file, line and column. */
  diagnostics: Diagnostic[];
}

/** Fetches a source and validates it; changes nothing, needs no podman unless `host`. */
export async function validateSource(
  engine: Engine,
  source: string,
  options: ValidateSourceOptions = {},
): Promise<ValidateSourceResult> {
  const fetched = await engine.fetcher.fetch(parseSource(source, engine.forges), options.ref);
  const name = options.name ?? legerYamlOf(fetched.files)?.name ??
    (basename(fetched.source.subpath) || basename(fetched.source.url).replace(/\.git$/, "") || "set");
  const report = await validateSet(fetched.files, {
    setName: name,
    rootless: engine.scope === "user",
    ...(options.podmanVersion ? { podmanVersion: options.podmanVersion } : {}),
    ...(options.strict ? { strict: true } : {}),
    ...(options.host ? { host: hostProbe(engine), others: await otherSets(engine, name) } : {}),
  });
  return {
    name,
    ...(fetched.source.commit ? { commit: fetched.source.commit } : {}),
    ok: report.ok,
    errors: report.errors,
    warnings: report.warnings,
    diagnostics: report.diagnostics,
  };
}
