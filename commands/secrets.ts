/**
 * `leger secrets status|sync`: the state of the Podman secrets fed from
 * Setec, and an immediate sync (by the running daemon, else in-process).
 *
 * @module
 */
import type { Command } from "commander";
import { controlSocketPath } from "../lib/daemon/control_server.ts";
import { daemonStatus, daemonSync } from "../lib/daemon/control_client.ts";
import type { DaemonStatus } from "../lib/daemon/daemon_status.ts";
import { formatAge, type SyncReport } from "../lib/secrets/sync.ts";
import { localSecretStatus, type SecretStatus, syncFromState } from "../lib/secrets/sync_state.ts";
import { tryRestartUnits } from "../lib/secrets/try_restart.ts";
import { SETEC_CAPABILITY } from "../lib/secrets/setec_errors.ts";
import { type CliRuntime, type CommandContext, contextFor, output, table } from "./common.ts";

/** Help text shared by `leger secrets` and `leger daemon`. */
export const SETEC_HELP = `
Where secrets come from:
  A set declares its secrets in .leger.yaml:
    secrets:
      - name: leger/web/api-key        # Setec secret (under daemon.secret-prefix)
        podman-secret: web-api-key     # what the quadlets use: Secret=web-api-key,...
  leger fetches them from Tailscale's Setec server, configured in config.yaml
  (~/.config/leger/config.yaml, or /etc/leger/config.yaml with --scope system):
    daemon:
      setec-server: https://secrets.<tailnet>.ts.net
      poll-interval: 1h
  or with the environment variable SETEC_SERVER. It must be https:// and the
  server's MagicDNS name, the name its certificate covers (plain http only
  for a test server on 127.0.0.1); daemon.setec-ca-file (or SETEC_CA_FILE)
  adds a CA to trust. No token is needed: Setec
  knows this host by its Tailscale identity. The tailnet policy file must
  grant this host ${SETEC_CAPABILITY} action "get" on those names, e.g.
    "grants": [{ "src": ["tag:server"], "dst": ["tag:setec"],
                 "app": { "${SETEC_CAPABILITY}": [{ "action": ["get"], "secret": ["leger/*"] }] } }]
  The leger daemon (leger daemon install --now) polls Setec and restarts the
  running units of a rotated secret (try-restart: stopped units stay stopped),
  waiting while another leger run holds the scope lock; without it,
  \`leger secrets sync\` does one sync here.
  Values never appear in output or logs.`;

function interval(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return formatAge(ms);
}

function ago(iso: string | undefined, now = Date.now()): string {
  return iso ? `${formatAge(now - Date.parse(iso))} ago` : "-";
}

function stateOf(s: SecretStatus, fromDaemon: boolean): string {
  if (s.version === undefined) return fromDaemon ? "missing" : "not cached";
  if (s.stale) return "stale (Setec unreachable)";
  if (s.lastAction === "failed") return "failed";
  return fromDaemon ? "ok" : "cached";
}

function statusText(
  secrets: SecretStatus[],
  daemon: DaemonStatus | undefined,
  socket: string,
): string {
  const head = daemon
    ? [
      `The leger daemon answered (pid ${daemon.pid}, up ${
        formatAge(daemon.uptimeMs)
      }): polling ${daemon.server} every ${interval(daemon.pollIntervalMs)}` +
      (daemon.lastSyncAt ? `, last sync ${ago(daemon.lastSyncAt)}` : "") +
      (daemon.nextPollAt ? `, next in ${formatAge(Math.max(0, Date.parse(daemon.nextPollAt) - Date.now()))}` : ""),
      ...(daemon.consecutiveFailures
        ? [
          `  ${daemon.consecutiveFailures} sync(s) in a row failed${
            daemon.lastCycleError ? `: ${daemon.lastCycleError}` : ""
          }`,
        ]
        : []),
    ]
    : [
      `No leger daemon answers on ${socket}; showing the local cache (Setec was not asked).`,
      "  Start one with: leger daemon install --now   Sync once now with: leger secrets sync",
    ];
  if (secrets.length === 0) {
    return [
      ...head,
      "",
      "No installed set declares secrets (secrets: in .leger.yaml).",
    ].join("\n");
  }
  const rows = secrets.map((s) => [
    s.podmanSecret,
    s.name,
    s.version === undefined ? "-" : `v${s.version}`,
    ago(s.fetchedAt),
    stateOf(s, daemon !== undefined),
    s.lastError ?? "",
  ]);
  return [
    ...head,
    "",
    table(
      ["PODMAN SECRET", "SETEC NAME", "VERSION", "FETCHED", "STATE", "LAST ERROR"],
      rows,
    ),
  ].join("\n");
}

/** `leger secrets status` (also `leger daemon status`). */
export async function showSecretStatus(ctx: CommandContext): Promise<void> {
  const paths = ctx.engine.paths;
  const daemon = await daemonStatus(paths);
  const secrets = daemon?.secrets ?? await localSecretStatus(paths);
  const { secrets: _, ...daemonInfo } = daemon ?? { secrets: undefined };
  output(ctx.opts, {
    source: daemon ? "daemon" : "cache",
    ...(daemon ? { daemon: daemonInfo } : {}),
    secrets,
  }, () => statusText(secrets, daemon, controlSocketPath(paths)));
}

function versions(r: SyncReport["results"][number]): string {
  if (r.toVersion === undefined) return "-";
  return r.fromVersion !== undefined && r.fromVersion !== r.toVersion
    ? `v${r.fromVersion} -> v${r.toVersion}`
    : `v${r.toVersion}`;
}

function syncText(report: SyncReport, byDaemon: boolean): string {
  const lines = [
    `${report.dryRun ? "Dry run (nothing changed), " : ""}synced ${
      byDaemon ? "by the leger daemon" : "here (no daemon answered)"
    }:`,
  ];
  if (report.results.length === 0) {
    lines.push("No installed set declares secrets (secrets: in .leger.yaml).");
    return lines.join("\n");
  }
  lines.push(table(
    ["PODMAN SECRET", "SETEC NAME", "ACTION", "VERSION", "RESTARTED"],
    report.results.map((r) => [
      r.podmanSecret,
      r.name,
      r.action,
      versions(r),
      r.restarted.join(", ") || "-",
    ]),
  ));
  for (const r of report.results) {
    if (!r.error) continue;
    lines.push(`${r.name}: ${r.error.message}`);
    if (r.error.hint) lines.push(`  hint: ${r.error.hint}`);
  }
  if (report.restartError) {
    lines.push(
      `Restarting ${report.restarted.join(", ")} failed: ${report.restartError}`,
    );
  }
  if (report.unreachable) {
    lines.push(
      "Setec could not be reached; cached values were kept where there were any.",
    );
  }
  return lines.join("\n");
}

/** Registers `leger secrets`. */
export function register(program: Command, runtime: CliRuntime): void {
  const secrets = program
    .command("secrets")
    .summary("show and sync the Podman secrets fed from Setec")
    .description(
      "Show the Podman secrets that installed sets declare and that leger fills from Tailscale's Setec server, or sync them now.",
    )
    .addHelpText("after", SETEC_HELP);

  secrets
    .command("status")
    .summary("show each secret's version, age and last error")
    .description(
      `For every declared secret: Podman secret, Setec name, version held, when it was fetched, whether it is stale, and the last error.

Asks the running leger daemon; when none answers, reads the local cache (Setec is not asked).`,
    )
    .addHelpText(
      "after",
      `
Examples:
  leger secrets status
  leger secrets status --json
  leger secrets status --scope system`,
    )
    .action(async (_o, cmd) => {
      await showSecretStatus(await contextFor(cmd, runtime));
    });

  secrets
    .command("sync")
    .summary("fetch from Setec now and update the Podman secrets")
    .description(
      `Fetch the declared secrets from Setec now, update the Podman secrets that changed and restart the running units that use a rotated one (stopped units stay stopped). The running leger daemon does it when there is one; otherwise leger syncs here. Exits 1 when a secret failed.

Setec must grant this host ${SETEC_CAPABILITY} action "get" on each name.`,
    )
    .argument("[name]", "only this secret (Setec or Podman name)")
    .option("--dry-run", "fetch and compare, change nothing, restart nothing")
    .addHelpText(
      "after",
      `
Examples:
  leger secrets sync
  leger secrets sync leger/web/api-key --dry-run
  SETEC_SERVER=https://secrets.example.ts.net leger secrets sync --json`,
    )
    .action(async (name, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const dryRun = options.dryRun === true;
      const engine = ctx.engine;
      const fromDaemon = await daemonSync(engine.paths, name, dryRun);
      const report = fromDaemon ?? await syncFromState({
        paths: engine.paths,
        config: engine.config,
        $: engine.$,
        log: ctx.log,
        restartUnits: (units) => tryRestartUnits(engine.systemd, units),
        only: name,
        dryRun,
        lock: !dryRun,
      });
      output(
        ctx.opts,
        { ...report, by: fromDaemon ? "daemon" : "local" },
        () => syncText(report, fromDaemon !== undefined),
      );
      if (!report.ok) Deno.exitCode = 1;
    });
}
