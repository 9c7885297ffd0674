/**
 * A set's update policy as it applies on this host: built-in defaults,
 * under the host config's `updates.default`, under the set's own
 * `.leger.yaml` `updates:` (its author's default), under the host config's
 * `updates.sets.<name>` (the host owner wins).
 *
 * @module
 */
import type { Config } from "../config.ts";
import { parseDuration } from "../core/duration.ts";
import { LegerError } from "../core/errors.ts";
import { LEGER_YAML, type UpdatePolicy } from "../meta/set_meta.ts";
import type { ScopePaths } from "../core/paths.ts";
import { loadSetFiles } from "../state/store.ts";
import { type CalendarWindow, parseWindow } from "./calendar.ts";

/** The policy of one set, resolved. */
export interface EffectivePolicy {
  policy: "off" | "notify" | "apply";
  /** `branch`: the branch the set was installed from; `tag`: the newest tag matching {@linkcode tagPattern}. */
  follow: "branch" | "tag";
  tagPattern?: string;
  intervalMs: number;
  window?: CalendarWindow;
  /** The host allows unattended applies of versions that add risk findings (config.yaml only). */
  acceptRisks: boolean;
  /** The host allows unattended updates over http:// or git:// (config.yaml only). */
  allowInsecureTransport: boolean;
  /** Where each part came from, for `leger status`. */
  from: string[];
}

/** Merges the layers of a set's policy (later layers win) and checks the result. */
export function resolvePolicy(
  name: string,
  config: Config,
  fromSet: UpdatePolicy | undefined,
): EffectivePolicy {
  const layers: Array<[string, UpdatePolicy | undefined]> = [
    ["config updates.default", config.updates.default],
    [LEGER_YAML, fromSet],
    [`config updates.sets.${name}`, config.updates.sets[name]],
  ];
  const merged: UpdatePolicy = {};
  const from: string[] = [];
  for (const [where, layer] of layers) {
    if (!layer || Object.keys(layer).length === 0) continue;
    Object.assign(merged, layer);
    from.push(where);
  }
  const follow = merged.follow ?? "branch";
  let window: CalendarWindow | undefined;
  if (merged.window) {
    try {
      window = parseWindow(merged.window);
    } catch (error) {
      throw new LegerError(`Cannot use the update window of ${name}: ${(error as Error).message}`, {
        hint: 'Write it in systemd calendar syntax, e.g. "Sun *-*-* 03:00..05:00" (see systemd.time(7)).',
      });
    }
  }
  // What only the host owner may allow: from config.yaml's layers, never the set's own .leger.yaml.
  const host = { ...config.updates.default, ...(config.updates.sets[name] ?? {}) };
  return {
    policy: merged.policy ?? "off",
    acceptRisks: host["accept-risks"] === true,
    allowInsecureTransport: host["allow-insecure-transport"] === true,
    follow: follow === "branch" ? "branch" : "tag",
    ...(follow.startsWith("tag:") ? { tagPattern: follow.slice(4) } : {}),
    intervalMs: parseDuration(merged.interval ?? config.updates.interval, "updates.interval"),
    ...(window ? { window } : {}),
    from,
  };
}

/** The policy of an installed set, read from leger's copy of its `.leger.yaml`. */
export async function policyOf(paths: ScopePaths, config: Config, name: string): Promise<EffectivePolicy> {
  const files = await loadSetFiles(paths, name);
  const yaml = files.find((f) => f.name === LEGER_YAML);
  let fromSet: UpdatePolicy | undefined;
  if (yaml) {
    // The YAML reader loads only for a set that has a .leger.yaml.
    const { parseLegerYaml } = await import("../meta/leger_yaml.ts");
    const parsed = parseLegerYaml(new TextDecoder().decode(yaml.bytes));
    if (parsed.ok) fromSet = parsed.value.updates;
  }
  return resolvePolicy(name, config, fromSet);
}
