/**
 * Which podman versions a validation targets, and how a feature that only
 * some of them have is reported. The target is known when a host answers
 * (or `--podman-version` names one version), declared when `.leger.yaml`
 * (`podman:`) or the config (`podman-versions:`) lists the versions a set
 * is meant for, and unknown otherwise (`--no-host` in CI). A feature one
 * known or declared target lacks is an error, since it certainly fails
 * there; with an unknown target it is a warning naming the version it
 * needs, since the host it will run on may well have it.
 *
 * @module
 */
import { compareVersions, LATEST_PODMAN } from "./keys.ts";

/** Every podman minor release with a quadlet generator, oldest first. */
export const PODMAN_MINORS: readonly string[] = [
  "4.4",
  "4.5",
  "4.6",
  "4.7",
  "4.8",
  "4.9",
  "5.0",
  "5.1",
  "5.2",
  "5.3",
  "5.4",
  "5.5",
  "5.6",
  "5.7",
  "5.8",
  "6.0",
  "6.1",
];

/** The oldest podman leger supports (the first with quadlet). */
export const OLDEST_PODMAN = PODMAN_MINORS[0]!;

/** The podman versions a run checks against. */
export interface PodmanTarget {
  /** The versions ("major.minor"), oldest first. */
  versions: string[];
  /** Where they came from: `host`/`flag` (one version), `set`/`config` (declared), `unknown` (every supported one). */
  from: "host" | "flag" | "set" | "config" | "unknown";
}

/**
 * Reads a declaration of target versions: a list of "major.minor" and
 * ">=X.Y" items (">=5.6" means every release from 5.6 up to the newest
 * leger knows). Returns undefined for an empty or malformed declaration.
 */
export function parseTargets(items: readonly string[]): string[] | undefined {
  const out = new Set<string>();
  for (const raw of items) {
    const item = raw.trim();
    const min = /^>=\s*(\d+\.\d+)$/.exec(item);
    if (min) {
      for (const v of PODMAN_MINORS) if (compareVersions(v, min[1]!) >= 0) out.add(v);
      if (compareVersions(min[1]!, LATEST_PODMAN) > 0) out.add(min[1]!);
      continue;
    }
    if (!/^\d+\.\d+$/.test(item)) return undefined;
    out.add(item);
  }
  return out.size ? [...out].sort(compareVersions) : undefined;
}

/** The target of a run, from the most precise source available. */
export function resolveTarget(opts: {
  podmanVersion?: string | undefined;
  fromFlag?: boolean | undefined;
  declared?: { versions: string[]; from: "set" | "config" } | undefined;
}): PodmanTarget {
  if (opts.podmanVersion) return { versions: [opts.podmanVersion], from: opts.fromFlag ? "flag" : "host" };
  if (opts.declared?.versions.length) return { versions: opts.declared.versions, from: opts.declared.from };
  return { versions: [...PODMAN_MINORS], from: "unknown" };
}

/** How a feature missing on some targets is reported. */
export interface GateResult {
  /** error (a known or declared target lacks it) or warning (the target is unknown). */
  severity: "error" | "warning";
  /** The targets that lack it, "5.4, 5.6". */
  lacking: string;
  /** A sentence for the message: "the target has 5.4" / "the target's podman version is unknown". */
  about: string;
  /** A sentence for the fix when the target is unknown. */
  declare: string;
}

/** Says which targets lack a feature added in `since` (or removed in `until`, exclusive). */
export function gate(target: PodmanTarget, range: { since?: string; until?: string }): GateResult | undefined {
  const lacking = target.versions.filter((v) =>
    (range.since !== undefined && compareVersions(v, range.since) < 0) ||
    (range.until !== undefined && compareVersions(v, range.until) >= 0)
  );
  if (lacking.length === 0) return undefined;
  const list = lacking.length > 3 ? `${lacking[0]} to ${lacking[lacking.length - 1]}` : lacking.join(", ");
  const declare = 'declare the versions the set targets (podman: in .leger.yaml, e.g. [">=5.6"])';
  switch (target.from) {
    case "unknown":
      return { severity: "warning", lacking: list, about: "the target's podman version is unknown", declare };
    case "set":
      return { severity: "error", lacking: list, about: `.leger.yaml targets podman ${list}`, declare: "" };
    case "config":
      return { severity: "error", lacking: list, about: `the config targets podman ${list}`, declare: "" };
    default:
      return { severity: "error", lacking: list, about: `the target has ${list}`, declare: "" };
  }
}
