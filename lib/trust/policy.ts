/**
 * Which trust rule applies to a source, from config.yaml's `trust:`:
 *
 * - a set: `trust.sets.NAME`, else its repository's rule
 *   (`trust.catalogs.URL`, else `trust.fleet` when it is the fleet
 *   repository), else `trust.default`, else none;
 * - a repository's `leger-hosts.yaml`: `trust.fleet` when it is the fleet
 *   repository, else `trust.catalogs.URL`, else `trust.default`, else none.
 *
 * Repositories are the same when host and path are, whatever the scheme,
 * user name or a trailing `.git` (`https://git.example.com/ops/sets.git`
 * and `git@git.example.com:ops/sets` are one repository).
 *
 * @module
 */
import { type ForgeKind, parseSource } from "../source/spec.ts";
import type { TrustConfig, TrustKey, TrustRule } from "./schema.ts";

/** What is about to be trusted. */
export type TrustSubject =
  | {
    kind: "set";
    /**
     * The set's name, when the host chose it (`--name`, an installed set, a fleet entry's `name`): a name the
     * fetched files give themselves (`.leger.yaml`) must not pick a rule, or an unsigned commit could name
     * itself after a set whose rule is `none`.
     */
    name?: string;
    /** The repository's URL; undefined for a local folder. */
    url?: string;
  }
  | { kind: "hosts"; url?: string };

/** The rule in force for a subject. */
export interface TrustPolicy {
  verify: "none" | "signed";
  /** Where the rule was read: `trust.sets.web`, `trust.catalogs.URL`, `trust.fleet`, `trust.default`, `built-in`. */
  rule: string;
  /** The keys allowed to sign, by name. */
  signers: Array<readonly [string, TrustKey]>;
}

/** A repository's identity for matching: host and path, without scheme, user, `.git` or trailing slashes. */
export function repositoryKey(url: string): string {
  let host = "", path = url.split("#")[0]!;
  const scp = /^[\w.-]+@([\w.-]+):(?!\/\/)(.*)$/.exec(path);
  if (scp) {
    host = scp[1]!.toLowerCase();
    path = "/" + scp[2]!;
  } else {
    try {
      const u = new URL(path);
      host = u.host.toLowerCase();
      path = decodeURIComponent(u.pathname);
    } catch {
      // a plain path
    }
  }
  return host + path.replace(/\/+$/, "").replace(/\.git$/, "").replace(/\/+$/, "").replace(/\/{2,}/g, "/");
}

/** The repository a source (or a `trust.catalogs` key) names, as a key. */
function sourceKey(source: string, forges: Record<string, ForgeKind>): string | undefined {
  try {
    const spec = parseSource(source, forges, "/");
    return spec.kind === "git" ? repositoryKey(spec.url) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves the rule for a subject. */
export function trustPolicyFor(
  trust: TrustConfig | undefined,
  fleetSource: string | undefined,
  subject: TrustSubject,
  forges: Record<string, ForgeKind> = {},
): TrustPolicy {
  const key = subject.url !== undefined ? repositoryKey(subject.url) : undefined;
  const catalog = key === undefined
    ? undefined
    : Object.entries(trust?.catalogs ?? {}).find(([k]) => sourceKey(k, forges) === key);
  const isFleet = key !== undefined && fleetSource !== undefined && sourceKey(fleetSource, forges) === key;
  const candidates: Array<[string, TrustRule | undefined]> = [];
  if (subject.kind === "set" && subject.name !== undefined) {
    candidates.push([`trust.sets.${subject.name}`, trust?.sets[subject.name]]);
  }
  const byCatalog: [string, TrustRule | undefined] = [`trust.catalogs.${catalog?.[0]}`, catalog?.[1]];
  const byFleet: [string, TrustRule | undefined] = ["trust.fleet", isFleet ? trust?.fleet : undefined];
  candidates.push(...(subject.kind === "set" ? [byCatalog, byFleet] : [byFleet, byCatalog]));
  candidates.push(["trust.default", trust?.default]);
  const [rule, found] = candidates.find(([, r]) => r !== undefined) ?? ["built-in", undefined];
  const keys = Object.entries(trust?.keys ?? {});
  const signers = found?.signers ? keys.filter(([name]) => found.signers!.includes(name)) : keys;
  return { verify: found?.verify ?? "none", rule, signers };
}
