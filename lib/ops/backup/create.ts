/**
 * Taking a backup of an installed set: its stored files, its manifest and
 * the data of every podman volume it uses, streamed into archives with a
 * sha256 each. The units that use a volume are stopped for a consistent
 * copy and started again afterwards, whatever happens (`live` skips that);
 * where every volume clones they are frozen for a reflink copy instead
 * (cow/freeze.ts; `stop` stops them for the copy).
 * A backup is written into `<id>.partial/` and renamed when complete: a
 * failed one leaves nothing behind and nothing listed.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import denoJson from "../../../deno.json" with { type: "json" };
import type { Engine } from "../../engine.ts";
import { LegerError } from "../../core/errors.ts";
import {
  atomicWrite,
  atomicWriteJson,
  ensurePrivateDir,
  exists,
  removeIfExists,
  sha256,
  syncDir,
} from "../../core/fs.ts";
import { type JournalEntry, markStep } from "../../state/journal.ts";
import type { Manifest } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";
import { type BackupInfo, backupsRoot, newBackupId, PARTIAL, toRecord } from "../../backup/info.ts";
import { planBackup, resolveHostPath } from "../../backup/plan.ts";
import { archiveSuffix, chooseCompression, streamToFile } from "../../backup/stream.ts";
import { listVolumes, probeVolumes } from "../../backup/storage/probe.ts";
import { lastArchiveSize } from "../../backup/last_size.ts";
import { watchFileSize, watching } from "../../core/progress/watch.ts";
import type { Guard } from "../guard.ts";
import { requireManifest } from "../set_lookup.ts";
import { unitArgs } from "../../host/systemd.ts";
import { systemPathProblem } from "../../backup/system_paths.ts";
import { operand } from "../../core/argv.ts";
import { dropListedSnapshots, prepareSnapshotRun, snapshotPlanned, type SnapshotRun } from "./cow/snapshot.ts";
import { copyFrozen, type FrozenCopy, RUNNING, StillFrozen, thawListed } from "./cow/freeze.ts";
import { applyRetention } from "./retention.ts";

/** Options of {@linkcode backup}. */
export interface BackupOptions {
  /** Why (default manual). */
  reason?: BackupInfo["reason"];
  /** Keep the units running (the copy may then be inconsistent). */
  live?: boolean;
  /**
   * Where volumes clone: stop the units for the reflink copy (the copy of
   * a clean shutdown) instead of freezing them (the copy of one instant).
   */
  stop?: boolean;
  /** Archive bind-mounted host paths too (else they are only listed). */
  includeBinds?: boolean;
  /** Free text kept with the backup. */
  note?: string;
  /** Apply the retention rules afterwards (default true). */
  prune?: boolean;
  /**
   * Leave volume data out: files and manifest only, nothing stopped (a
   * restore that moves the data aside instead: lib/ops/backup/cow/aside.ts).
   */
  skipVolumes?: boolean;
}

/** leger's version, as written into each backup. */
export const LEGER_VERSION: string = denoJson.version;

async function freshId(dir: string): Promise<string> {
  let at = Date.now();
  while (true) {
    const id = newBackupId(new Date(at));
    try {
      await Deno.stat(join(dir, id));
      at += 1;
    } catch {
      return id;
    }
  }
}

async function dropPartials(dir: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.endsWith(PARTIAL)) await removeIfExists(join(dir, e.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Bytes of every file under `dir`. */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) total += await treeSize(p);
    else if (e.isFile) total += (await Deno.stat(p)).size;
  }
  return total;
}

/** Starts again the units a backup stopped; says which would not start, and returns them. */
async function restart(engine: Engine, units: string[]): Promise<Array<{ unit: string; error: string }>> {
  const failed: Array<{ unit: string; error: string }> = [];
  if (units.length === 0) return failed;
  engine.log.step(`Starting ${units.join(", ")} again`);
  for (const unit of units) {
    const error = await engine.systemd.tryStart(unit);
    if (error !== undefined) {
      engine.log.error(`${unit} did not start again after the backup: ${error}`);
      failed.push({ unit, error });
    }
  }
  return failed;
}

/**
 * Stops the active units among `units` (last first). They are added to
 * `stopped` (in start order) before the first stop, so the caller starts
 * every one of them again even when a stop fails.
 */
async function stopActive(
  engine: Engine,
  name: string,
  units: string[],
  entry: JournalEntry,
  stopped: string[],
): Promise<void> {
  const active = (await engine.systemd.states(units)).filter((s) => RUNNING.has(s.active)).map((s) => s.unit);
  if (active.length === 0) return;
  stopped.push(...active);
  await markStep(engine.paths, entry, "stopping", { stopped: active });
  engine.log.step(`Stopping ${active.join(", ")} for a consistent copy`);
  for (const unit of [...active].reverse()) {
    const r = await engine.systemd.systemctl(unitArgs("stop", [unit]));
    if (r.code !== 0) {
      throw new LegerError(
        `Cannot back up ${name}: ${unit} did not stop: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`,
        {
          hint: "See leger logs for the unit; or back up with --live to copy while it runs.",
        },
      );
    }
  }
}

async function writeBackup(
  engine: Engine,
  manifest: Manifest,
  options: BackupOptions,
  partial: string,
  id: string,
  entry: JournalEntry,
  stopped: string[],
): Promise<BackupInfo> {
  const name = manifest.name;
  const files = await loadSetFiles(engine.paths, name);
  const plan = planBackup(manifest, files);
  const compression = await chooseCompression(engine);
  await ensurePrivateDir(join(partial, "files"));
  const fileRecords: BackupInfo["files"] = [];
  for (const f of files) {
    await atomicWrite(join(partial, "files", f.name), f.bytes, { mode: 0o600 });
    fileRecords.push({ name: f.name, sha256: await sha256(f.bytes) });
  }
  const manifestText = JSON.stringify(manifest, null, 2) + "\n";
  await atomicWrite(join(partial, "manifest.json"), manifestText, { mode: 0o600 });

  const rows = plan.volumes.length && !options.skipVolumes ? await listVolumes(engine.$) : [];
  const existing = new Set(rows.map((r) => r.name));
  const toCopy = options.skipVolumes ? [] : plan.volumes.filter((v) => {
    if (existing.has(v.name)) return true;
    engine.log.warn(`${name}: volume ${v.name} does not exist (its units never ran?); nothing to back up for it`);
    return false;
  });
  for (const b of plan.binds) {
    if (!options.includeBinds) {
      engine.log.warn(`${name}: bind mount ${b} is not backed up (pass --include-binds to archive it)`);
    }
  }
  // Where every volume clones and no bind mount is archived, the units stop only for the copies.
  const archivesBinds = options.includeBinds === true && plan.binds.length > 0;
  const volumes: BackupInfo["volumes"] = [];
  const restarted: Array<{ unit: string; error: string }> = [];
  let snap: SnapshotRun | undefined;
  let frozen: FrozenCopy | undefined;
  let stoppedForCopy: string[] = []; // stopped only for the copy (started again before the archives)
  try {
    // The copies' volumes are made, and the copier started, before the units stop; the units start again before the
    // first archive begins. On 2 cores, a stop beside podman making volumes and a start beside podman's export and zstd
    // took twice as long as a plain restart (bench, decision 72): the outage is stop + copy + start, nothing beside.
    if (!options.live && !archivesBinds && toCopy.length) {
      const data = await probeVolumes(engine.$, rows.filter((r) => toCopy.some((v) => v.name === r.name)));
      if (await snapshotPlanned(engine, data, entry)) snap = await prepareSnapshotRun(engine, data, rows);
    }
    if (!options.live && !options.skipVolumes) {
      // Frozen for the copy (decision 79); stopped when the copy failed while frozen, or they could not be frozen.
      const s = snap;
      frozen = s && !options.stop ? await copyFrozen(engine, name, plan.consumers, entry, () => s.copy()) : undefined;
      if (!frozen?.copied) await stopActive(engine, name, plan.consumers, entry, stopped);
      if (snap && !frozen && (await snap.copy())) {
        stoppedForCopy = stopped.splice(0);
        restarted.push(...await restart(engine, stoppedForCopy));
        await markStep(engine.paths, entry, "archiving", { stopped: [] });
      }
    } else if (options.live && plan.consumers.length) {
      engine.log.warn(
        `${name}: backing up while ${plan.consumers.join(", ")} run (--live); the copy may be inconsistent`,
      );
    }

    if (toCopy.length) await ensurePrivateDir(join(partial, "volumes"));
    for (const v of toCopy) {
      const archive = `volumes/${v.name}${archiveSuffix(compression)}`;
      engine.log.step(`Backing up volume ${v.name}`);
      const path = join(partial, archive);
      const w = await watching(
        engine.log,
        `back up volume ${v.name}`,
        await lastArchiveSize(dirname(partial), v.name),
        (on) => watchFileSize(path, on),
        () =>
          streamToFile(
            engine.$,
            ["podman", "volume", "export", "--", operand(snap?.exportName(v.name) ?? v.name, "volume name")],
            compression,
            path,
            `back up volume ${v.name} of ${name}`,
          ),
      );
      volumes.push({
        name: v.name,
        archive,
        sha256: w.sha256,
        sizeBytes: w.sizeBytes,
        compression,
        ...(v.unitFile ? { unitFile: v.unitFile } : {}),
      });
    }
  } finally {
    await snap?.drop();
  }
  const binds: BackupInfo["binds"] = [];
  const unitPath = manifest.files.find((f) => f.kind === "quadlet" && f.path)?.path;
  const where = {
    quadletDir: engine.paths.quadletDir,
    setName: name,
    backend: manifest.backend,
    ...(unitPath ? { unitDir: dirname(unitPath) } : {}),
    ...(engine.env.HOME ? { home: engine.env.HOME } : {}),
  };
  for (const [i, source] of plan.binds.entries()) {
    const hostPath = resolveHostPath(source, where);
    if (!options.includeBinds || hostPath === undefined) {
      if (options.includeBinds) engine.log.warn(`${name}: cannot tell where bind mount ${source} is; skipped`);
      binds.push({ hostPath: hostPath ?? source, archived: false });
      continue;
    }
    const system = systemPathProblem(hostPath, {
      paths: engine.paths,
      ...(engine.env.HOME ? { home: engine.env.HOME } : {}),
    });
    if (system) {
      engine.log.warn(`${name}: bind mount ${hostPath} is not backed up: ${system} (restore would never write there)`);
      binds.push({ hostPath, archived: false });
      continue;
    }
    const archive = `binds/${i}${archiveSuffix(compression)}`;
    await ensurePrivateDir(join(partial, "binds"));
    engine.log.step(`Backing up bind mount ${hostPath}`);
    if (!(await exists(hostPath))) {
      engine.log.warn(`${name}: bind mount ${hostPath} does not exist; skipped`);
      binds.push({ hostPath, archived: false });
      continue;
    }
    // Archived relative to its parent, so a file and a folder restore the same way; the name after `--`.
    const tar = ["tar", "-C", dirname(hostPath), "-cf", "-", "--", basename(hostPath)];
    const w = await streamToFile(
      engine.$,
      tar,
      compression,
      join(partial, archive),
      `back up bind mount ${hostPath} of ${name}`,
    );
    binds.push({ hostPath, archived: true, archive, sha256: w.sha256, compression });
  }
  const info: BackupInfo = {
    id,
    name,
    reason: options.reason ?? "manual",
    ...(options.note ? { note: options.note } : {}),
    createdAt: new Date().toISOString(),
    legerVersion: LEGER_VERSION,
    ...(manifest.version ? { setVersion: manifest.version } : {}),
    ...(manifest.source.commit ? { commit: manifest.source.commit } : {}),
    dir: "",
    sizeBytes: 0,
    stopped: [...stoppedForCopy, ...stopped],
    ...(frozen?.units.length ? { frozen: frozen.units } : {}),
    live: options.live === true,
    ...(restarted.length ? { notRestarted: restarted } : {}),
    manifestSha256: await sha256(manifestText),
    volumes,
    binds,
    files: fileRecords,
  };
  info.sizeBytes = await treeSize(partial);
  await atomicWriteJson(join(partial, "backup.json"), toRecord(info), { mode: 0o600 });
  return info;
}

/**
 * Backs up an installed set (the caller holds the scope lock: see
 * guard.ts). Applies the retention rules afterwards.
 *
 * @example
 * ```ts
 * const info = await createLeger(engine).backup("web", { reason: "manual" });
 * console.log(info.id, info.volumes.map((v) => v.sha256));
 * ```
 */
export async function backup(
  engine: Engine,
  guard: Guard,
  name: string,
  options: BackupOptions = {},
): Promise<BackupInfo> {
  const manifest = await requireManifest(engine, name);
  const setDir = join(backupsRoot(engine), name);
  await ensurePrivateDir(setDir);
  await dropPartials(setDir);
  const id = await freshId(setDir);
  const partial = join(setDir, id + PARTIAL);
  const finalDir = join(setDir, id);
  engine.log.step(`Backing up ${name} (${id})`);
  const stopped: string[] = [];
  let notRestarted: Array<{ unit: string; error: string }> = [];
  const info = await guard.journal("backup", name, { partial, stopped: [] }, async (entry) => {
    try {
      const written = await writeBackup(engine, manifest, options, partial, id, entry, stopped);
      await Deno.rename(partial, finalDir);
      await syncDir(setDir);
      written.dir = finalDir;
      return written;
    } catch (error) {
      engine.log.error(`the backup of ${name} failed; nothing was kept`);
      throw error;
    } finally {
      await removeIfExists(partial).catch((e) =>
        engine.log.error(`could not remove ${partial}: ${(e as Error).message}`)
      );
      notRestarted = await restart(engine, stopped);
    }
  }, { keepOnFailure: (error) => error instanceof StillFrozen }); // the next run thaws them (recoverBackup)
  if (notRestarted.length) info.notRestarted = notRestarted;
  const mib = (info.sizeBytes / 1048576).toFixed(1);
  engine.log.info(`backed up ${name} as ${id}: ${info.volumes.length} volume(s), ${mib} MiB`);
  if (options.prune !== false) await applyRetention(engine, { name, protect: [id] });
  return info;
}

/**
 * Recovers a backup cut short: the units it froze are thawed (first: a frozen unit refuses a stop or start), its
 * partial folder and temporary copies go, and the units it stopped run again.
 */
export async function recoverBackup(engine: Engine, entry: JournalEntry): Promise<string> {
  const thawed = await thawListed(engine, entry);
  await dropListedSnapshots(engine, entry);
  const partial = typeof entry.data.partial === "string" ? entry.data.partial : undefined;
  if (partial?.endsWith(PARTIAL)) await removeIfExists(partial);
  const stopped = Array.isArray(entry.data.stopped) ? (entry.data.stopped as string[]) : [];
  await restart(engine, stopped);
  return `the unfinished backup of ${entry.name} was removed${thawed.length ? `, ${thawed.join(", ")} thawed` : ""}${
    stopped.length ? ` and ${stopped.join(", ")} started again` : ""
  }`;
}
