/**
 * `leger apply`: put a staged version in place safely. Under the lock and
 * a journal entry: back up, install the staged files, restart only what
 * changed, check health; on failure put the previous version (files and
 * volume data) back and say what failed.
 *
 * @module
 */
import { parseDuration } from "../../core/duration.ts";
import type { Engine } from "../../engine.ts";
import { ExitCode, LegerError, NotFoundError } from "../../core/errors.ts";
import { sha256 } from "../../core/fs.ts";
import type { CollectedFile } from "../../source/collect.ts";
import { type JournalEntry, markStep } from "../../state/journal.ts";
import { type FileRecord, type Manifest, readManifest, writeManifest } from "../../state/manifest.ts";
import { loadSetFiles, saveSetFiles } from "../../state/store.ts";
import { backup } from "../backup/create.ts";
import { restore } from "../backup/restore.ts";
import { ensureSetSecrets } from "../../secrets/ensure.ts";
import { checkSet, refuseOnErrors } from "../check/check.ts";
import { describeFailures, gateOptions, type HealthResult, type UnitFailure, waitHealthy } from "../health.ts";
import { type UnitImpact, unitImpact } from "./impact.ts";
import { buildManifest } from "../install/manifest_build.ts";
import { drift } from "../query/query.ts";
import { eachSet } from "../each_set.ts";
import type { Guard } from "../guard.ts";
import { backendForSet, expectedRecords, installedNames, placeSet } from "../install/place.ts";
import { requireManifest } from "../set_lookup.ts";
import { clearStaged, filesDigest, readStaged, staged } from "./stage.ts";
import { boundedList } from "../../core/bounded_list.ts";
import { unitArgs } from "../../host/systemd.ts";
import { parseSource } from "../../source/spec.ts";
import { recheckTrust } from "../../trust/gate.ts";
import { pullMissing } from "./pull/pull.ts";

/** Options of {@linkcode apply}. */
export interface ApplyOptions {
  /** Skip the automatic backup (files are still rolled back from leger's copy). */
  noBackup?: boolean;
  /** How long the units may take to come up (ms). */
  healthTimeoutMs?: number;
  /** Apply over hand edits of the installed files (they are lost; does not accept warnings). */
  overwriteEdits?: boolean;
  /** Go ahead despite validation warnings (never errors; does not overwrite hand edits). */
  acceptWarnings?: boolean;
  /** Show the plan; change nothing. */
  dryRun?: boolean;
  /** Called with each set's plan before anything changes (the update workflow confirms here). */
  confirm?: (name: string, impact: UnitImpact) => Promise<boolean>;
  /** Apply a staged version the trust rule (config.yaml `trust:`) refuses now; it is recorded as not verified. */
  allowUnsigned?: boolean;
}

/** What applying one set did. */
export interface ApplyResult {
  name: string;
  outcome: "applied" | "rolled-back" | "skipped" | "planned";
  from: { commit?: string; version?: string };
  to: { commit?: string; version?: string };
  backupId?: string;
  impact: UnitImpact;
  failed?: UnitFailure[];
}

async function restartEach(engine: Engine, units: string[], verb: "restart" | "start"): Promise<UnitFailure[]> {
  const failed: UnitFailure[] = [];
  for (const unit of units) {
    const r = await engine.systemd.systemctl(unitArgs(verb, [unit]));
    if (r.code !== 0) {
      failed.push({ unit, state: (r.stderr || r.stdout).trim(), journal: await engine.systemd.journal([unit], 15) });
    }
  }
  return failed;
}

/**
 * Puts the previous version back: its files, its manifest and (from the
 * backup) its volume data; restarts what the new version changed.
 */
async function rollback(
  engine: Engine,
  guard: Guard,
  name: string,
  previous: Manifest,
  before: CollectedFile[],
  after: CollectedFile[],
  records: FileRecord[] | undefined,
  backupId: string | undefined,
  timeoutMs: number,
): Promise<HealthResult> {
  const back = unitImpact(after, before);
  await engine.systemd.stop(back.stop).catch(() => {});
  // Without records the install was cut short: any staged file may be in place.
  const kind = (await backendForSet(engine, installedNames(after))).kind;
  await placeSet(engine, name, before, {
    backend: kind,
    files: records ?? await expectedRecords(engine, name, kind, after, previous.files),
  });
  await engine.systemd.daemonReload();
  await engine.systemd.resetFailed(previous.units);
  if (backupId && previous.volumes.length) {
    // Volume data may have been changed by the new version: the backup's copy goes back too.
    const r = await restore(engine, guard, name, backupId, { skipPreBackup: true, healthTimeoutMs: timeoutMs });
    // restore records the backup's manifest as new; the previous one (what a staged copy was staged against) is the truth.
    await saveSetFiles(engine.paths, name, before);
    await writeManifest(engine.paths, previous);
    return r.health.ok ? await waitHealthy(engine, previous.units, gateOptions(engine, before, timeoutMs)) : r.health;
  }
  await restartEach(engine, back.restart, "restart");
  await restartEach(engine, previous.units, "start");
  return await waitHealthy(engine, previous.units, gateOptions(engine, before, timeoutMs));
}

/** The installed set and its staged version; exit 5 when the set is not installed or nothing is staged. */
async function requireStaged(engine: Engine, name: string) {
  const manifest = await requireManifest(engine, name);
  const st = await readStaged(engine, name);
  if (!st) throw new NotFoundError(`Cannot apply ${name}: nothing is staged for it`, `Run leger stage ${name} first.`);
  return { manifest, st };
}

/**
 * What leger's own state says before the host is asked anything: false when
 * `all` has nothing staged (nothing to do); exit 5 when NAME is not installed
 * or has nothing staged. A host that is not ready must not hide either answer.
 */
export async function anythingToApply(engine: Engine, nameOrAll: string): Promise<boolean> {
  if (nameOrAll === "all") return (await staged(engine)).length > 0;
  await requireStaged(engine, nameOrAll);
  return true;
}

async function applyOne(engine: Engine, guard: Guard, name: string, options: ApplyOptions): Promise<ApplyResult> {
  const { manifest, st } = await requireStaged(engine, name);
  const from = {
    ...(manifest.source.commit ? { commit: manifest.source.commit } : {}),
    ...(manifest.version ? { version: manifest.version } : {}),
  };
  const to = {
    ...(st.record.source.commit ? { commit: st.record.source.commit } : {}),
    ...(st.record.version ? { version: st.record.version } : {}),
  };
  if (
    (await filesDigest(manifest.files)) !== st.record.base.filesDigest ||
    manifest.updatedAt !== st.record.base.updatedAt
  ) {
    throw new LegerError(
      `Cannot apply ${name}: the installed version changed since it was staged (${st.record.stagedAt})`,
      {
        hint: `Stage it again: leger stage ${name}`,
      },
    );
  }
  const edits = await drift(manifest);
  if (edits.length && !options.overwriteEdits) {
    throw new LegerError(
      `Cannot apply ${name}: installed files were changed by hand: ${
        boundedList(edits.map((e) => `${e.name} (${e.change})`))
      }`,
      {
        hint:
          "Put the edits into the set's source, or pass --overwrite-edits to overwrite them (leger diff shows them).",
      },
    );
  }
  // The rule in force now: config.yaml may have changed since the version was staged.
  const spec = st.record.source.kind === "git" ? parseSource(st.record.source.input, engine.forges) : undefined;
  const trust = await recheckTrust(
    engine,
    { kind: "set", name, ...(spec?.kind === "git" ? { url: spec.url } : {}) },
    st.record.trust,
    st.record.source.commit,
    { action: `apply ${name}`, ...(options.allowUnsigned ? { allowUnsigned: true } : {}) },
  );
  refuseOnErrors(await checkSet(engine, name, st.files), `apply ${name}`, options.acceptWarnings ?? false);
  const before = await loadSetFiles(engine.paths, name);
  const impact = unitImpact(before, st.files);
  if (options.dryRun) return { name, outcome: "planned", from, to, impact };
  if (options.confirm && !(await options.confirm(name, impact))) return { name, outcome: "skipped", from, to, impact };
  const timeoutMs = options.healthTimeoutMs ?? parseDuration(engine.config["health-timeout"], "health-timeout");
  const declared =
    (await buildManifest(engine, { name, source: st.record.source, files: st.files, records: [], backend: "files" }))
      .secrets;
  await ensureSetSecrets(engine, name, declared, { verb: "apply" });
  // The new images come in while the old version still runs: the download is not downtime, and a pull that fails
  // stops the apply before anything is stopped (lib/ops/update/pull/pull.ts).
  await pullMissing(engine, st.files, `apply ${name}`);
  const data = { timeoutMs, noBackup: options.noBackup === true };
  return await guard.journal("apply", name, data, async (entry) => {
    let backupId: string | undefined;
    let records: FileRecord[] | undefined;
    let touched = false;
    try {
      if (!options.noBackup) {
        engine.log.step(`Backing up ${name} before the update`);
        backupId = (await backup(engine, guard, name, { reason: "before-apply" })).id;
        await markStep(engine.paths, entry, "backed-up", { backupId });
      }
      engine.log.step(
        `Applying ${name}: ${from.commit?.slice(0, 12) ?? "installed"} -> ${to.commit?.slice(0, 12) ?? "staged"}`,
      );
      touched = true;
      await engine.systemd.stop(impact.stop);
      const placed = await placeSet(engine, name, st.files, manifest);
      records = placed.records;
      await markStep(engine.paths, entry, "files", { records });
      await engine.systemd.daemonReload();
      const after = await buildManifest(engine, {
        name,
        source: st.record.source,
        files: st.files,
        records,
        backend: placed.backend,
        previous: manifest,
        trust,
      });
      await engine.systemd.resetFailed(after.units);
      if (impact.restart.length) engine.log.step(`Restarting ${impact.restart.join(", ")}`);
      let failed = await restartEach(engine, impact.restart, "restart");
      failed = failed.concat(await restartEach(engine, after.units, "start"));
      const health = failed.length
        ? { ok: false, states: [], failed }
        : await waitHealthy(engine, after.units, gateOptions(engine, st.files, timeoutMs));
      if (!health.ok) {
        engine.log.error(`${name} did not come up:\n${describeFailures(health.failed)}`);
        engine.log.step(`Rolling ${name} back to ${from.commit?.slice(0, 12) ?? "the previous version"}`);
        const back = await rollback(engine, guard, name, manifest, before, st.files, records, backupId, timeoutMs);
        throw new LegerError(
          `Cannot apply ${name}: ${
            health.failed.map((f) => f.unit).join(", ")
          } did not come up; rolled back to the previous version${back.ok ? "" : " (which is not healthy either)"}\n${
            describeFailures(health.failed)
          }`,
          {
            exitCode: ExitCode.rolledBack,
            hint: `The staged version is kept: fix it in the source and stage again, or leger discard ${name}.`,
            details: { failed: health.failed, rolledBackHealthy: back.ok, backupId },
          },
        );
      }
      // The manifest is the commit point: recovery finds it naming the staged files and completes the rest.
      await writeManifest(engine.paths, after);
      await saveSetFiles(engine.paths, name, st.files);
      await markStep(engine.paths, entry, "committed");
      await clearStaged(engine, name);
      engine.log.info(`${name}: applied; ${after.units.length} unit(s) healthy`);
      return { name, outcome: "applied", from, to, impact, ...(backupId ? { backupId } : {}) };
    } catch (error) {
      if (error instanceof LegerError && error.exitCode === ExitCode.rolledBack) throw error;
      // Anything else that broke midway: put the previous version back.
      if (touched && entry.step !== "committed") {
        engine.log.warn(`apply of ${name} failed (${(error as Error).message}); putting the previous version back`);
        await rollback(engine, guard, name, manifest, before, st.files, records, backupId, timeoutMs).catch((e) =>
          engine.log.error(`rollback incomplete: ${(e as Error).message}`)
        );
      }
      throw error;
    }
  });
}

/** Applies staged sets (one, or every staged one for "all"); the caller holds the scope lock. */
export async function apply(
  engine: Engine,
  guard: Guard,
  nameOrAll: string,
  options: ApplyOptions = {},
): Promise<ApplyResult[]> {
  const names = nameOrAll === "all" ? (await staged(engine)).map((s) => s.name) : [nameOrAll];
  return await eachSet(engine, "apply", names, nameOrAll === "all", async (n) => {
    await guard.recovered(n);
    return await applyOne(engine, guard, n, options);
  });
}

/** True when the manifest names exactly these files (the apply reached its commit point). */
async function manifestIs(manifest: Manifest, files: CollectedFile[]): Promise<boolean> {
  const digest = await filesDigest(
    await Promise.all(files.map(async (f) => ({ name: f.name, sha256: await sha256(f.bytes) }))),
  );
  return (await filesDigest(manifest.files)) === digest;
}

/**
 * Recovers an apply cut short: completed when the new manifest was written
 * (the commit point), else rolled back to the installed version.
 */
export async function recoverApply(engine: Engine, entry: JournalEntry, guard: Guard): Promise<string> {
  const manifest = await readManifest(engine.paths, entry.name);
  if (!manifest) return `the apply of ${entry.name} found no installed set; nothing to do`;
  const st = await readStaged(engine, entry.name);
  const committed = entry.step === "committed" ||
    (st !== undefined && manifest.updatedAt >= entry.startedAt && await manifestIs(manifest, st.files));
  if (committed) {
    // Killed after the manifest was written: leger's copy of the files and the staged copy may be behind.
    if (st && await manifestIs(manifest, st.files)) await saveSetFiles(engine.paths, entry.name, st.files);
    await clearStaged(engine, entry.name);
    return `the apply of ${entry.name} had completed; ${
      manifest.source.commit?.slice(0, 12) ?? "the staged version"
    } is installed`;
  }
  const before = await loadSetFiles(engine.paths, entry.name);
  const records = Array.isArray(entry.data.records) ? entry.data.records as FileRecord[] : undefined;
  const backupId = typeof entry.data.backupId === "string" ? entry.data.backupId : undefined;
  const timeoutMs = typeof entry.data.timeoutMs === "number" ? entry.data.timeoutMs : 30_000;
  const health = await rollback(
    engine,
    guard,
    entry.name,
    manifest,
    before,
    st?.files ?? before,
    records,
    backupId,
    timeoutMs,
  );
  return `the interrupted apply of ${entry.name} was rolled back to ${
    manifest.source.commit?.slice(0, 12) ?? "the installed version"
  }${health.ok ? "" : " (units are not all healthy: see leger status)"}`;
}
