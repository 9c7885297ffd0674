/**
 * Reads a source's `leger-hosts.yaml` and works out which sets this host
 * runs, as sources `leger install` can take one by one. Changes nothing.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../engine.ts";
import { parseSource, type SourceSpec } from "../source/spec.ts";
import {
  type AssignedSet,
  assignedSets,
  type HostIdentity,
  HOSTS_FILE,
  nothingAssigned,
  parseHostsFile,
  setFolder,
} from "../source/hosts_file.ts";

/** The sets a repository assigns to this host. */
export interface Assignment {
  /** The file read, for messages (`<source> leger-hosts.yaml`). */
  file: string;
  /** This host as the file sees it. */
  host: HostIdentity;
  /** The commit the file was read at (git sources). */
  commit?: string;
  /** The sets meant for this host, each with the source that names it. */
  sets: Array<AssignedSet & { source: string }>;
}

/**
 * The source a set of the file is installed from: the repository, the ref
 * the file was read at and the set's folder (`URL#REF:FOLDER`), the same
 * string a single install records, so an installed set is recognised.
 */
export function assignedSource(spec: SourceSpec, top: { ref?: string; subpath: string }, path: string): string {
  return spec.kind === "local" ? join(spec.path, path) : `${spec.url}#${top.ref ?? ""}:${setFolder(top.subpath, path)}`;
}

/** This host's name and labels: `host-name:` (else the system's host name) and `labels:` of the config. */
export function hostIdentity(engine: Engine): HostIdentity {
  return { name: engine.config["host-name"] ?? Deno.hostname(), labels: [...engine.config.labels] };
}

/**
 * The sets the source's `leger-hosts.yaml` assigns to this host, or
 * undefined when the folder the source names has no such file (it is then
 * a single set). Throws when the file is invalid or gives this host nothing.
 */
export async function assignment(
  engine: Engine,
  source: string,
  options: { ref?: string } = {},
): Promise<Assignment | undefined> {
  const spec = parseSource(source, engine.forges);
  engine.fetcher.forget();
  const top = await engine.fetcher.readFile(spec, HOSTS_FILE, options.ref);
  if (top.text === undefined) return undefined;
  const label = `${HOSTS_FILE} of ${source}`;
  const file = parseHostsFile(top.text, label);
  const host = hostIdentity(engine);
  const sets = assignedSets(file, host, label);
  if (sets.length === 0) throw nothingAssigned(file, host, label);
  const sourceOf = (path: string) => assignedSource(spec, top, path);
  engine.log.info(
    `${label}${top.commit ? ` at ${top.commit.slice(0, 12)}` : ""}: host ${host.name}` +
      `${host.labels.length ? ` (labels ${host.labels.join(", ")})` : ""} runs ${sets.map((s) => s.path).join(", ")}`,
  );
  return {
    file: label,
    host,
    ...(top.commit ? { commit: top.commit } : {}),
    sets: sets.map((s) => ({ ...s, source: sourceOf(s.path) })),
  };
}
