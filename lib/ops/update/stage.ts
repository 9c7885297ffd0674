/**
 * Staging: fetch a set's source again (or at a new ref), check it, and keep
 * it aside until `apply`. Nothing on the host changes.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import type { Engine } from "../../engine.ts";
import { LegerError, NotFoundError } from "../../core/errors.ts";
import { atomicWriteJson, readTextIfExists, removeIfExists, sha256 } from "../../core/fs.ts";
import type { CollectedFile } from "../../source/collect.ts";
import { parseSource } from "../../source/spec.ts";
import { listManifests, type Manifest, SourceRecord } from "../../state/manifest.ts";
import { loadSetFiles, readFilesFrom, writeFilesTo } from "../../state/store.ts";
import { type CheckResult, checkSet, refuseOnErrors } from "../check/check.ts";
import { eachSet } from "../each_set.ts";
import type { Guard } from "../guard.ts";
import { requireManifest } from "../set_lookup.ts";
import { checkTrust } from "../../trust/gate.ts";
import { TrustRecord } from "../../trust/record.ts";
import { addedRisks, risksOf, riskText } from "../../quadlet/risk/risks_of.ts";

/** What is kept beside a staged set's files. */
export const StagedRecord = z.object({
  name: z.string(),
  source: SourceRecord,
  /** `.leger.yaml` version of the staged files. */
  version: z.string().optional(),
  stagedAt: z.string(),
  /** The installed commit and files when staging; apply refuses if they changed. */
  base: z.object({ commit: z.string().optional(), filesDigest: z.string(), updatedAt: z.string() }),
  warnings: z.number(),
  /** The signature check of the staged commit; apply checks it still stands. */
  trust: TrustRecord.optional(),
});
/** A staged set's record. */
export type StagedRecord = z.infer<typeof StagedRecord>;

/** A staged set: its record and its files. */
export interface StagedSet {
  record: StagedRecord;
  files: CollectedFile[];
}

/** Result of staging one set. */
export interface StageResult {
  name: string;
  /** false when the source has nothing new (same commit and files). */
  changed: boolean;
  from: { commit?: string; version?: string };
  to: { commit?: string; version?: string };
  findings: CheckResult["findings"];
  /** The signature check of the new version, when one was fetched. */
  trust?: TrustRecord;
}

/** A digest of a file list (names and contents), to tell versions apart. */
export async function filesDigest(files: { name: string; sha256: string }[]): Promise<string> {
  const lines = [...files].sort((a, b) => a.name.localeCompare(b.name)).map((f) => `${f.sha256}  ${f.name}`);
  return await sha256(lines.join("\n"));
}

async function digestOf(files: CollectedFile[]): Promise<string> {
  return await filesDigest(
    await Promise.all(files.map(async (f) => ({ name: f.name, sha256: await sha256(f.bytes) }))),
  );
}

function stageDir(engine: Engine, name: string): string {
  return join(engine.paths.stagingDir, name);
}

/** Reads a staged set, or undefined when nothing is staged for it. */
export async function readStaged(engine: Engine, name: string): Promise<StagedSet | undefined> {
  const dir = stageDir(engine, name);
  const text = await readTextIfExists(join(dir, "staged.json"));
  if (text === undefined) return undefined;
  const record = StagedRecord.parse(JSON.parse(text));
  return { record, files: await readFilesFrom(join(dir, "files")) };
}

/** Names of the sets an argument means: one name, or every installed set with a source for "all" (adopted ones have none). */
export async function namesFor(engine: Engine, nameOrAll: string): Promise<string[]> {
  if (nameOrAll !== "all") return [nameOrAll];
  return (await listManifests(engine.paths)).filter((m) => m.source.kind !== "adopted").map((m) => m.name);
}

/** A new version of an installed set, fetched and checked; nothing written. */
export interface FetchedVersion {
  result: StageResult;
  fetched: Awaited<ReturnType<Engine["fetcher"]["fetch"]>>;
  check: CheckResult;
  trust: TrustRecord;
}

/**
 * "No change" answered from one `git ls-remote` per repository, with no
 * fetch: the remote still points the installed ref at the installed
 * commit. Undefined when that cannot be told (a new ref is asked for, a
 * local folder, a commit id, or the ref moved).
 */
export async function unchangedAtRemote(
  engine: Engine,
  manifest: Manifest,
  ref: string | undefined,
): Promise<StageResult | undefined> {
  if (ref !== undefined || !manifest.source.commit || manifest.source.ref === undefined) return undefined;
  const spec = parseSource(manifest.source.input, engine.forges);
  const head = await engine.fetcher.remoteCommit(spec, manifest.source.ref);
  if (head !== manifest.source.commit) return undefined;
  const at = { commit: head, ...(manifest.version ? { version: manifest.version } : {}) };
  return { name: manifest.name, changed: false, from: at, to: at, findings: [] };
}

/**
 * Fetches a set's source again (or at `ref`), checks its signature under
 * the set's trust rule (refusing, unless `allowUnsigned`) and checks it;
 * changes nothing.
 */
export async function fetchVersion(
  engine: Engine,
  manifest: Manifest,
  ref: string | undefined,
  verb = "Staging",
  allowUnsigned = false,
): Promise<FetchedVersion> {
  if (manifest.source.kind === "adopted") {
    throw new LegerError(`Cannot stage ${manifest.name}: it was adopted from this host and has no source to fetch`, {
      hint:
        `Give it one: leger export ${manifest.name} DIR, put DIR in Git, then leger install SOURCE --name ${manifest.name} --replace (staged: backup, health gate, rollback).`,
    });
  }
  const spec = parseSource(manifest.source.input, engine.forges);
  engine.log.step(`${verb} ${manifest.name} from ${manifest.source.input}${ref ? ` at ${ref}` : ""}`);
  // The ref the set was installed from (already resolved for tree URLs), unless a new one is asked for.
  const fetched = await engine.fetcher.fetch(spec, ref ?? manifest.source.ref);
  const trust = await checkTrust(
    engine,
    { kind: "set", name: manifest.name, ...(spec.kind === "git" ? { url: spec.url } : {}) },
    fetched.signed,
    {
      action: `${verb === "Staging" ? "stage" : "update"} ${manifest.name}`,
      ...(allowUnsigned ? { allowUnsigned } : {}),
    },
  );
  const installedFiles = await loadSetFiles(engine.paths, manifest.name);
  const newDigest = await digestOf(fetched.files);
  const oldDigest = await digestOf(installedFiles);
  const check = await checkSet(engine, manifest.name, fetched.files);
  // What the new version asks of the host that the installed one did not: called out (leger diff shows it too).
  for (const r of addedRisks(risksOf(installedFiles), risksOf(fetched.files))) {
    engine.log.warn(`${manifest.name}: the new version adds a risk: ${riskText(r)}`);
  }
  const result: StageResult = {
    name: manifest.name,
    changed: newDigest !== oldDigest,
    from: {
      ...(manifest.source.commit ? { commit: manifest.source.commit } : {}),
      ...(manifest.version ? { version: manifest.version } : {}),
    },
    to: {
      ...(fetched.source.commit ? { commit: fetched.source.commit } : {}),
      ...(check.legerYaml?.version ? { version: check.legerYaml.version } : {}),
    },
    findings: check.findings,
    trust,
  };
  return { result, fetched, check, trust };
}

async function stageOne(
  engine: Engine,
  manifest: Manifest,
  ref: string | undefined,
  acceptWarnings: boolean,
  allowUnsigned: boolean,
): Promise<StageResult> {
  const quiet = await unchangedAtRemote(engine, manifest, ref);
  if (quiet) {
    engine.log.info(`${manifest.name}: no change (${quiet.to.commit!.slice(0, 12)})`);
    await removeIfExists(stageDir(engine, manifest.name));
    return quiet;
  }
  const { result, fetched, check, trust } = await fetchVersion(engine, manifest, ref, "Staging", allowUnsigned);
  if (!result.changed) {
    engine.log.info(`${manifest.name}: no change (${fetched.source.commit?.slice(0, 12) ?? "same files"})`);
    await removeIfExists(stageDir(engine, manifest.name));
    return result;
  }
  refuseOnErrors(check, `stage ${manifest.name}`, acceptWarnings);
  await keepStaged(
    engine,
    manifest,
    {
      ...manifest.source,
      ...(fetched.source.ref !== undefined ? { ref: fetched.source.ref } : {}),
      ...(fetched.source.commit ? { commit: fetched.source.commit } : {}),
      subpath: fetched.source.subpath,
    },
    fetched.files,
    check,
    trust,
  );
  engine.log.info(
    `${manifest.name}: staged ${result.from.commit?.slice(0, 12) ?? "installed"} -> ${
      result.to.commit?.slice(0, 12) ?? "new files"
    }`,
  );
  return result;
}

/**
 * Keeps `files` from `source` aside as the staged version of the installed
 * set `manifest` (caller holds the lock; the files are checked).
 */
export async function keepStaged(
  engine: Engine,
  manifest: Manifest,
  source: StagedRecord["source"],
  files: CollectedFile[],
  check: CheckResult,
  trust: TrustRecord | undefined,
): Promise<void> {
  const dir = stageDir(engine, manifest.name);
  await writeFilesTo(join(dir, "files"), files);
  const record: StagedRecord = {
    name: manifest.name,
    source,
    ...(check.legerYaml?.version ? { version: check.legerYaml.version } : {}),
    stagedAt: new Date().toISOString(),
    base: {
      ...(manifest.source.commit ? { commit: manifest.source.commit } : {}),
      filesDigest: await filesDigest(manifest.files),
      updatedAt: manifest.updatedAt,
    },
    warnings: check.warnings,
    ...(trust ? { trust } : {}),
  };
  await atomicWriteJson(join(dir, "staged.json"), record);
}

/** Options of {@linkcode stage}. */
export interface StageOptions {
  /** Stage this branch, tag or commit instead of the installed one. */
  ref?: string;
  /** Stage despite validation warnings (never errors). */
  acceptWarnings?: boolean;
  /** Stage a commit the trust rule (config.yaml `trust:`) refuses; apply then needs it too. */
  allowUnsigned?: boolean;
}

/** Stages one set or all; each repository and ref is fetched once per run (the caller holds the scope lock). */
export async function stage(
  engine: Engine,
  guard: Guard,
  nameOrAll: string,
  options: StageOptions = {},
): Promise<StageResult[]> {
  const names = await namesFor(engine, nameOrAll);
  engine.fetcher.forget(); // fetch afresh, but each repository and ref only once in this run
  return await eachSet(
    engine,
    "stage",
    names,
    nameOrAll === "all",
    async (name) => {
      await guard.recovered(name);
      return await stageOne(
        engine,
        await requireManifest(engine, name),
        options.ref,
        options.acceptWarnings ?? false,
        options.allowUnsigned ?? false,
      );
    },
  );
}

/** One row of `leger staged`. */
export interface StagedRow {
  name: string;
  from: { commit?: string; version?: string };
  to: { commit?: string; version?: string };
  stagedAt: string;
}

/** What is staged. */
export async function staged(engine: Engine): Promise<StagedRow[]> {
  const out: StagedRow[] = [];
  for (const m of await listManifests(engine.paths)) {
    const s = await readStaged(engine, m.name);
    if (!s) continue;
    out.push({
      name: m.name,
      from: { ...(m.source.commit ? { commit: m.source.commit } : {}), ...(m.version ? { version: m.version } : {}) },
      to: {
        ...(s.record.source.commit ? { commit: s.record.source.commit } : {}),
        ...(s.record.version ? { version: s.record.version } : {}),
      },
      stagedAt: s.record.stagedAt,
    });
  }
  return out;
}

/** Drops staged copies; returns the names that had one (the caller holds the scope lock). */
export async function discard(engine: Engine, nameOrAll: string): Promise<string[]> {
  const names = nameOrAll === "all" ? (await staged(engine)).map((s) => s.name) : [nameOrAll];
  const dropped: string[] = [];
  for (const name of names) {
    if (!(await readStaged(engine, name))) {
      if (nameOrAll !== "all") {
        throw new NotFoundError(
          `Cannot discard ${name}: nothing is staged for it`,
          "leger staged lists what is staged.",
        );
      }
      continue;
    }
    await removeIfExists(stageDir(engine, name));
    dropped.push(name);
  }
  return dropped;
}

/** Removes a set's staged copy (after apply). */
export function clearStaged(engine: Engine, name: string): Promise<void> {
  return removeIfExists(stageDir(engine, name));
}
