/**
 * Makes sure the Podman secrets a set declares exist, with Setec's current
 * value, before any of the set's units starts. Install and apply call it
 * first, so a missing secret or a missing ACL grant stops them before
 * anything is put on the host.
 *
 * It asks the running daemon when this run may and one answers
 * (lib/secrets/sync_now.ts decides), and otherwise syncs in-process with
 * the same code the daemon runs (syncSecrets + the scope's cache).
 * Messages name secrets and versions, never values.
 *
 * @example
 * ```ts
 * const secrets = (legerYaml?.secrets ?? []).map((s) => ({
 *   name: s.name,
 *   podmanSecret: s["podman-secret"],
 *   restart: s.restart,
 * }));
 * const { created } = await ensureSetSecrets(engine, "web", secrets, { dryRun });
 * ```
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { ExitCode, LegerError } from "../core/errors.ts";
import { listManifests } from "../state/manifest.ts";
import { declaredSecrets } from "./declared.ts";
import { listPodmanSecrets } from "./podman_secrets.ts";
import type { SetecClient } from "./setec_client.ts";
import { SETEC_CAPABILITY } from "./setec_errors.ts";
import type { DeclaredSecret, SecretSyncResult, SyncReport } from "./sync.ts";
import { syncFromState } from "./sync_state.ts";
import { daemonSync } from "./sync_now.ts";
import { tryRestartUnits } from "./try_restart.ts";

/** One secret a set declares (`secrets:` of `.leger.yaml`). */
export interface SetSecret {
  /** Setec secret name. */
  name: string;
  /** Podman secret the set's quadlets use. */
  podmanSecret: string;
  /** Environment variable the container sees it as (not used here). */
  env?: string | undefined;
  /** Restart users on rotation; true when left out. */
  restart?: boolean | undefined;
}

/** Options of {@linkcode ensureSetSecrets}. */
export interface EnsureOptions {
  /** Fetch and compare; create nothing. */
  dryRun?: boolean | undefined;
  /** Setec client to use for the in-process sync (tests). */
  client?: SetecClient;
  /** What the caller is doing, for messages: "install" by default, e.g. "apply". */
  verb?: string;
}

/** What {@linkcode ensureSetSecrets} found and did, by Podman secret name. */
export interface EnsureResult {
  /** Podman secrets created now (or that would be, in a dry run). */
  created: string[];
  /** Podman secrets that were already there (refreshed if Setec moved on). */
  present: string[];
}

const CONFIGURE_HINT =
  "Set daemon.setec-server in config.yaml (e.g. `daemon: { setec-server: https://secrets.<tailnet>.ts.net }`) or export SETEC_SERVER";

const STOPPED = "No unit of the set was installed or started.";

/** Refuses a Podman secret another installed set fills from another Setec secret. */
function refuseConflicts(
  setName: string,
  secrets: SetSecret[],
  others: DeclaredSecret[],
  otherOwner: Map<string, string>,
): void {
  for (const s of secrets) {
    const clash = others.find((o) => o.podmanSecret === s.podmanSecret && o.name !== s.name);
    if (clash) {
      throw new LegerError(
        `Cannot use Podman secret ${s.podmanSecret} for ${setName}: set ${
          otherOwner.get(clash.podmanSecret) ?? "another set"
        } fills it from Setec secret ${clash.name}, not ${s.name}`,
        {
          hint: "Give the secret its own podman-secret name in .leger.yaml, or use the same Setec secret in both sets.",
        },
      );
    }
  }
}

function failure(what: string, r: SecretSyncResult): LegerError {
  const e = r.error;
  if (e?.status === 404) {
    return new LegerError(
      `Cannot ${what}: Setec secret ${r.name} (for Podman secret ${r.podmanSecret}) does not exist (404)`,
      {
        exitCode: ExitCode.failure,
        hint: `Create it with \`setec put ${r.name}\` (this host already has access: ` +
          `without it Setec answers 403); or fix the name in .leger.yaml. ${STOPPED}`,
        details: { secret: r.name, podmanSecret: r.podmanSecret, status: 404 },
      },
    );
  }
  if (e?.status === 403) {
    const action = e.aclAction ?? "get";
    return new LegerError(
      `Cannot ${what}: access to Setec secret ${r.name} denied (403); this host needs ${SETEC_CAPABILITY} action "${action}"`,
      {
        exitCode: ExitCode.failure,
        hint:
          `In the tailnet policy file, grant this host's tag or user ${SETEC_CAPABILITY} action "${action}" on ${r.name}. ${STOPPED}`,
        details: {
          secret: r.name,
          podmanSecret: r.podmanSecret,
          status: 403,
          capability: SETEC_CAPABILITY,
          action,
        },
      },
    );
  }
  return new LegerError(
    `Cannot ${what}: Podman secret ${r.podmanSecret} (Setec secret ${r.name}) could not be set: ${
      e?.message ?? "unknown error"
    }`,
    {
      exitCode: ExitCode.failure,
      hint: `${e?.hint ?? "Run `leger secrets sync` to see more."} ${STOPPED}`,
      details: {
        secret: r.name,
        podmanSecret: r.podmanSecret,
        ...(e?.status === undefined ? {} : { status: e.status }),
      },
    },
  );
}

/** Asks the running daemon to sync each Setec name; returns what it answered for. */
async function viaDaemon(
  engine: Engine,
  secrets: SetSecret[],
  dryRun: boolean,
): Promise<{ results: SecretSyncResult[]; rest: SetSecret[] }> {
  const results: SecretSyncResult[] = [];
  const rest: SetSecret[] = [];
  const reports = new Map<string, SyncReport | undefined>();
  for (const s of secrets) {
    if (!reports.has(s.name)) {
      let report: SyncReport | undefined;
      try {
        report = await daemonSync(engine, s.name, dryRun);
      } catch (error) {
        // 404: no installed set declares it yet (a new set): sync in-process.
        if (
          !(error instanceof LegerError && error.exitCode === ExitCode.notFound)
        ) {
          throw error;
        }
      }
      reports.set(s.name, report);
    }
    const hit = reports.get(s.name)?.results.find((r) => r.podmanSecret === s.podmanSecret);
    if (hit) results.push(hit);
    else rest.push(s);
  }
  return { results, rest };
}

/** Syncs secrets in-process: the installed sets' users of the same secrets are restarted on rotation. */
async function inProcess(
  engine: Engine,
  setName: string,
  secrets: SetSecret[],
  others: DeclaredSecret[],
  options: EnsureOptions,
): Promise<SecretSyncResult[]> {
  const declared: DeclaredSecret[] = secrets.map((s) => ({
    name: s.name,
    podmanSecret: s.podmanSecret,
    ...(s.restart === undefined ? {} : { restart: s.restart }),
    users: others.filter((o) => o.podmanSecret === s.podmanSecret)
      .flatMap((o) => o.users),
  }));
  const report = await syncFromState({
    paths: engine.paths,
    config: engine.config,
    $: engine.$,
    log: {
      info: (line) => engine.log.info(`${setName}: ${line}`),
      warn: (line) => engine.log.warn(`${setName}: ${line}`),
    },
    restartUnits: (units) => tryRestartUnits(engine.systemd, units),
    declared,
    dryRun: options.dryRun ?? false,
    ...(options.client ? { client: options.client } : {}),
  });
  if (report.restartError) {
    engine.log.warn(`${setName}: ${report.restartError}`);
  }
  return report.results;
}

/**
 * Makes sure every Podman secret a set declares exists with Setec's current
 * value. Call it before any of the set's units starts: it throws a
 * {@linkcode LegerError} (exit code 1) when a secret is missing in Setec
 * (404), when this host lacks the ACL grant (403, `tailscale.com/cap/secrets`
 * action `get`), or when no Setec server is configured and the Podman secret
 * does not exist yet. When Setec is unreachable a cached value is used (with
 * a warning). Results are Podman secret names.
 */
export async function ensureSetSecrets(
  engine: Engine,
  setName: string,
  secrets: SetSecret[],
  options: EnsureOptions = {},
): Promise<EnsureResult> {
  const out: EnsureResult = { created: [], present: [] };
  if (secrets.length === 0) return out;
  const dryRun = options.dryRun ?? false;
  const what = `${options.verb ?? "install"} ${setName}`;
  const manifests = (await listManifests(engine.paths)).filter((m) => m.name !== setName);
  const owner = new Map<string, string>();
  for (const m of manifests) {
    for (const s of m.secrets) owner.set(s.podmanSecret, m.name);
  }
  const others = await declaredSecrets(manifests);
  refuseConflicts(setName, secrets, others, owner);
  const existed = new Set(
    (await listPodmanSecrets(engine.$)).map((s) => s.name),
  );

  let results: SecretSyncResult[] = [];
  let rest = secrets;
  if (engine.daemon) ({ results, rest } = await viaDaemon(engine, secrets, dryRun));
  if (rest.length && !engine.config.daemon["setec-server"]) {
    for (const s of rest) {
      if (!existed.has(s.podmanSecret)) {
        throw new LegerError(
          `Cannot ${what}: Podman secret ${s.podmanSecret} does not exist and no Setec server is configured to fetch Setec secret ${s.name}`,
          {
            exitCode: ExitCode.failure,
            hint:
              `${CONFIGURE_HINT} (config: ${engine.paths.configFile}); or create the Podman secret yourself: podman secret create ${s.podmanSecret} FILE. ${STOPPED}`,
            details: { secret: s.name, podmanSecret: s.podmanSecret },
          },
        );
      }
      engine.log.info(
        `${setName}: using the existing Podman secret ${s.podmanSecret} as is (no Setec server configured to fetch ${s.name})`,
      );
      out.present.push(s.podmanSecret);
    }
    rest = [];
  }
  if (rest.length) {
    results.push(...await inProcess(engine, setName, rest, others, options));
  }

  for (const r of results) {
    if (r.action === "failed") throw failure(what, r);
    if (r.action === "stale") {
      // The sync's words say which outage (unreachable, a cut handshake, a caller Setec could not identify).
      engine.log.warn(
        `${setName}: Podman secret ${r.podmanSecret} holds the cached v${r.toVersion} of ${r.name}: ${
          r.error?.message ?? "Setec is unreachable"
        }`,
      );
    }
    const list = existed.has(r.podmanSecret) ? out.present : out.created;
    if (!list.includes(r.podmanSecret)) list.push(r.podmanSecret);
  }
  return out;
}
