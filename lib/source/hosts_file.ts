/**
 * Sets assigned to hosts from one repository (the pull model): a file
 * `leger-hosts.yaml` at the top of the folder a source names says which
 * of the repository's sets each host runs. `leger install <repo>` on a
 * host reads it and installs the sets meant for that host; no server is
 * involved, Git is the source of truth and each host acts alone.
 *
 * ```yaml
 * # leger-hosts.yaml
 * all: [monitoring]            # every host
 * hosts:                       # by host name (exact, or a * pattern)
 *   web-1: [apps/web]
 *   "db-*": [apps/db]
 * labels:                      # by a label in the host's config (labels: [edge])
 *   edge:
 *     - apps/proxy
 *     - { path: apps/web, name: web-edge }
 * ```
 *
 * A set entry is a folder of the repository (relative to the file), or
 * `{ path, name }` to install it under another name. A host gets the union
 * of its entries, each folder once.
 *
 * @module
 */
import { join, posix } from "node:path";
import { z } from "zod";
import { ExitCode, LegerError, NotFoundError } from "../core/errors.ts";
import { parseYamlWith, type YamlProblem } from "../core/schema/yaml_file.ts";
import { cleanSubpath, type SourceSpec } from "./spec.ts";
import { boundedList } from "../core/bounded_list.ts";

/** The file's name, at the top of the folder a source names. */
export const HOSTS_FILE = "leger-hosts.yaml";

const setName = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Host names, patterns and labels: letters, digits, `.`, `_`, `-` (and `*` in host patterns). */
const hostPattern = /^[A-Za-z0-9*][A-Za-z0-9*_.-]*$/;
/** A label, as in the host's config and the file's `labels:`. */
export const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.\/=-]*$/;

const folder = z.string().min(1).refine(
  (p) => !p.startsWith("/") && !p.split("/").includes(".."),
  "a folder inside the repository (relative, without ..)",
);
const SetEntry = z.union([
  folder,
  z.strictObject({
    path: folder,
    name: z.string().regex(setName, "use letters, digits, _ . and -").optional(),
  }),
]);
const SetList = z.array(SetEntry);

/** A map whose keys must match `re` (zod's own key error does not say what a key should look like). */
const keyedBy = (re: RegExp, what: string) =>
  z.record(z.string(), SetList).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      if (!re.test(key)) ctx.addIssue({ code: "custom", message: `not ${what}`, path: [key] });
    }
  });

/** The schema of `leger-hosts.yaml`. */
export const HostsFile = z.strictObject({
  all: SetList.default([]),
  hosts: keyedBy(hostPattern, "a host name or a pattern with * (letters, digits, _ . - *)").default({}),
  labels: keyedBy(LABEL, "a label (letters, digits and _ . / = -)").default({}),
});
/** A parsed `leger-hosts.yaml`. */
export type HostsFile = z.infer<typeof HostsFile>;

/** Who a host is, as the assignment sees it. */
export interface HostIdentity {
  /** The host's name (from the system, or `host-name:` in the config). */
  name: string;
  /** The host's labels (`labels:` in the config). */
  labels: string[];
}

/** One set picked for a host. */
export interface AssignedSet {
  /** Folder inside the repository ("" = the folder the source names). */
  path: string;
  /** Install under this name (else the usual: .leger.yaml name, then the folder's name). */
  name?: string;
  /** Why this host gets it: `all`, `host:<key>` or `label:<label>`. */
  because: string[];
}

/** Parses the file's text; throws a LegerError (exit code 3) listing every problem with its position. */
export function parseHostsFile(text: string, label: string): HostsFile {
  const result = parseYamlWith(text, label, HostsFile);
  if (result.ok) return result.value;
  throw invalid(label, result.problems);
}

function invalid(label: string, problems: YamlProblem[]): LegerError {
  const lines = problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.key ? p.key + ": " : ""}${p.message}`);
  return new LegerError(`Cannot read ${label}:\n${lines.join("\n")}`, {
    exitCode: ExitCode.invalid,
    hint: `Fix ${HOSTS_FILE} in the repository (keys: all, hosts, labels; each a list of set folders).`,
    details: { problems },
  });
}

/** True when a host name matches a `hosts:` key (exact, case-insensitive; `*` matches any run of characters). */
export function hostMatches(pattern: string, host: string): boolean {
  const re = new RegExp(
    "^" + pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\-]/g, "\\$&")).join(".*") + "$",
    "i",
  );
  return re.test(host) || (!pattern.includes(".") && re.test(host.split(".")[0]!));
}

/**
 * The sets of `file` meant for `host`, in the file's order, each folder once.
 * Two entries that name one folder under different names are refused.
 */
export function assignedSets(file: HostsFile, host: HostIdentity, label = HOSTS_FILE): AssignedSet[] {
  const picked = new Map<string, AssignedSet>();
  const add = (entries: z.infer<typeof SetList>, because: string) => {
    for (const entry of entries) {
      const raw = typeof entry === "string" ? { path: entry } : entry;
      const path = cleanSubpath(raw.path, label);
      const seen = picked.get(path);
      if (!seen) {
        picked.set(path, { path, ...(raw.name ? { name: raw.name } : {}), because: [because] });
        continue;
      }
      if (raw.name && seen.name && raw.name !== seen.name) {
        throw new LegerError(
          `Cannot use ${label}: ${path} is assigned to this host as ${seen.name} (${seen.because[0]}) ` +
            `and as ${raw.name} (${because})`,
          { exitCode: ExitCode.invalid, hint: "Give a folder one name per host." },
        );
      }
      if (raw.name) seen.name = raw.name;
      if (!seen.because.includes(because)) seen.because.push(because);
    }
  };
  add(file.all, "all");
  for (const [pattern, entries] of Object.entries(file.hosts)) {
    if (hostMatches(pattern, host.name)) add(entries, `host:${pattern}`);
  }
  for (const [name, entries] of Object.entries(file.labels)) {
    if (host.labels.includes(name)) add(entries, `label:${name}`);
  }
  return [...picked.values()];
}

/** The error for a host the file gives nothing: names the host, its labels and what the file knows. */
export function nothingAssigned(file: HostsFile, host: HostIdentity, label: string): NotFoundError {
  const known = [
    ...Object.keys(file.hosts).map((h) => `host ${h}`),
    ...Object.keys(file.labels).map((l) => `label ${l}`),
  ];
  return new NotFoundError(
    `Cannot install from ${label}: no set is assigned to host ${host.name}` +
      ` (labels: ${host.labels.length ? host.labels.join(", ") : "none"})`,
    `The file assigns sets to ${known.length ? boundedList(known) : "no host"}. ` +
      "Add this host's name there, or give the host a label with labels: in leger's config.",
  );
}

/** Joins a set folder to the folder the source named. */
export function setFolder(base: string, path: string): string {
  return posix.join(base || ".", path).replace(/^\.\/?/, "").replace(/\/$/, "");
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
export function hostIdentity(config: { "host-name"?: string | undefined; labels: readonly string[] }): HostIdentity {
  return { name: config["host-name"] ?? Deno.hostname(), labels: [...config.labels] };
}
