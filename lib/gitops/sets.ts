/**
 * The installed sets and their update policies, read once per updater
 * tick: the tick needs them to know how soon a set is due, and the cycle
 * it runs needs them again to act, so the same reading serves both.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { listManifests, type Manifest } from "../state/manifest.ts";
import { type EffectivePolicy, policyOf } from "../policy/policy.ts";

/** One installed set as the updater sees it: its policy, or why the policy cannot be read. */
export interface SetPolicy {
  manifest: Manifest;
  policy?: EffectivePolicy;
  /** The error of reading the policy (`.leger.yaml` or the config), when it failed. */
  error?: string;
}

/** Reads every manifest and each set's `.leger.yaml` once. */
export async function readSetPolicies(engine: Engine): Promise<SetPolicy[]> {
  const out: SetPolicy[] = [];
  for (const manifest of await listManifests(engine.paths)) {
    try {
      out.push({ manifest, policy: await policyOf(engine.paths, engine.config, manifest.name) });
    } catch (error) {
      out.push({ manifest, error: (error as Error).message });
    }
  }
  return out;
}

/** The shortest interval of the sets the updater follows (a git source, a policy other than off). */
export function shortestInterval(sets: SetPolicy[]): number | undefined {
  let best: number | undefined;
  for (const { manifest, policy } of sets) {
    if (!policy || policy.policy === "off" || manifest.source.kind !== "git") continue;
    best = best === undefined ? policy.intervalMs : Math.min(best, policy.intervalMs);
  }
  return best;
}
