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
} from "./assign.ts";
import { boundedList } from "../bounded_list.ts";
import { checkTrust } from "../trust/gate.ts";
import type { TrustRecord } from "../trust/record.ts";

/** The sets a repository assigns to this host. */
export interface Assignment {
  /** The file read, for messages (`<source> leger-hosts.yaml`). */
  file: string;
  /** This host as the file sees it. */
  host: HostIdentity;
  /** The commit the file was read at (git sources). */
  commit?: string;
  /** The signature check of that commit (the file is read only when it passes, or with allowUnsigned). */
  trust: TrustRecord;
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
  options: { ref?: string; allowUnsigned?: boolean } = {},
): Promise<Assignment | undefined> {
  const spec = parseSource(source, engine.forges);
  engine.fetcher.forget();
  const top = await engine.fetcher.readFile(spec, HOSTS_FILE, options.ref);
  if (top.text === undefined) return undefined;
  const label = `${HOSTS_FILE} of ${source}`;
  // Read only from a commit the trust rule accepts: the file decides what runs on this host.
  const trust = await checkTrust(
    engine,
    { kind: "hosts", ...(spec.kind === "git" ? { url: spec.url } : {}) },
    top.signed,
    { action: `read ${label}`, ...(options.allowUnsigned ? { allowUnsigned: true } : {}) },
  );
  const file = parseHostsFile(top.text, label);
  const host = hostIdentity(engine);
  const sets = assignedSets(file, host, label);
  if (sets.length === 0) throw nothingAssigned(file, host, label);
  const sourceOf = (path: string) => assignedSource(spec, top, path);
  engine.log.info(
    `${label}${top.commit ? ` at ${top.commit.slice(0, 12)}` : ""}: host ${host.name}` +
      `${host.labels.length ? ` (labels ${host.labels.join(", ")})` : ""} runs ${boundedList(sets.map((s) => s.path))}`,
  );
  return {
    file: label,
    host,
    ...(top.commit ? { commit: top.commit } : {}),
    trust,
    sets: sets.map((s) => ({ ...s, source: sourceOf(s.path) })),
  };
}
