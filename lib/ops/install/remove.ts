/**
 * Removing a set: stop its units, remove its files, reload systemd, and
 * forget it. Volumes stay unless asked; secrets the set declared go unless
 * another set uses them.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { removeVolumes } from "../../host/podman.ts";
import { run } from "../../host/shell.ts";
import { credentialsDir, removeCredential } from "../../source/credentials.ts";
import { type JournalEntry, markStep } from "../../state/journal.ts";
import { deleteManifest, listManifests, type Manifest, parseManifest } from "../../state/manifest.ts";
import { deleteSetFiles } from "../../state/store.ts";
import { deleteUpdateRecord } from "../../state/update_record.ts";
import { backendOfManifest } from "./place.ts";
import type { Guard } from "../guard.ts";

/** Options of {@linkcode remove}. */
export interface RemoveOptions {
  /** Also delete the set's podman volumes (their data is lost). */
  purgeVolumes?: boolean;
  /** Show what would happen; change nothing. */
  dryRun?: boolean;
}

/** What a removal did. */
export interface RemoveResult {
  name: string;
  stopped: string[];
  removedFiles: string[];
  removedVolumes: string[];
  keptVolumes: string[];
  removedSecrets: string[];
  dryRun: boolean;
}

import { requireManifest } from "../set_lookup.ts";
import { operand } from "../../core/argv.ts";

async function finishRemoval(
  engine: Engine,
  manifest: Manifest,
  options: RemoveOptions,
  entry: JournalEntry,
): Promise<RemoveResult> {
  const backend = await backendOfManifest(engine, manifest);
  await engine.systemd.stop(manifest.units).catch((e) => engine.log.warn((e as Error).message));
  await markStep(engine.paths, entry, "stopped");
  const volumes = manifest.volumes.map((v) => v.name);
  // The units are stopped and their containers gone: podman removes the volumes while the files go and systemd
  // reloads (about 0.14 s less on the test host). Both settle before anything is reported; a recovery repeats both.
  const purging = options.purgeVolumes ? removeVolumes(engine.$, volumes) : Promise.resolve<string[]>([]);
  const unitsGone = (async () => {
    await backend.remove(manifest.name, manifest.files);
    await engine.systemd.daemonReload();
    await engine.systemd.resetFailed(manifest.units);
  })();
  const [files, purged] = await Promise.allSettled([unitsGone, purging]);
  if (files.status === "rejected") throw files.reason;
  await markStep(engine.paths, entry, "files-removed");
  if (purged.status === "rejected") throw purged.reason;
  const removedVolumes = purged.value;
  const others = (await listManifests(engine.paths)).filter((m) => m.name !== manifest.name);
  const inUse = new Set(others.flatMap((m) => m.secrets.map((s) => s.podmanSecret)));
  const removedSecrets: string[] = [];
  for (const s of manifest.secrets) {
    if (inUse.has(s.podmanSecret)) continue;
    const r = await run(engine.$, ["podman", "secret", "rm", "--", operand(s.podmanSecret, "podman secret name")]);
    if (r.code === 0) removedSecrets.push(s.podmanSecret);
  }
  await deleteSetFiles(engine.paths, manifest.name);
  await deleteManifest(engine.paths, manifest.name);
  await deleteUpdateRecord(engine.paths, manifest.name);
  if (manifest.source.kind === "git" && !others.some((m) => m.source.url === manifest.source.url)) {
    await removeCredential(credentialsDir(engine.paths.stateDir), manifest.source.url);
  }
  return {
    name: manifest.name,
    stopped: manifest.units,
    removedFiles: manifest.files.filter((f) => f.path).map((f) => f.path),
    removedVolumes,
    keptVolumes: volumes.filter((v) => !removedVolumes.includes(v)),
    removedSecrets,
    dryRun: false,
  };
}

/** Removes an installed set (the caller holds the scope lock: see guard.ts). */
export async function remove(
  engine: Engine,
  guard: Guard,
  name: string,
  options: RemoveOptions = {},
): Promise<RemoveResult> {
  const manifest = await requireManifest(engine, name);
  if (options.dryRun) {
    return {
      name,
      stopped: manifest.units,
      removedFiles: manifest.files.filter((f) => f.path).map((f) => f.path),
      removedVolumes: options.purgeVolumes ? manifest.volumes.map((v) => v.name) : [],
      keptVolumes: options.purgeVolumes ? [] : manifest.volumes.map((v) => v.name),
      removedSecrets: [],
      dryRun: true,
    };
  }
  engine.log.step(`Removing ${name}`);
  // A removal cut short stays in the journal: the next run completes it.
  return await guard.journal(
    "remove",
    name,
    { manifest, purgeVolumes: options.purgeVolumes ?? false },
    (entry) => finishRemoval(engine, manifest, options, entry),
    { keepOnFailure: true },
  );
}

/** Recovers a removal cut short by completing it: the user asked for the set to go. */
export async function recoverRemove(engine: Engine, entry: JournalEntry): Promise<string> {
  const manifest = parseManifest(JSON.stringify(entry.data.manifest), "journal entry");
  await finishRemoval(engine, manifest, { purgeVolumes: entry.data.purgeVolumes === true }, entry);
  return `the removal of ${entry.name} was completed`;
}
