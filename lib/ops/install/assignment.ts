/**
 * Reads a source's `leger-hosts.yaml` and works out which sets this host
 * runs, as sources `leger install` can take one by one. Changes nothing.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { parseSource } from "../../source/spec.ts";
import {
  type AssignedSet,
  assignedSets,
  assignedSource,
  type HostIdentity,
  hostIdentity,
  HOSTS_FILE,
  nothingAssigned,
  parseHostsFile,
} from "../../source/hosts_file.ts";
import { boundedList } from "../../core/bounded_list.ts";

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
  const host = hostIdentity(engine.config);
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
    sets: sets.map((s) => ({ ...s, source: sourceOf(s.path) })),
  };
}
