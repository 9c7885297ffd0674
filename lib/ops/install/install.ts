/**
 * Installing a set: fetch, check, put the files in place through the
 * backend, reload systemd, start the units, and record the manifest. A
 * failure at any point puts the host back as it was.
 *
 * @module
 */
import { checkSetName } from "../set_lookup.ts";
import { basename } from "node:path";
import { parseDuration } from "../../core/duration.ts";
import type { Engine } from "../../engine.ts";
import { ExitCode, LegerError } from "../../core/errors.ts";
import type { LegerYaml } from "../../meta/leger_yaml.ts";
import type { CollectedFile } from "../../source/collect.ts";
import { credentialsDir, saveCredential } from "../../source/credentials.ts";
import type { FetchedSet } from "../../source/fetch.ts";
import { summarizeSet } from "../../quadlet/model.ts";
import { quadletKind } from "../../quadlet/kinds.ts";
import { parseSource } from "../../source/spec.ts";
import { type JournalEntry, markStep } from "../../state/journal.ts";
import { deleteManifest, type Manifest, readManifest, writeManifest } from "../../state/manifest.ts";
import { deleteSetFiles, loadSetFiles, saveSetFiles } from "../../state/store.ts";
import { type CheckResult, checkSet, legerYamlOf, logRisks, refuseOnErrors } from "../check/check.ts";
import { describeFailures, gateOptions, startUnits } from "../health.ts";
import { ensureSetSecrets } from "../../secrets/ensure.ts";
import { removePodmanSecret } from "../../secrets/podman_secrets.ts";
import { buildManifest } from "./manifest_build.ts";
import { backendForSet, installedNames, placeSet } from "./place.ts";
import { filesBackend } from "../../backend/files.ts";
import { nativeTemplateLimit } from "../../backend/for_set.ts";
import type { Guard } from "../guard.ts";
import { plainTransportWarning } from "../../source/transport.ts";
import { checkTrust } from "../../trust/gate.ts";
import { describeTrust, type TrustRecord } from "../../trust/record.ts";

/** A set fetched and checked, not yet installed. */
export interface PreparedSet {
  /** The name it will be installed as. */
  name: string;
  /** What was fetched. */
  fetched: FetchedSet;
  /** The checks' result. */
  check: CheckResult;
  /** The signature check of what was fetched (lib/trust/). */
  trust: TrustRecord;
}

/** Options of {@linkcode prepare}. */
export interface PrepareOptions {
  /** Install under this name instead of the one the source suggests. */
  name?: string;
  /** Fetch this ref instead of the source's. */
  ref?: string;
  /** Take a commit the trust rule (config.yaml `trust:`) refuses; it is recorded as not verified. */
  allowUnsigned?: boolean;
}

function suggestName(fetched: FetchedSet, legerYaml: LegerYaml | undefined): string {
  if (legerYaml?.name) return legerYaml.name;
  if (fetched.source.subpath) return basename(fetched.source.subpath);
  return basename(fetched.source.url).replace(/\.git$/, "") || "set";
}

/** Fetches and checks a source; changes nothing on the host. */
export async function prepare(engine: Engine, source: string, options: PrepareOptions = {}): Promise<PreparedSet> {
  const spec = parseSource(source, engine.forges);
  await engine.backend(); // a host that cannot take the set fails before anything is fetched
  engine.log.step(`Fetching ${spec.input}`);
  const plain = plainTransportWarning(spec);
  if (plain) engine.log.warn(plain);
  engine.fetcher.forget();
  const fetched = await engine.fetcher.fetch(spec, options.ref);
  if (fetched.source.commit) {
    engine.log.info(`  at ${fetched.source.ref || "HEAD"} (${fetched.source.commit.slice(0, 12)})`);
  }
  const name = checkSetName(options.name ?? suggestName(fetched, legerYamlOf(fetched.files)));
  // Before the files are checked or used: a name the files give themselves picks no rule (lib/trust/policy.ts).
  const trust = await checkTrust(
    engine,
    {
      kind: "set",
      ...(options.name !== undefined ? { name } : {}),
      ...(spec.kind === "git" ? { url: spec.url } : {}),
    },
    fetched.signed,
    { action: `install ${name}`, ...(options.allowUnsigned ? { allowUnsigned: true } : {}) },
  );
  if (trust.verified) engine.log.info(`  ${describeTrust(trust)}`);
  engine.log.step(`Checking ${name} (${fetched.files.length} files)`);
  const check = await checkSet(engine, name, fetched.files);
  logRisks(engine, name, check.findings);
  return { name, fetched, check, trust };
}

/** Options of {@linkcode installPrepared}. */
export interface InstallOptions {
  /** Replace an installed set of the same name (does not accept warnings). */
  replace?: boolean;
  /** Go ahead despite validation warnings (never errors; does not replace an installed set). */
  acceptWarnings?: boolean;
  /** Put the files in place but do not start the units. */
  noStart?: boolean;
  /** Show what would happen; change nothing. */
  dryRun?: boolean;
  /** Health gate timeout in ms. */
  healthTimeoutMs?: number;
}

/** What an install did. */
export interface InstallResult {
  name: string;
  manifest: Manifest;
  started: string[];
  dryRun: boolean;
}

/** What leger records of where a prepared set came from (nothing else of the fetch: no credential). */
export function sourceRecordOf(prepared: PreparedSet): Manifest["source"] {
  const src = prepared.fetched.source;
  return {
    kind: src.kind,
    input: src.input,
    url: src.url,
    ...(src.ref !== undefined ? { ref: src.ref } : {}),
    ...(src.commit ? { commit: src.commit } : {}),
    subpath: src.subpath,
    ...(src.forge ? { forge: src.forge } : {}),
  };
}

function manifestFor(
  engine: Engine,
  prepared: PreparedSet,
  backend: "native" | "files",
  records: Manifest["files"],
  previous: Manifest | undefined,
): Promise<Manifest> {
  return buildManifest(engine, {
    name: prepared.name,
    source: sourceRecordOf(prepared),
    files: prepared.fetched.files,
    records,
    backend,
    ...(previous ? { previous } : {}),
    trust: prepared.trust,
  });
}

function refuseInstalled(name: string, previous: Manifest | undefined, options: InstallOptions): void {
  if (!previous || options.replace) return;
  throw new LegerError(`Cannot install ${name}: a set with that name is installed (from ${previous.source.input})`, {
    hint:
      `Update it with leger update ${name}, install under another name with leger install --name OTHER, or pass --replace to replace it.`,
  });
}

/**
 * The refusals leger's own state decides (validation errors, the name is
 * taken), made before the host is asked whether it is ready; installPrepared
 * makes them again under the lock.
 */
export async function refuseBeforeHost(engine: Engine, prepared: PreparedSet, options: InstallOptions = {}) {
  refuseOnErrors(prepared.check, `install ${prepared.name}`, options.acceptWarnings ?? false);
  refuseInstalled(prepared.name, await readManifest(engine.paths, prepared.name), options);
}

/**
 * Installs a prepared set (the caller holds the scope lock: see guard.ts).
 * On failure the host is put back: a new set is removed again, a replaced
 * one gets its previous version back.
 */
export async function installPrepared(
  engine: Engine,
  guard: Guard,
  prepared: PreparedSet,
  options: InstallOptions = {},
): Promise<InstallResult> {
  // Checked again under the lock, as apply does: a set installed since prepare's check may clash with this one now
  // (a unit or volume name, a published port, a secret's scope), and two runs must not both pass.
  const check = await checkSet(engine, prepared.name, prepared.fetched.files);
  refuseOnErrors(check, `install ${prepared.name}`, options.acceptWarnings ?? false);
  const planned = installedNames(prepared.fetched.files);
  const backend = await backendForSet(engine, planned);
  if (backend.kind !== (await engine.backend()).kind) {
    engine.log.info(
      `  ${prepared.name} has template units: using the files backend for it (${
        nativeTemplateLimit(await engine.podman())
      })`,
    );
  }
  const previous = await readManifest(engine.paths, prepared.name);
  refuseInstalled(prepared.name, previous, options);
  const units = check.summary.units;
  // Secrets come first: a missing or denied one stops the install before anything is placed.
  const ensured = await ensureSetSecrets(
    engine,
    prepared.name,
    (check.legerYaml?.secrets ?? []).map((x) => ({
      name: x.name,
      podmanSecret: x["podman-secret"],
      env: x.env,
      restart: x.restart,
    })),
    { dryRun: options.dryRun ?? false },
  );
  if (options.dryRun) {
    engine.log.info(
      `would install ${prepared.fetched.files.length} file(s) with the ${backend.kind} backend and start ${
        units.join(", ") || "nothing"
      }`,
    );
    return {
      name: prepared.name,
      manifest: await manifestFor(engine, prepared, backend.kind, [], previous),
      started: [],
      dryRun: true,
    };
  }
  const data = { planned, backend: backend.kind, units, hadPrevious: previous !== undefined };
  return await guard.journal("install", prepared.name, data, async (entry) => {
    try {
      engine.log.step(`Installing ${prepared.name} (${backend.kind} backend)`);
      if (previous) await engine.systemd.stop(previous.units).catch(() => {});
      const { records } = await placeSet(engine, prepared.name, prepared.fetched.files, previous);
      await markStep(engine.paths, entry, "files", { records });
      await engine.systemd.daemonReload();
      const started: string[] = [];
      if (!options.noStart && units.length) {
        engine.log.step(`Starting ${units.join(", ")}`);
        await engine.systemd.resetFailed(units);
        const health = await startUnits(
          engine,
          units,
          gateOptions(
            engine,
            prepared.fetched.files,
            options.healthTimeoutMs ?? parseDuration(engine.config["health-timeout"], "health-timeout"),
          ),
        );
        if (!health.ok) {
          throw new LegerError(
            `Cannot install ${prepared.name}: ${health.failed.map((f) => f.unit).join(", ")} did not start\n${
              describeFailures(health.failed)
            }`,
            {
              exitCode: ExitCode.failure,
              hint: "Fix the unit (see the journal lines above) and install again; nothing was left installed.",
              details: { failed: health.failed },
            },
          );
        }
        started.push(...units);
      }
      const manifest = await manifestFor(engine, prepared, backend.kind, records, previous);
      await saveSetFiles(engine.paths, prepared.name, prepared.fetched.files);
      await writeManifest(engine.paths, manifest);
      const { credential, source } = prepared.fetched;
      // The daemon fetches this URL again later: its credential goes to leger's store (0600), not the manifest.
      if (credential) await saveCredential(credentialsDir(engine.paths.stateDir), source.url, credential);
      engine.log.info(`installed ${prepared.name}: ${units.length} unit(s)${started.length ? ", all active" : ""}`);
      return { name: prepared.name, manifest, started, dryRun: false };
    } catch (error) {
      engine.log.warn(`install of ${prepared.name} failed; putting the host back`);
      await undoInstall(engine, prepared.name, planned, previous, { backend: backend.kind, units }).catch((e) =>
        engine.log.error(`could not undo completely: ${(e as Error).message}`)
      );
      for (const secret of previous ? [] : ensured.created) {
        await removePodmanSecret(engine.$, secret).catch(() => {});
      }
      throw error;
    }
  });
}

/**
 * Undoes a partial install: stops and removes what was put in place; when
 * a previous version was installed, puts it back and starts it.
 */
export async function undoInstall(
  engine: Engine,
  name: string,
  planned: string[],
  previous: Manifest | undefined,
  placed: { backend?: "native" | "files"; units?: string[] } = {},
): Promise<void> {
  const backend = placed.backend === "files"
    ? filesBackend(engine.paths.quadletDir)
    : await backendForSet(engine, planned);
  const plannedFiles: CollectedFile[] = planned.map((n) => ({ name: n, text: "", bytes: new Uint8Array() }));
  const units = [
    ...new Set([...(placed.units ?? []), ...summarizeSet(plannedFiles.filter((f) => !f.name.includes("/"))).units]),
  ];
  await engine.systemd.stop(units).catch(() => {});
  const records = planned.map((n) => ({
    name: n,
    sha256: "",
    path: backend.pathOf(name, n),
    kind: (!n.includes("/") && quadletKind(n) ? "quadlet" : "asset") as "asset" | "quadlet",
  })).filter((r) => r.path);
  await backend.remove(name, records);
  if (previous) {
    const files = await loadSetFiles(engine.paths, name);
    if (files.length) {
      await placeSet(engine, name, files);
      await engine.systemd.daemonReload();
      await engine.systemd.resetFailed(previous.units);
      await engine.systemd.start(previous.units).catch(() => {});
    }
  } else {
    await engine.systemd.daemonReload();
    await engine.systemd.resetFailed(units);
    await deleteManifest(engine.paths, name);
    await deleteSetFiles(engine.paths, name);
  }
}

/** Recovers an install cut short: undone (the previous version put back), unless it had completed. */
export async function recoverInstall(engine: Engine, entry: JournalEntry): Promise<string> {
  const manifest = await readManifest(engine.paths, entry.name);
  if (manifest && manifest.updatedAt >= entry.startedAt) {
    return `the install of ${entry.name} had completed`;
  }
  const planned = Array.isArray(entry.data.planned) ? entry.data.planned as string[] : [];
  await undoInstall(engine, entry.name, planned, entry.data.hadPrevious ? manifest : undefined, {
    ...(entry.data.backend === "files" || entry.data.backend === "native" ? { backend: entry.data.backend } : {}),
    ...(Array.isArray(entry.data.units) ? { units: (entry.data.units as unknown[]).map(String) } : {}),
  });
  return manifest && entry.data.hadPrevious
    ? `the install of ${entry.name} was undone; the previous version is back`
    : `the partial install of ${entry.name} was removed`;
}
