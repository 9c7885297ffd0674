/**
 * Putting a verified backup in place (restore, its rollback and its
 * recovery): stop the units, reinstall the files, recreate each volume
 * empty through its `.volume` unit (so its options and labels are the
 * unit's) and import its archive, extract archived binds, record the
 * manifest; and starting the units through the health gate. A volume's
 * import shows its progress: how far the decompressor has read the archive.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { Engine } from "../../engine.ts";
import { ensureDir } from "../../core/fs.ts";
import { operand } from "../../core/argv.ts";
import { watchChildRead, watching } from "../../core/progress/watch.ts";
import { podman, removeVolumes, volumeNames } from "../../host/podman.ts";
import { unitArgs } from "../../host/systemd.ts";
import { parseUnit } from "../../quadlet/parse.ts";
import { unitNameOf } from "../../quadlet/kinds.ts";
import { unitFilesOf } from "../../quadlet/units.ts";
import { type Manifest, readManifest, writeManifest } from "../../state/manifest.ts";
import { saveSetFiles } from "../../state/store.ts";
import { streamFromFile } from "../../backup/stream.ts";
import { importChecked, UnsafeArchiveError } from "../../backup/import/checked.ts";
import { LegerError } from "../../core/errors.ts";
import { placeSet } from "../install/place.ts";
import { type HealthResult, settleMsOf, startUnits } from "../health.ts";
import type { TrustedBackup } from "./trust.ts";

/** Stops units, last first; a unit that does not stop is a warning. */
export async function stopAll(engine: Engine, units: string[]): Promise<void> {
  for (const unit of [...new Set(units)].reverse()) {
    const r = await engine.systemd.systemctl(unitArgs("stop", [unit]));
    if (r.code !== 0) engine.log.warn(`${unit} did not stop: ${(r.stderr || r.stdout).trim()}`);
  }
}

/** Recreates a volume empty: through its `.volume` unit when it has one, else `podman volume create`. */
export async function recreateVolume(
  engine: Engine,
  v: { name: string; unitFile?: string },
  unitTexts: Map<string, string>,
  options: { removed?: boolean } = {},
): Promise<void> {
  // `--force` passes over a volume that does not exist: no listing first (a podman process, 0.1 s).
  if (!options.removed) {
    await podman(engine.$, ["volume", "rm", "--force", "--", v.name], `remove volume ${v.name} before restoring it`);
  }
  const text = v.unitFile ? unitTexts.get(v.unitFile) : undefined;
  if (v.unitFile && text !== undefined) {
    const unit = unitNameOf(v.unitFile, parseUnit(text, v.unitFile));
    await engine.systemd.resetFailed([unit]);
    const err = await engine.systemd.tryStart(unit);
    // The unit's start is `podman volume create` itself: when it succeeded, the volume is there.
    if (err === undefined) return;
    engine.log.debug(`${unit} did not create ${v.name} (${err}); creating it directly`);
  }
  if (!(await volumeNames(engine.$)).includes(v.name)) {
    await podman(engine.$, ["volume", "create", "--", v.name], `create volume ${v.name}`);
  }
}

/** Options of {@linkcode putBack}. */
export interface PutBackOptions {
  /**
   * The backup's contents are checked meanwhile (a restore that moved the
   * current data aside: lib/ops/backup/cow/aside.ts): each volume is
   * imported through the member check (lib/backup/import/checked.ts), and
   * this promise (checksums, bind archives) is awaited before the first
   * bind is extracted and before putBack returns.
   */
  checkedOnTheWay?: Promise<void>;
  /** The caller stopped every unit already. */
  stopped?: boolean;
}

/**
 * Puts a verified backup in place: stops `stopUnits` and the backup's
 * units, reinstalls the files, recreates and fills every volume, extracts
 * archived binds, and records the manifest. Starts nothing.
 */
export async function putBack(
  engine: Engine,
  trusted: TrustedBackup,
  stopUnits: string[],
  options: PutBackOptions = {},
): Promise<Manifest> {
  const { info, files, manifest: target } = trusted;
  const name = info.name;
  const current = await readManifest(engine.paths, name);
  if (!options.stopped) await stopAll(engine, [...stopUnits, ...(current?.units ?? []), ...target.units]);
  engine.log.step(`Putting back the files of ${name}`);
  // The volumes go while the files go in and systemd reloads (the units are stopped: nothing uses them).
  const removed = removeVolumes(engine.$, info.volumes.map((v) => v.name));
  let placed: Awaited<ReturnType<typeof placeSet>>;
  try {
    placed = await placeSet(engine, name, files, current);
    await engine.systemd.daemonReload();
  } finally {
    await removed.catch(() => {}); // no podman left running behind a failure; its own error is thrown below
  }
  await removed;
  const { records, backend } = placed;
  const texts = new Map(unitFilesOf(files).map((f) => [f.name, f.text]));
  for (const v of info.volumes) {
    engine.log.step(`Restoring volume ${v.name}`);
    const t0 = performance.now();
    await recreateVolume(engine, v, texts, { removed: true });
    const t1 = performance.now();
    const archive = join(info.dir, v.archive);
    const importer = (from: string) => ["podman", "volume", "import", "--", operand(v.name, "volume name"), from];
    const what = `restore volume ${v.name} of ${name}`;
    await watching(
      engine.log,
      `restore volume ${v.name}`,
      { total: v.sizeBytes },
      (on) => watchChildRead(archive, on),
      () =>
        options.checkedOnTheWay
          ? importChecked(engine.$, archive, v.compression, {}, importer, what).catch((e) => {
            if (!(e instanceof UnsafeArchiveError)) throw e;
            throw new LegerError(`the backup is not safe to restore: ${v.archive} (volume ${v.name}): ${e.message}`, {
              hint: `Pick another backup (leger backups ${name}).`,
            });
          })
          : streamFromFile(engine.$, archive, v.compression, importer, what),
    );
    engine.log.debug(
      `volume ${v.name}: made again in ${Math.round(t1 - t0)} ms, imported in ${Math.round(performance.now() - t1)} ms`,
    );
  }
  // The checksums and the bind archives, checked meanwhile: none is extracted unchecked.
  if (options.checkedOnTheWay) {
    const t = performance.now();
    await options.checkedOnTheWay;
    engine.log.debug(`the checksums were confirmed ${Math.round(performance.now() - t)} ms after the imports ended`);
  }
  for (const b of info.binds) {
    if (!b.archived || !b.archive) continue;
    engine.log.step(`Restoring bind mount ${b.hostPath} (merged into what is there)`);
    await ensureDir(dirname(b.hostPath));
    await streamFromFile(
      engine.$,
      join(info.dir, b.archive),
      b.compression ?? "none",
      // Owners by number (a name in the archive must not pick the owner); setuid, setgid, capabilities, devices
      // and links out were refused by the archive check (lib/backup/tar_check.ts).
      (from) => ["tar", "-C", dirname(b.hostPath), "--numeric-owner", "-xpf", from],
      `restore bind mount ${b.hostPath}`,
    );
  }
  await saveSetFiles(engine.paths, name, files);
  const now = new Date().toISOString();
  const manifest: Manifest = { ...target, scope: engine.scope, backend, files: records, updatedAt: now };
  await writeManifest(engine.paths, manifest);
  return manifest;
}

/** Starts units (after reset-failed) and holds them to the health gate. */
export async function startAndCheck(engine: Engine, units: string[], timeoutMs: number): Promise<HealthResult> {
  if (units.length === 0) return { ok: true, states: [], failed: [] };
  engine.log.step(`Starting ${units.join(", ")}`);
  await engine.systemd.resetFailed(units);
  // The same settle time as every other health gate (health-settle): a slow service a user gave more time to come up
  // needs it after a restore too.
  return await startUnits(engine, units, { timeoutMs, settleMs: Math.min(settleMsOf(engine), timeoutMs) });
}
