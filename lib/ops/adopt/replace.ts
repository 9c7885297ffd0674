/**
 * `leger install SOURCE --replace` onto an adopted set: the set gets a
 * source through the staged path, as an update would: the fetched version
 * is staged against what runs, then applied (backup, only changed units
 * restarted, health gate, rollback), never removed and installed again.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { ExitCode, LegerError } from "../../core/errors.ts";
import { readManifest } from "../../state/manifest.ts";
import type { Guard } from "../guard.ts";
import { refuseOnErrors } from "../check/check.ts";
import { type InstallOptions, type InstallResult, type PreparedSet, sourceRecordOf } from "../install/install.ts";
import { apply } from "../update/apply.ts";
import { clearStaged, keepStaged } from "../update/stage.ts";

/** True when `name` is an adopted set (so `install --replace` goes through stage and apply). */
export async function isAdopted(engine: Engine, name: string): Promise<boolean> {
  return (await readManifest(engine.paths, name))?.source.kind === "adopted";
}

/** Stages a prepared set over the adopted set of its name and applies it; the guard holds the lock. */
export async function replaceAdopted(
  engine: Engine,
  guard: Guard,
  prepared: PreparedSet,
  options: InstallOptions = {},
): Promise<InstallResult> {
  const { name } = prepared;
  refuseOnErrors(prepared.check, `install ${name}`, options.acceptWarnings ?? false);
  const previous = await readManifest(engine.paths, name);
  if (previous?.source.kind !== "adopted") {
    throw new LegerError(`Cannot replace ${name}: it is no longer an adopted set`, {
      hint: `Another leger run changed it: see leger status ${name}, then try again.`,
    });
  }
  if (options.dryRun) {
    engine.log.info(`would stage ${prepared.fetched.source.input} over the adopted ${name} and apply it`);
    return { name, manifest: previous, started: [], dryRun: true };
  }
  await keepStaged(engine, previous, sourceRecordOf(prepared), prepared.fetched.files, prepared.check, prepared.trust);
  engine.log.info(
    `${name}: staged ${prepared.fetched.source.input} over the adopted files; applying (backup, health gate, rollback)`,
  );
  const [result] = await apply(engine, guard, name, {
    ...(options.acceptWarnings ? { acceptWarnings: true } : {}),
    ...(options.healthTimeoutMs !== undefined ? { healthTimeoutMs: options.healthTimeoutMs } : {}),
  }).catch(async (error) => {
    // Refused before anything changed: the staged copy must not linger as if the user had staged it.
    await clearStaged(engine, name).catch(() => {});
    throw error;
  });
  if (result?.outcome === "rolled-back") {
    throw new LegerError(
      `Cannot replace ${name}: the new version did not come up healthy; the adopted version runs again`,
      { exitCode: ExitCode.rolledBack, hint: `leger logs ${name} shows why; fix the source and install again.` },
    );
  }
  const manifest = (await readManifest(engine.paths, name))!;
  return { name, manifest, started: options.noStart ? [] : manifest.units, dryRun: false };
}
