/**
 * The host owner's override of a set's update policy (`updates.sets.<name>`
 * in config.yaml), read and changed by `leger policy`. The file is the
 * host owner's: it is edited as a YAML document (comments, order and the
 * other keys stay as written), checked whole against the config schema
 * before it is written, written atomically (temporary file, fsync, rename)
 * and only while holding the scope lock, so two runs never lose each
 * other's edit.
 *
 * @module
 */
import { isMap, parseDocument } from "yaml";
import { type Config, ConfigFile } from "../config.ts";
import type { Engine } from "../engine.ts";
import { ExitCode, LegerError, UsageError } from "../core/errors.ts";
import { atomicWrite, exists, readTextIfExists } from "../core/fs.ts";
import { withLock } from "../core/lock.ts";
import type { HostUpdatePolicy } from "../meta/set_meta.ts";
import { listManifests, manifestPath } from "../state/manifest.ts";
import { loadYamlWith } from "../core/schema/yaml_file.ts";
import { type EffectivePolicy, policyOf, resolvePolicy } from "./policy.ts";

/** The parts of a policy a host can override. */
export const POLICY_KEYS = [
  "policy",
  "follow",
  "interval",
  "window",
  "accept-risks",
  "allow-insecure-transport",
] as const;
/** The parts that are yes/no (written to config.yaml as booleans). */
const BOOLEAN_KEYS: readonly PolicyKey[] = ["accept-risks", "allow-insecure-transport"];
/** One part of a policy. */
export type PolicyKey = (typeof POLICY_KEYS)[number];

const SET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A set's policy as `leger policy` shows it. */
export interface PolicyRow {
  name: string;
  /** Whether the set is installed in this scope. */
  installed: boolean;
  /** The host's override (`updates.sets.<name>` in config.yaml); {} when there is none. */
  override: HostUpdatePolicy;
  /** The policy that applies, all layers merged. */
  policy: EffectivePolicy["policy"];
  follow: string;
  intervalMs: number;
  window?: string;
  /** The layers it was merged from, lowest first. */
  from: string[];
}

/** What `leger policy set`/`reset` did. */
export interface PolicyChange extends PolicyRow {
  /** True when config.yaml changed (or, with dryRun, would change). */
  changed: boolean;
  /** The override before. */
  before: HostUpdatePolicy;
  /** The config file edited. */
  file: string;
}

/** Changes to a set's override: a value sets the part, null removes it (the lower layers apply again). */
export type PolicyEdit = Partial<Record<PolicyKey, string | null>>;

function row(name: string, installed: boolean, config: Config, p: EffectivePolicy): PolicyRow {
  return {
    name,
    installed,
    override: { ...(config.updates.sets[name] ?? {}) },
    policy: p.policy,
    follow: p.follow === "tag" ? `tag:${p.tagPattern}` : "branch",
    intervalMs: p.intervalMs,
    ...(p.window ? { window: p.window.text } : {}),
    from: p.from,
  };
}

/** The effective policy of a set under `config` (installed: with its own .leger.yaml). */
async function effective(engine: Engine, config: Config, name: string): Promise<PolicyRow> {
  const installed = await exists(manifestPath(engine.paths, name));
  const p = installed ? await policyOf(engine.paths, config, name) : resolvePolicy(name, config, undefined);
  return row(name, installed, config, p);
}

/**
 * The policy of every installed set and of every set the config names
 * (or of one set: exit code 5 when it is neither installed nor named).
 */
export async function showPolicies(engine: Engine, name?: string): Promise<PolicyRow[]> {
  const config = engine.config;
  const names = new Set([
    ...(await listManifests(engine.paths)).map((m) => m.name),
    ...Object.keys(config.updates.sets),
  ]);
  if (name !== undefined) {
    if (!names.has(name)) {
      throw new LegerError(`No set named ${name} is installed, and config.yaml has no policy for it`, {
        exitCode: ExitCode.notFound,
        hint: "leger list shows the installed sets; leger policy set NAME --policy ... sets one ahead of an install.",
      });
    }
    return [await effective(engine, config, name)];
  }
  const rows: PolicyRow[] = [];
  for (const n of [...names].sort()) rows.push(await effective(engine, config, n));
  return rows;
}

/** Checks the values of an edit before anything is read or written (exit code 2). */
function checkEdit(edit: PolicyEdit): void {
  const { policy, follow, interval } = edit;
  if (policy != null && !["off", "notify", "apply"].includes(policy)) {
    throw new UsageError(`--policy must be off, notify or apply, not "${policy}"`);
  }
  if (follow != null && !/^(branch|tag:.+)$/.test(follow)) {
    throw new UsageError(`--follow must be "branch" or "tag:PATTERN" (e.g. tag:v1.*), not "${follow}"`);
  }
  if (interval != null && !/^\d+(\.\d+)?(ms|s|m|h|d)?$/.test(interval)) {
    throw new UsageError(`--interval must be a duration such as 15m or 1h, not "${interval}"`);
  }
  for (const key of BOOLEAN_KEYS) {
    const v = edit[key];
    if (v != null && v !== "true" && v !== "false") throw new UsageError(`--${key} must be true or false, not "${v}"`);
  }
}

/**
 * Sets or removes parts of a set's override in config.yaml (a reset
 * removes them all). With `dryRun`, reports what would change and writes
 * nothing. Refuses (and writes nothing) when the result would not be a
 * valid config or the set's policy would not resolve (a bad window).
 */
export async function editPolicy(
  engine: Engine,
  name: string,
  edit: PolicyEdit | "reset",
  options: { dryRun?: boolean } = {},
): Promise<PolicyChange> {
  if (!SET_NAME.test(name)) throw new UsageError(`"${name}" is not a set name (letters, digits, _ . -)`);
  if (edit !== "reset") checkEdit(edit);
  const file = engine.paths.configFile;
  const work = async (): Promise<PolicyChange> => {
    const text = (await readTextIfExists(file)) ?? "";
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      throw new LegerError(`Cannot edit ${file}: it is not valid YAML (${doc.errors[0]!.message.split("\n")[0]})`, {
        exitCode: ExitCode.config,
        hint: `Fix ${file} by hand first.`,
      });
    }
    if (doc.contents !== null && !isMap(doc.contents)) {
      throw new LegerError(`Cannot edit ${file}: its top level is not a map of keys`, {
        exitCode: ExitCode.config,
        hint: `Fix ${file} by hand first.`,
      });
    }
    const before = loadYamlWith(text || "{}", file, ConfigFile) as Config;
    const path = ["updates", "sets", name];
    if (edit === "reset") {
      doc.deleteIn(path);
    } else {
      for (const key of POLICY_KEYS) {
        const value = edit[key];
        if (value === undefined) continue;
        if (value === null) doc.deleteIn([...path, key]);
        else doc.setIn([...path, key], BOOLEAN_KEYS.includes(key) ? value === "true" : value);
      }
      const left = doc.getIn(path);
      if (isMap(left) && left.items.length === 0) doc.deleteIn(path);
    }
    const sets = doc.getIn(["updates", "sets"]);
    if (isMap(sets) && sets.items.length === 0) doc.deleteIn(["updates", "sets"]);
    const updates = doc.getIn(["updates"]);
    if (isMap(updates) && updates.items.length === 0) doc.deleteIn(["updates"]);
    const newText = doc.contents === null || (isMap(doc.contents) && doc.contents.items.length === 0)
      ? ""
      : doc.toString();
    let after: Config;
    try {
      after = loadYamlWith(newText || "{}", file, ConfigFile) as Config;
    } catch (error) {
      throw new LegerError(`Cannot set the policy of ${name}: ${(error as Error).message}`, {
        exitCode: ExitCode.usage,
        hint: "Check the values given (leger policy set --help).",
      });
    }
    let result: PolicyRow;
    try {
      result = await effective(engine, after, name);
    } catch (error) {
      if (!(error instanceof LegerError) || edit === "reset" || edit.window == null) throw error;
      throw new LegerError(error.message, { exitCode: ExitCode.usage, ...(error.hint ? { hint: error.hint } : {}) });
    }
    const was = before.updates.sets[name] ?? {};
    const changed = JSON.stringify(was) !== JSON.stringify(after.updates.sets[name] ?? {});
    if (changed && !options.dryRun) {
      const mode = (await Deno.stat(file).catch(() => undefined))?.mode;
      await atomicWrite(file, newText, { mode: mode !== undefined && mode !== null ? mode & 0o7777 : 0o644 });
      engine.config.updates = after.updates;
    }
    return { ...result, changed, before: { ...was }, file };
  };
  return options.dryRun ? await work() : await withLock(engine.paths.lockFile, work);
}
