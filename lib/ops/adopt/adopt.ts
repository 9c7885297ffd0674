/**
 * `leger adopt`: quadlets a host already runs become a set without
 * stopping anything. The files stay byte for byte where they are (the
 * backends read a set's paths from its manifest, whichever layout they are
 * in); leger writes its copy of them and a manifest with source "adopted",
 * and from then on every operation treats the set as any other. No daemon
 * reload, no unit started, stopped or restarted: systemd sees no change.
 * The next install, update or restore of the set moves its files into
 * leger's layout, as it would for a set installed by an older podman.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { ExitCode, LegerError, NotFoundError, UsageError } from "../../core/errors.ts";
import { sha256 } from "../../core/fs.ts";
import type { CollectedFile } from "../../source/collect.ts";
import { type JournalEntry, markStep } from "../../state/journal.ts";
import { type FileRecord, listManifests, type Manifest, readManifest, writeManifest } from "../../state/manifest.ts";
import { deleteSetFiles, saveSetFiles } from "../../state/store.ts";
import { unitNameOf } from "../../quadlet/kinds.ts";
import type { Guard } from "../guard.ts";
import { buildManifest } from "../install/manifest_build.ts";
import { checkSetName } from "../set_lookup.ts";
import { findUnowned, type UnownedGroup } from "./discover.ts";

/** Options of {@linkcode adopt}. */
export interface AdoptOptions {
  /** Show the groups that would become sets; change nothing. */
  dryRun?: boolean;
}

/** One set made (or, with dryRun, that would be made) by {@linkcode adopt}. */
export interface AdoptedSet {
  name: string;
  grouping: UnownedGroup["grouping"];
  dir: string;
  files: FileRecord[];
  units: string[];
}

/** What {@linkcode adopt} did. */
export interface AdoptResult {
  dryRun: boolean;
  sets: AdoptedSet[];
}

/** The unowned groups of this host (the scope's quadlet folder). */
export async function unownedGroups(engine: Engine, manifests?: Manifest[]): Promise<UnownedGroup[]> {
  return await findUnowned({
    quadletDir: engine.paths.quadletDir,
    caps: await engine.podman(),
    manifests: manifests ?? await listManifests(engine.paths),
  });
}

/** The set that already owns what `selector` names, if any. */
function ownerOf(selector: string, manifests: Manifest[]): { set: Manifest; what: string } | undefined {
  for (const m of manifests) {
    if (m.name === selector) return { set: m, what: `a set named ${selector}` };
    const file = m.files.find((f) => f.name === selector || f.path === selector);
    if (file) return { set: m, what: file.name };
    if (m.units.includes(selector)) return { set: m, what: selector };
  }
  return undefined;
}

/** True when `selector` names the group: its name, one of its files (name or path), or one of its units. */
function names(group: UnownedGroup, selector: string): boolean {
  return group.name === selector || group.units.includes(selector) ||
    group.files.some((f) => f.name === selector || f.path === selector) ||
    group.files.some((f) => f.kind === "quadlet" && unitNameOf(f.name) === selector);
}

/** The groups the selectors name; refuses what a set owns and what names nothing. */
function select(selectors: string[], groups: UnownedGroup[], manifests: Manifest[], scope: string): UnownedGroup[] {
  if (selectors.length === 0) {
    throw new UsageError(
      "Cannot adopt: name what to adopt",
      "leger list --all shows the quadlets no set owns, grouped; adopt a group by its name or one of its unit files.",
    );
  }
  const out: UnownedGroup[] = [];
  for (const s of selectors) {
    const group = groups.find((g) => names(g, s));
    const owner = ownerOf(s, manifests);
    if (owner && (!group || group.name === owner.set.name)) {
      const how = owner.set.source.kind === "adopted" ? "adopted" : `installed from ${owner.set.source.input}`;
      throw new LegerError(
        `Cannot adopt ${s}: ${owner.what === s ? s : owner.what} already belongs to the set ${owner.set.name} (${how})`,
        {
          exitCode: ExitCode.usage,
          hint: owner.set.source.kind === "adopted"
            ? `It is adopted already: leger status ${owner.set.name} shows it.`
            : `leger status ${owner.set.name} shows the set; leger list --all shows what no set owns.`,
        },
      );
    }
    if (!group) {
      throw new NotFoundError(
        `Cannot adopt ${s}: no quadlet that no set owns is named so (${scope} scope)`,
        groups.length
          ? `Unowned: ${groups.map((g) => g.name).join(", ")} (leger list --all shows them with their files).`
          : "Every quadlet of this scope belongs to a set already (see leger list; --scope system for root's).",
      );
    }
    if (!out.includes(group)) out.push(group);
  }
  for (const g of out) {
    checkSetName(g.name);
    const clash = manifests.find((m) => m.name === g.name);
    if (clash) {
      throw new LegerError(`Cannot adopt ${g.name}: a set named ${g.name} is installed already`, {
        exitCode: ExitCode.usage,
        hint: `Remove or rename one of them first: leger status ${g.name} shows the installed set.`,
      });
    }
  }
  return out;
}

/** Reads every file of the groups; a file gone since they were found stops everything before anything is written. */
async function readGroups(groups: UnownedGroup[]): Promise<Map<string, CollectedFile[]>> {
  const out = new Map<string, CollectedFile[]>();
  for (const g of groups) {
    const files: CollectedFile[] = [];
    for (const f of g.files) {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(f.path);
      } catch (error) {
        throw new LegerError(
          `Cannot adopt ${g.name}: ${f.path} could not be read (${(error as Error).message}); nothing was adopted`,
          { hint: "It changed while leger was reading: check leger list --all and adopt again." },
        );
      }
      files.push({ name: f.name, bytes, text: new TextDecoder().decode(bytes) });
    }
    out.set(g.name, files);
  }
  return out;
}

async function recordsOf(group: UnownedGroup, files: CollectedFile[]): Promise<FileRecord[]> {
  return await Promise.all(group.files.map(async (f, i) => ({
    name: f.name,
    sha256: await sha256(files[i]!.bytes),
    path: f.path,
    kind: f.kind,
  })));
}

/** Writes leger's record of one group under its journal entry (the guard holds the lock). */
async function adoptGroup(
  engine: Engine,
  guard: Guard,
  group: UnownedGroup,
  files: CollectedFile[],
): Promise<AdoptedSet> {
  const records = await recordsOf(group, files);
  const manifest = await buildManifest(engine, {
    name: group.name,
    source: { kind: "adopted", input: "adopted", url: group.dir, subpath: "" },
    files,
    records,
    backend: (await engine.backend()).kind,
  });
  // Cut short, the entry stays: the next run's recovery drops a copy that has no manifest.
  await guard.journal("adopt", group.name, { dir: group.dir }, async (entry) => {
    await saveSetFiles(engine.paths, group.name, files);
    await markStep(engine.paths, entry, "copied");
    await writeManifest(engine.paths, manifest);
  }, { keepOnFailure: true });
  engine.log.info(
    `adopted ${group.name}: ${files.length} file(s), ${manifest.units.length} unit(s), nothing restarted`,
  );
  return { name: group.name, grouping: group.grouping, dir: group.dir, files: records, units: manifest.units };
}

/**
 * The sets the selectors would make, with their files: what `--dry-run`
 * shows, and the names the facade hands the wrapper (so their interrupted
 * operations are recovered first). Refuses what a set owns and what names
 * nothing.
 */
export async function planAdoption(engine: Engine, selectors: string[]): Promise<AdoptResult> {
  const groups = select(selectors, await unownedGroups(engine), await listManifests(engine.paths), engine.scope);
  const read = await readGroups(groups);
  const sets = await Promise.all(groups.map(async (g) => ({
    name: g.name,
    grouping: g.grouping,
    dir: g.dir,
    files: await recordsOf(g, read.get(g.name)!),
    units: g.units,
  })));
  return { dryRun: true, sets };
}

/** Makes sets of the unowned quadlets the selectors name (group names, unit files or units); the guard holds the lock. */
export async function adopt(engine: Engine, guard: Guard, selectors: string[]): Promise<AdoptResult> {
  // Found again under the lock: another run may have installed or adopted in between.
  const manifests = await listManifests(engine.paths);
  const groups = select(selectors, await unownedGroups(engine, manifests), manifests, engine.scope);
  // Every file of every group is read before anything is written: one gone refuses them all.
  const read = await readGroups(groups);
  const sets: AdoptedSet[] = [];
  for (const g of groups) {
    await guard.recovered(g.name);
    sets.push(await adoptGroup(engine, guard, g, read.get(g.name)!));
  }
  return { dryRun: false, sets };
}

/** Recovers an adoption cut short: done when its manifest was written, else leger's copy goes (the host was never touched). */
export async function recoverAdopt(engine: Engine, entry: JournalEntry): Promise<string> {
  if (await readManifest(engine.paths, entry.name)) return `the adoption of ${entry.name} had completed`;
  await deleteSetFiles(engine.paths, entry.name);
  return `the interrupted adoption of ${entry.name} was undone (its files on the host were never touched)`;
}
