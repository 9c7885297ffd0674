/**
 * `leger secrets status|sync`: the state of the Podman secrets fed from
 * Setec, and an immediate sync (by the running daemon, else in-process).
 *
 * @module
 */
import type { Command } from "commander";
import { controlSocketPath } from "../lib/daemon/control_server.ts";
import { daemonStatus } from "../lib/daemon/control_client.ts";
import type { DaemonStatus } from "../lib/daemon/daemon_status.ts";
import { formatAge, type SyncReport } from "../lib/secrets/sync.ts";
import { localSecretStatus, type SecretStatus } from "../lib/secrets/sync_state.ts";
import { SecretsStatusJson, SecretsSyncJson } from "../lib/contract/host.ts";
import { versioned } from "../lib/contract/versioned.ts";
import { type CliRuntime, type CommandContext, contextFor, output } from "./common.ts";
import { table } from "./table.ts";
import { boundedList } from "../lib/core/bounded_list.ts";

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
  const fleet = daemon?.updates?.fleet;
  if (fleet) {
    const sets = boundedList(fleet.assigned.map((a) => `${a.name ?? a.path} (${a.outcome})`)) || "none";
    head.push(
      `  fleet ${fleet.source}${fleet.commit ? ` at ${fleet.commit.slice(0, 12)}` : ""}: assigns ${sets}` +
        (fleet.unassigned.length ? `; no longer assigned, left installed: ${boundedList(fleet.unassigned)}` : "") +
        (fleet.error ? `; last error: ${fleet.error.split("\n")[0]}` : ""),
    );
  }
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
  const daemonInfo = daemon ? (({ secrets: _, ...rest }) => rest)(daemon) : undefined;
  output(
    ctx.opts,
    versioned(SecretsStatusJson, {
      source: daemon ? "daemon" : "cache",
      ...(daemonInfo ? { daemon: daemonInfo } : {}),
      secrets,
    }),
    () => statusText(secrets, daemon, controlSocketPath(paths)),
  );
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
      boundedList(r.restarted) || "-",
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
    .summary("show and sync the Podman secrets fed from Setec");

  secrets
    .command("status")
    .summary("show each secret's version, age and last error")
    .action(async (_o, cmd) => {
      await showSecretStatus(await contextFor(cmd, runtime));
    });

  secrets
    .command("sync")
    .summary("fetch from Setec now and update the Podman secrets")
    .argument("[name]", "only this secret (Setec or Podman name)")
    .option("--dry-run", "fetch and compare, change nothing, restart nothing")
    .action(async (name, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const dryRun = options.dryRun === true;
      const { syncNow } = await import("../lib/secrets/sync_now.ts");
      const { report, by } = await syncNow(ctx.engine, { only: name, dryRun, log: ctx.log });
      output(
        ctx.opts,
        versioned(SecretsSyncJson, { ...report, by }),
        () => syncText(report, by === "daemon"),
      );
      if (!report.ok) Deno.exitCode = 1;
    });
}
