/**
 * The pull model run by the daemon: the host's config names a repository
 * (`fleet: { source, ref }`); each time it is due, the daemon asks that
 * repository once (`git ls-remote`, shared with the updater's cycle),
 * reads `leger-hosts.yaml` again only when the commit moved (else the copy
 * parsed last time), and installs the sets the file assigns to this host
 * that are not installed, through the same operations, checks and scope
 * lock as `leger install`. Sets of that repository that the file no
 * longer assigns here are reported once, and removed only when the
 * config says `fleet.remove: true` (docs/ARCHITECTURE.md says why).
 *
 * A set that fails to install at a commit (invalid, unhealthy, another
 * set of that name) is not tried again until the repository moves; a lock
 * held by another run or a host that is not ready is tried again at the
 * next tick. Loaded by the daemon only when `fleet:` is configured.
 *
 * @module
 */
import { posix } from "node:path";
import type { Config } from "../config.ts";
import { parseDuration } from "../core/duration.ts";
import type { Engine } from "../engine.ts";
import { ExitCode, LegerError } from "../core/errors.ts";
import type { UpdateEvent } from "../gitops/updater.ts";
import { policyOf, resolvePolicy } from "../policy/policy.ts";
import { parseSource, type SourceSpec } from "../source/spec.ts";
import type { Leger } from "../leger_api.ts";
import { listManifests, type Manifest } from "../state/manifest.ts";
import {
  type AssignedSet,
  assignedSets,
  assignedSource,
  hostIdentity,
  HOSTS_FILE,
  type HostsFile,
  parseHostsFile,
  setFolder,
} from "../source/hosts_file.ts";
import { type FleetRecord, type FleetSet, readFleetRecord, writeFleetRecord } from "../state/fleet_record.ts";
import { redactUrls } from "../core/redact.ts";
import { refusePlainTransport } from "../source/transport.ts";
import { checkTrust, trustDigest, UnverifiedError } from "../trust/gate.ts";

/** Options of {@linkcode syncFleet}. */
export interface FleetSyncOptions {
  now?: () => Date;
  /** Random source in [0, 1) for the ±10% jitter of the interval. */
  random?: () => number;
  /** Ask now whatever the interval says, and try again sets that failed at this commit. */
  force?: boolean;
  /** Told of each event (journal lines, hooks). */
  onEvent?: (event: UpdateEvent) => Promise<void> | void;
}

/** What one sync did. */
export interface FleetResult {
  result: "not-due" | "done" | "failed";
  source: string;
  commit?: string;
  assigned: FleetSet[];
  unassigned: string[];
  removed: string[];
  error?: string;
}

/** The record's key: which repository and ref the config names. */
// Kept in <state>/fleet.json: without the user info a source URL may hold (lib/core/redact.ts).
const keyOf = (fleet: NonNullable<Config["fleet"]>) => `${redactUrls(fleet.source)}#${fleet.ref ?? ""}`;

/** How often the fleet repository is asked (ms). */
export function fleetIntervalMs(config: Config): number {
  return parseDuration(config.fleet?.interval ?? config.updates.interval, "fleet.interval");
}

function isDue(record: FleetRecord, config: Config, now: Date, random: () => number): boolean {
  if (!record.lastCheck) return true;
  return now.getTime() - Date.parse(record.lastCheck) >= fleetIntervalMs(config) * (1 + (random() * 0.2 - 0.1));
}

/** True when an installed set is the one a folder of the fleet repository holds (any ref: versions are its policy's). */
function sameSet(m: Manifest, spec: SourceSpec, folder: string, path: string): boolean {
  if (spec.kind === "local") return m.source.kind === "local" && m.source.url === posix.join(spec.path, path);
  return m.source.kind === "git" && m.source.url === spec.url && m.source.subpath === folder;
}

/** True when an installed set comes from the fleet repository's folder (so the file may assign it). */
function fromFleet(m: Manifest, spec: SourceSpec, subpath: string): boolean {
  if (spec.kind === "local") return m.source.kind === "local" && m.source.url.startsWith(spec.path + "/");
  return m.source.kind === "git" && m.source.url === spec.url &&
    (subpath === "" || m.source.subpath === subpath || m.source.subpath.startsWith(subpath + "/"));
}

const transient = (e: unknown) =>
  e instanceof LegerError && (e.exitCode === ExitCode.locked || e.exitCode === ExitCode.environment);

/** A commit whose file the trust rule refused before: reported as failed, not fetched or announced again. */
class StillRefused extends LegerError {}

/** Reads the file at the commit the repository advertises now (from the record when it did not move). */
async function readAssignments(
  engine: Engine,
  spec: SourceSpec,
  fleet: NonNullable<Config["fleet"]>,
  record: FleetRecord,
): Promise<HostsFile> {
  const advertised = await engine.fetcher.remoteCommit(spec, fleet.ref);
  // Read only from a commit the trust rule accepts (trust.fleet): the file decides what runs here.
  const subject = { kind: "hosts" as const, ...(spec.kind === "git" ? { url: spec.url } : {}) };
  const digest = await trustDigest(engine, subject);
  const refused = record.refused;
  if (advertised && refused?.commit === advertised && refused.digest === digest) {
    throw new StillRefused(`${HOSTS_FILE} at ${advertised.slice(0, 12)} was refused: ${refused.problem}`);
  }
  if (advertised && advertised === record.commit && record.file && record.trustDigest === digest) return record.file;
  const top = await engine.fetcher.readFile(spec, HOSTS_FILE, fleet.ref);
  try {
    record.trust = await checkTrust(engine, subject, top.signed, { action: `read ${HOSTS_FILE} of ${fleet.source}` });
  } catch (error) {
    if (!(error instanceof UnverifiedError) || !top.commit) throw error;
    const t = error.record;
    record.refused = {
      commit: top.commit,
      at: new Date().toISOString(),
      rule: t.rule,
      problem: t.problem ?? "not verified",
      ...(t.signer ? { signer: t.signer } : {}),
      digest,
    };
    throw error;
  }
  delete record.refused;
  record.trustDigest = digest;
  if (top.text === undefined) {
    throw new LegerError(`Cannot follow the fleet repository ${fleet.source}: it has no ${HOSTS_FILE}`, {
      exitCode: ExitCode.notFound,
      hint: `Add ${HOSTS_FILE} at the top of the folder fleet.source names, or fix fleet: in config.yaml.`,
    });
  }
  const file = parseHostsFile(top.text, `${HOSTS_FILE} of ${fleet.source}`);
  if (top.commit !== record.commit) record.failed = []; // the repository moved: failed sets are tried again
  record.commit = top.commit;
  record.ref = top.ref;
  record.subpath = top.subpath;
  record.file = file;
  return file;
}

/** The operations a fleet sync runs: as `leger install` and `leger remove` do. */
export type FleetOps = Pick<Leger, "prepare" | "installPrepared" | "remove">;

/** One sync: reads the assignment when due and brings this host's sets to it. Never throws. */
export async function syncFleet(
  engine: Engine,
  leger: FleetOps,
  options: FleetSyncOptions = {},
): Promise<FleetResult> {
  const fleet = engine.config.fleet;
  if (!fleet) return { result: "not-due", source: "", assigned: [], unassigned: [], removed: [] };
  const now = (options.now ?? (() => new Date()))();
  const record = await readFleetRecord(engine.paths, keyOf(fleet));
  const base = { source: fleet.source, assigned: record.assigned, unassigned: record.unassigned, removed: [] };
  if (!options.force && !isDue(record, engine.config, now, options.random ?? Math.random)) {
    return { result: "not-due", ...base, ...(record.commit ? { commit: record.commit } : {}) };
  }
  const emit = async (e: UpdateEvent) => {
    if (e.kind === "failed") engine.log.error(e.message);
    else engine.log.warn(e.message); // a set appeared, went or is left over: a person may want to know
    await options.onEvent?.(e);
  };
  let retrySoon = false;
  const removed: string[] = [];
  try {
    const spec = parseSource(fleet.source, engine.forges);
    refusePlainTransport(
      spec,
      fleet["allow-insecure-transport"],
      "follow the fleet repository",
      "fleet.allow-insecure-transport",
    );
    const file = await readAssignments(engine, spec, fleet, record);
    const host = hostIdentity(engine.config);
    const label = `${HOSTS_FILE} of ${fleet.source}`;
    const sets = assignedSets(file, host, label);
    const at = record.commit ? ` at ${record.commit.slice(0, 12)}` : "";
    const top = { ...(record.ref !== undefined ? { ref: record.ref } : {}), subpath: record.subpath };
    const manifests = await listManifests(engine.paths);
    const assigned: FleetSet[] = [];
    for (const set of sets) {
      const folder = setFolder(record.subpath, set.path);
      const source = assignedSource(spec, top, set.path);
      const installed = manifests.find((m) => sameSet(m, spec, folder, set.path));
      const row = { path: set.path, source, because: set.because };
      if (installed) {
        assigned.push({ ...row, name: installed.name, outcome: "present" });
        continue;
      }
      const failedBefore = record.failed.find((f) => f.path === set.path && f.commit === record.commit);
      if (failedBefore && !options.force) {
        assigned.push({ ...row, outcome: "known-failed" });
        continue;
      }
      const outcome = await installOne(engine, leger, set, source, at, manifests, emit);
      if (outcome.outcome === "waiting") retrySoon = true;
      if (outcome.outcome === "failed") {
        record.failed = record.failed.filter((f) => f.path !== set.path);
        record.failed.push({
          path: set.path,
          ...(record.commit ? { commit: record.commit } : {}),
          at: now.toISOString(),
          reason: outcome.reason!,
        });
      }
      assigned.push({ ...row, ...(outcome.name ? { name: outcome.name } : {}), outcome: outcome.outcome });
    }
    // Sets of this repository the file no longer gives this host.
    const kept = new Set(assigned.map((a) => a.name).filter(Boolean));
    const gone = manifests.filter((m) => fromFleet(m, spec, record.subpath) && !kept.has(m.name));
    const unassigned: string[] = [];
    for (const m of gone) {
      if (fleet.remove && sets.length > 0) {
        try {
          await leger.remove(m.name);
          removed.push(m.name);
          await emit(event(m.name, "removed", `${m.name}: removed; ${label}${at} no longer assigns it here`));
        } catch (error) {
          if (transient(error)) retrySoon = true;
          unassigned.push(m.name);
          await emit({
            ...event(m.name, "failed", `${m.name}: cannot remove the unassigned set: ${first(error)}`),
            error: (error as Error).message,
          });
        }
        continue;
      }
      unassigned.push(m.name);
      if (!record.unassigned.includes(m.name)) {
        const why = sets.length === 0 && fleet.remove ? "it assigns nothing to this host, so nothing is removed" : "";
        await emit(
          event(
            m.name,
            "unassigned",
            `${m.name}: ${label}${at} no longer assigns it to this host; left installed (${
              why || "leger remove " + m.name + " removes it; fleet.remove: true does it unattended"
            })`,
          ),
        );
      }
    }
    record.assigned = assigned;
    record.unassigned = unassigned;
    record.lastResult = "done";
    delete record.lastError;
  } catch (error) {
    if (transient(error)) retrySoon = true;
    record.lastResult = "failed";
    if (!(error instanceof StillRefused)) {
      record.lastError = (error as Error).message;
      // A refused file is a warning (the daemon goes on with what it installed); other failures are errors.
      const kind = error instanceof UnverifiedError ? "refused" : "failed";
      await emit({
        ...event("fleet", kind, `fleet: cannot follow ${fleet.source}: ${first(error)}`),
        error: (error as Error).message,
      });
    }
  }
  // A busy lock or a host not ready is tried again at the next tick, not an interval later.
  if (!retrySoon) record.lastCheck = now.toISOString();
  await writeFleetRecord(engine.paths, record);
  return {
    result: record.lastResult === "failed" ? "failed" : "done",
    source: fleet.source,
    ...(record.commit ? { commit: record.commit } : {}),
    assigned: record.assigned,
    unassigned: record.unassigned,
    removed,
    ...(record.lastError ? { error: record.lastError } : {}),
  };
}

const first = (error: unknown) => (error as Error).message.split("\n")[0]!;

function event(set: string, kind: UpdateEvent["kind"], message: string): UpdateEvent {
  return { kind, what: "assignment", set, policy: "off", from: {}, to: {}, message };
}

/** Installs one assigned set through the operations the CLI uses; never throws. */
async function installOne(
  engine: Engine,
  leger: FleetOps,
  set: AssignedSet,
  source: string,
  at: string,
  manifests: Manifest[],
  emit: (e: UpdateEvent) => Promise<void>,
): Promise<{ outcome: "installed" | "failed" | "waiting"; name?: string; reason?: string }> {
  let name = set.name ?? set.path;
  try {
    const prepared = await leger.prepare(source, set.name ? { name: set.name } : {});
    name = prepared.name;
    const other = manifests.find((m) => m.name === name);
    if (other) {
      throw new LegerError(
        `a set named ${name} is installed here from ${other.source.input}; it is left as it is`,
        { hint: `Remove it (leger remove ${name}) or give the assigned set another name ({ path, name }).` },
      );
    }
    // An unattended install grants the set what it asks of the host: only with the host owner's word.
    const risks = prepared.check.findings.filter((f) => f.code.startsWith("risk/"));
    if (risks.length && !resolvePolicy(name, engine.config, undefined).acceptRisks) {
      throw new LegerError(
        `${name} asks for host access (${risks.map((r) => `${r.file}: ${r.message}`).join("; ")}); ` +
          "not installed unattended",
        {
          hint:
            `Install it by hand (leger install ${source}), or allow it: leger policy set ${name} --accept-risks true.`,
        },
      );
    }
    const result = await leger.installPrepared(prepared, {});
    const commit = result.manifest.source.commit;
    const policy = await policyOf(engine.paths, engine.config, name).then((p) => p.policy, () => "off" as const);
    await emit({
      kind: "installed",
      what: "assignment",
      set: name,
      policy,
      from: {},
      to: {
        ...(commit ? { commit } : {}),
        ...(result.manifest.version ? { version: result.manifest.version } : {}),
        ...(result.manifest.source.ref !== undefined ? { ref: result.manifest.source.ref } : {}),
      },
      message: `${name}: installed from ${source}${at} (assigned to this host by ${set.because.join(", ")})`,
    });
    return { outcome: "installed", name };
  } catch (error) {
    if (transient(error)) {
      engine.log.info(`${name}: will try again at the next tick: ${first(error)}`);
      return { outcome: "waiting" };
    }
    const failed = (error instanceof LegerError ? error.details?.failed : undefined) as UpdateEvent["failed"];
    const kind = error instanceof UnverifiedError ? "refused" : "failed";
    await emit({
      ...event(name, kind, `${name}: cannot install the set assigned to this host${at}: ${first(error)}`),
      error: (error as Error).message,
      ...(failed ? { failed } : {}),
    });
    return { outcome: "failed", name, reason: first(error) };
  }
}
