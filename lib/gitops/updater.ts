/**
 * Unattended updates: what the daemon does each poll for every set whose
 * policy is not `off`. It asks each repository once (`git ls-remote`),
 * fetches only when a followed ref moved, stages through the same code as
 * `leger stage`, and under the `apply` policy (inside the window, if one
 * is set) applies through the same code as `leger apply`: backup first,
 * health gate, whole-set rollback. A commit that was rolled back is
 * remembered and never applied again automatically; the next newer one is.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { ExitCode, LegerError } from "../core/errors.ts";
import type { UnattendedOps } from "../leger_api.ts";
import { parseSource } from "../source/spec.ts";
import type { Manifest } from "../state/manifest.ts";
import { loadSetFiles } from "../state/store.ts";
import { setUnits } from "../quadlet/units.ts";
import { lastValue } from "../quadlet/parse.ts";
import type { EffectivePolicy } from "../policy/policy.ts";
import { readSetPolicies, type SetPolicy } from "./sets.ts";
import { readUpdateRecord, type UpdateRecord, writeUpdateRecord } from "../state/update_record.ts";
import { newestTag } from "./tags.ts";
import { heldMessage } from "./risk_gate.ts";
import { refusePlainTransport } from "../source/transport.ts";
import { trustDigest, UnverifiedError } from "../trust/gate.ts";
import { refusalOf } from "./refusal.ts";

/** What happened to a set in one cycle, as events and hooks see it. */
export interface UpdateEvent {
  /** `installed`, `unassigned` and `removed` come from the fleet repository (`what: "assignment"`). */
  kind:
    | "staged"
    | "applied"
    | "rolled-back"
    | "deferred"
    | "refused"
    | "failed"
    | "installed"
    | "unassigned"
    | "removed";
  /**
   * What changed: the set's source (a commit), the images of its `AutoUpdate=` containers, or which sets
   * the fleet repository's leger-hosts.yaml assigns to this host.
   */
  what?: "source" | "images" | "assignment";
  /** The set. */
  set: string;
  policy: EffectivePolicy["policy"];
  from: { commit?: string; version?: string; ref?: string };
  to: { commit?: string; version?: string; ref?: string };
  /** One line, for the journal and notifications. */
  message: string;
  /** leger's error message (rolled-back, failed). */
  error?: string;
  /** Units that did not come up, with their journal lines (rolled-back). */
  failed?: Array<{ unit: string; state: string; journal: string }>;
}

/** Options of {@linkcode updateCycle}. */
export interface CycleOptions {
  /** The clock (tests). */
  now?: () => Date;
  /** A random source in [0, 1) for the ±10% jitter (tests); by default {@linkcode dueAt}'s. */
  random?: () => number;
  /** Check these sets now, whatever their interval says (`leger update --now`). */
  force?: string[];
  /** Told of each event (journal lines, hooks). */
  onEvent?: (event: UpdateEvent) => Promise<void> | void;
  /** The caller asked the remotes afresh already this cycle (the fleet sync did): keep what they said. */
  keepRemoteAnswers?: boolean;
  /** The sets and policies already read this tick (read here when left out). */
  sets?: SetPolicy[];
  /** Told when each followed set is next due (ms since the epoch, {@linkcode dueAt}), from the record as left. */
  onDue?: (at: number) => void;
}

/** One set's outcome in a cycle. */
export interface CycleResult {
  name: string;
  result: NonNullable<UpdateRecord["lastResult"]> | "not-due" | "off";
  commit?: string;
}

/**
 * When a set is next due (ms since the epoch; 0 when never checked): its
 * interval after the last check, ±10%. The jitter comes from the set's name
 * and the time of its last check, so hosts that started together drift
 * apart, and the daemon knows in advance when to look again.
 */
export function dueAt(record: UpdateRecord, policy: EffectivePolicy): number {
  if (!record.lastCheck) return 0;
  let h = 0x811c9dc5; // FNV-1a over name and time
  for (const c of `${record.name}@${record.lastCheck}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return Date.parse(record.lastCheck) + policy.intervalMs * (0.9 + ((h >>> 0) / 2 ** 32) * 0.2);
}

function due(record: UpdateRecord, policy: EffectivePolicy, now: Date, random?: () => number): boolean {
  if (!record.lastCheck) return true;
  if (!random) return now.getTime() >= dueAt(record, policy);
  const jitter = 1 + (random() * 0.2 - 0.1);
  return now.getTime() - Date.parse(record.lastCheck) >= policy.intervalMs * jitter;
}

/** The ref and commit the policy points at on the remote. */
async function target(
  engine: Engine,
  manifest: Manifest,
  policy: EffectivePolicy,
): Promise<{ ref: string; commit: string }> {
  const spec = parseSource(manifest.source.input, engine.forges);
  let ref = manifest.source.ref ?? "";
  if (policy.follow === "tag") {
    const tag = newestTag(policy.tagPattern ?? "*", await engine.fetcher.remoteTags(spec));
    if (!tag) throw new LegerError(`no tag of ${manifest.source.url} matches ${policy.tagPattern}`);
    ref = tag;
  }
  const commit = await engine.fetcher.remoteCommit(spec, ref);
  if (!commit) {
    throw new LegerError(`${manifest.source.url} does not advertise ${ref || "HEAD"} (a commit id cannot be followed)`);
  }
  return { ref, commit };
}

async function checkOne(
  engine: Engine,
  ops: UnattendedOps,
  manifest: Manifest,
  policy: EffectivePolicy,
  record: UpdateRecord,
  now: Date,
  emit: (e: UpdateEvent) => Promise<void>,
): Promise<CycleResult> {
  const name = manifest.name;
  const from = {
    ...(manifest.source.commit ? { commit: manifest.source.commit } : {}),
    ...(manifest.version ? { version: manifest.version } : {}),
    ...(manifest.source.ref !== undefined ? { ref: manifest.source.ref } : {}),
  };
  record.lastCheck = now.toISOString();
  delete record.lastError;
  refusePlainTransport(
    parseSource(manifest.source.input, engine.forges),
    policy.allowInsecureTransport,
    `update ${name}`,
    `updates.sets.${name}.allow-insecure-transport`,
  );
  const { ref, commit } = await target(engine, manifest, policy);
  if (commit === manifest.source.commit) {
    delete record.staged;
    record.lastResult = "up-to-date";
    return { name, result: "up-to-date", commit };
  }
  if (record.bad.some((b) => b.commit === commit)) {
    record.lastResult = "known-bad";
    engine.log.debug(`${name}: ${commit.slice(0, 12)} was rolled back before; waiting for a newer commit`);
    return { name, result: "known-bad", commit };
  }
  const to = { commit, ref };
  // A commit the trust rule refused is not fetched again while the rule and its keys stay the same.
  const spec = parseSource(manifest.source.input, engine.forges);
  const subject = { kind: "set" as const, name, ...(spec.kind === "git" ? { url: spec.url } : {}) };
  const digest = await trustDigest(engine, subject);
  if (record.refused.some((r) => r.commit === commit && r.digest === digest)) {
    record.lastResult = "refused";
    engine.log.debug(`${name}: ${commit.slice(0, 12)} was refused before (its signature); waiting for another commit`);
    return { name, result: "refused", commit };
  }
  const alreadyStaged = record.staged?.commit === commit;
  let staged;
  try {
    [staged] = await ops.stage(name, ref === manifest.source.ref ? {} : { ref });
  } catch (error) {
    if (!(error instanceof UnverifiedError)) throw error;
    // Nothing was staged: the running version stays. Reported once (journal warning, on-failure.ts).
    const { entry, message } = refusalOf(name, error, { commit, ref, at: now.toISOString(), digest });
    record.refused = [...record.refused.filter((x) => x.commit !== commit), entry].slice(-10);
    delete record.staged;
    record.lastResult = "refused";
    const event = { kind: "refused", set: name, policy: policy.policy, from, to, message } as const;
    await emit({ ...event, error: error.message });
    return { name, result: "refused", commit };
  }
  if (!staged?.changed) {
    // A new commit with the same files: nothing to apply.
    delete record.staged;
    record.lastResult = "up-to-date";
    return { name, result: "up-to-date", commit };
  }
  const toVersion = { ...to, ...(staged.to.version ? { version: staged.to.version } : {}) };
  record.staged = { commit, ref, at: now.toISOString() };
  const risks = await ops.stagedRisks(name);
  if (risks.length && policy.policy === "apply" && !policy.acceptRisks) {
    // A version that grants more of the host waits for a person, whatever the window says.
    record.lastResult = "staged";
    const message = heldMessage(name, commit, risks);
    if (!alreadyStaged) await emit({ kind: "staged", set: name, policy: policy.policy, from, to: toVersion, message });
    return { name, result: "staged", commit };
  }
  if (risks.length && policy.policy === "apply") {
    engine.log.warn(`${name}: applying new risks (accept-risks): ${risks.join("; ")}`);
  }
  if (policy.policy === "notify" || (policy.window && !policy.window.contains(now))) {
    const deferred = policy.policy === "apply";
    record.lastResult = deferred ? "deferred" : "staged";
    if (!alreadyStaged) {
      await emit({
        kind: deferred ? "deferred" : "staged",
        set: name,
        policy: policy.policy,
        from,
        to: toVersion,
        message: deferred
          ? `${name}: ${commit.slice(0, 12)} staged; it will be applied in the window ${policy.window!.text}`
          : `${name}: ${commit.slice(0, 12)} staged (policy notify: apply it with leger apply ${name})${
            risks.length ? `; it adds risks: ${risks.join("; ")}` : ""
          }`,
      });
    }
    return { name, result: record.lastResult, commit };
  }
  try {
    await ops.apply(name);
    delete record.staged;
    record.lastResult = "applied";
    record.lastApply = { ...(from.commit ? { from: from.commit } : {}), to: commit, at: now.toISOString() };
    await emit({
      kind: "applied",
      set: name,
      policy: policy.policy,
      from,
      to: toVersion,
      message: `${name}: updated ${from.commit?.slice(0, 12) ?? "-"} -> ${commit.slice(0, 12)}; all units healthy`,
    });
    return { name, result: "applied", commit };
  } catch (error) {
    if (!(error instanceof LegerError) || error.exitCode !== ExitCode.rolledBack) throw error;
    const failed = (error.details?.failed as UpdateEvent["failed"]) ?? [];
    const reason = error.message.split("\n")[0]!;
    record.bad.push({ commit, ref, at: now.toISOString(), reason, failed });
    delete record.staged;
    record.lastResult = "rolled-back";
    await emit({
      kind: "rolled-back",
      set: name,
      policy: policy.policy,
      from,
      to: toVersion,
      message: `${name}: ${commit.slice(0, 12)} did not come up and was rolled back; it will not be applied again`,
      error: error.message,
      failed,
    });
    return { name, result: "rolled-back", commit };
  }
}

/**
 * One pass over every installed set: check what is due, stage and apply
 * per policy. Never throws for one set's failure: it is recorded, emitted
 * as a `failed` event, and the other sets go on.
 */
export async function updateCycle(
  engine: Engine,
  ops: UnattendedOps,
  options: CycleOptions = {},
): Promise<CycleResult[]> {
  const now = (options.now ?? (() => new Date()))();
  const random = options.random;
  const force = new Set(options.force ?? []);
  const emit = async (e: UpdateEvent) => {
    if (e.kind === "rolled-back" || e.kind === "failed") engine.log.error(e.message);
    else if (e.kind === "deferred") engine.log.info(e.message);
    else engine.log.warn(e.message); // notable: a person may want to know
    await options.onEvent?.(e);
  };
  if (!options.keepRemoteAnswers) engine.fetcher.forget(); // one ls-remote per repository in this cycle
  const out: CycleResult[] = [];
  for (const { manifest, policy, error } of options.sets ?? await readSetPolicies(engine)) {
    const name = manifest.name;
    const record = await readUpdateRecord(engine.paths, name);
    if (!policy) {
      record.lastResult = "failed";
      record.lastError = error ?? "cannot read the update policy";
      await writeUpdateRecord(engine.paths, record);
      out.push({ name, result: "failed" });
      continue;
    }
    if (policy.policy === "off" || manifest.source.kind !== "git") {
      out.push({ name, result: "off" });
      continue;
    }
    if (!force.has(name) && !due(record, policy, now, random)) {
      out.push({ name, result: "not-due" });
      options.onDue?.(dueAt(record, policy));
      continue;
    }
    try {
      const result = await checkOne(engine, ops, manifest, policy, record, now, emit);
      if (
        result.result === "up-to-date" && policy.policy !== "notify" && (!policy.window || policy.window.contains(now))
      ) {
        await checkImages(engine, ops, manifest, policy, record, now, emit);
      }
      out.push(result);
    } catch (error) {
      const message = (error as Error).message;
      record.lastResult = "failed";
      record.lastError = message;
      await emit({
        kind: "failed",
        set: name,
        policy: policy.policy,
        from: { ...(manifest.source.commit ? { commit: manifest.source.commit } : {}) },
        to: {},
        message: `${name}: update check failed: ${message.split("\n")[0]}`,
        error: message,
      });
      out.push({ name, result: "failed" });
    }
    await writeUpdateRecord(engine.paths, record);
    options.onDue?.(dueAt(record, policy));
  }
  return out;
}

/** Image updates (`AutoUpdate=`) of a set whose source is up to date: see lib/ops/update/images.ts. */
async function checkImages(
  engine: Engine,
  ops: UnattendedOps,
  manifest: Manifest,
  policy: EffectivePolicy,
  record: UpdateRecord,
  now: Date,
  emit: (e: UpdateEvent) => Promise<void>,
): Promise<void> {
  const files = await loadSetFiles(engine.paths, manifest.name);
  // The unit model merges drop-ins and expands templates, as podman reads the files.
  const autoUpdates = setUnits(files).units.some((u) =>
    u.kind === "container" && ["registry", "local"].includes(lastValue(u.unit, "Container", "AutoUpdate")?.trim() ?? "")
  );
  if (!autoUpdates) return;
  const pending = await ops.pendingImages(manifest.units);
  if (pending.length === 0) return;
  const r = await ops.updateImages(manifest, pending, record.badImages ?? []);
  const at = { ...(manifest.source.commit ? { commit: manifest.source.commit } : {}) };
  const list = Object.entries(r.images).map(([image, id]) => `${image}@${id.slice(0, 12)}`).join(", ");
  if (r.outcome === "applied") {
    record.lastImageUpdate = { at: now.toISOString(), images: r.images };
    await emit({
      kind: "applied",
      what: "images",
      set: manifest.name,
      policy: policy.policy,
      from: at,
      to: at,
      message: `${manifest.name}: new image ${list} running on ${r.units.join(", ")}; all units healthy`,
    });
  } else if (r.outcome === "rolled-back") {
    record.badImages = [...new Set([...(record.badImages ?? []), ...Object.values(r.images)])];
    await emit({
      kind: "rolled-back",
      what: "images",
      set: manifest.name,
      policy: policy.policy,
      from: at,
      to: at,
      message:
        `${manifest.name}: new image ${list} did not come up; the set was rolled back and the image will not be tried again`,
      ...(r.error ? { error: r.error } : {}),
      ...(r.failed ? { failed: r.failed } : {}),
    });
  }
}
