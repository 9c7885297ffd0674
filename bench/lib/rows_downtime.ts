/**
 * The service's downtime during `leger backup`, from systemd's own
 * timestamps: the container unit leaving "active" (ActiveExitTimestamp,
 * when the stop begins) to being "active" again (ActiveEnterTimestamp),
 * both on the monotonic clock, read with `systemctl show` after each
 * backup. Measured on the storage the host was booted with (ext4: the
 * build machine's disk; btrfs: a loop-mounted image, see
 * tests/host/storage_fs.ts), with the bench set's 1 GiB volume, next to
 * a plain `systemctl restart` of the same unit in the same run: podman's
 * stop and start are a floor no backup that stops the unit goes below.
 *
 * Where the backup freezes the unit instead (btrfs, decision 79), systemd
 * sees no outage at all (the unit keeps its InvocationID, active
 * throughout): the pause is measured by leger's own clock around the
 * freeze and thaw calls (an upper bound, from its stderr) and by what the
 * service itself sees, the longest gap in a heartbeat a process inside the
 * container writes every 10 ms ({@linkcode startHeartbeat}).
 *
 * @module
 */
import type { Host } from "../../tests/host/guest.ts";
import { q } from "./guest.ts";
import { median, type Row } from "./table.ts";

/** The unit the bench set runs (bench.container). */
const UNIT = "bench.service";

/** Microseconds from `systemctl show` (monotonic), for one property. */
function field(text: string, key: string): number {
  const m = new RegExp(`^${key}=(\\d+)$`, "m").exec(text);
  if (!m) throw new Error(`systemctl show gave no ${key}:\n${text}`);
  return Number(m[1]);
}

/** One stop and start of the unit, in milliseconds, from systemd's timestamps. */
export interface Outage {
  /** Leaving active to active again: the downtime the goal is about (the measure). */
  outage: number;
  /** Leaving active to inactive: the container stopping (podman's part). */
  stopping: number;
  /** Inactive to the start beginning: leger's part (the copy, or the whole archive on ext4). */
  gap: number;
  /** The start beginning to active: the container starting (podman's part). */
  starting: number;
}

/** The unit's last stop and start. */
export async function lastOutage(host: Host, unit = UNIT): Promise<Outage> {
  const keys = ["ActiveExit", "InactiveEnter", "InactiveExit", "ActiveEnter"].map((k) => `${k}TimestampMonotonic`);
  const r = await host.exec([
    "systemctl",
    "--user",
    "show",
    unit,
    "-p",
    "ActiveState",
    ...keys.flatMap((k) => ["-p", k]),
  ], {
    user: "alice",
    check: true,
  });
  if (!/^ActiveState=active$/m.test(r.stdout)) throw new Error(`${unit} is not active after the backup:\n${r.stdout}`);
  const [exit, inactive, starting, active] = keys.map((k) => field(r.stdout, k) / 1000) as [
    number,
    number,
    number,
    number,
  ];
  if (!(exit < inactive && inactive <= starting && starting < active)) {
    throw new Error(`${unit} was not stopped and started again:\n${r.stdout}`);
  }
  return { outage: active - exit, stopping: inactive - exit, gap: starting - inactive, starting: active - starting };
}

/**
 * The same outage for `systemctl --user restart` of the unit: the floor of
 * any backup that stops it (podman's stop and start, nothing in between).
 */
export async function restartOutage(host: Host, unit = UNIT): Promise<Outage> {
  await host.exec(["systemctl", "--user", "restart", unit], { user: "alice", check: true });
  return await lastOutage(host, unit);
}

/**
 * The downtime row for one storage (`ext4`, `btrfs`): leger's outage next
 * to a plain restart's in the same run; a goal in milliseconds is judged,
 * a goal in words is only shown.
 */
export function downtimeRow(
  storage: string,
  sizeMiB: number,
  m: { outages: Outage[]; restarts: Outage[]; total: number[] },
  goalMs?: number | string,
): Row {
  const at = (k: keyof Outage) => median(m.outages.map((o) => o[k]));
  const d = at("outage");
  const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;
  return {
    what: `downtime during backup, ${sizeMiB} MiB volume, ${storage} (active -> active again)`,
    leger: { ms: d },
    raw: { figure: { ms: median(m.restarts.map((o) => o.outage)) }, what: "systemctl --user restart" },
    goal: typeof goalMs === "number" ? `< ${goalMs / 1000} s` : goalMs ?? "as before (stopped for the whole archive)",
    met: typeof goalMs === "number" ? d < goalMs : undefined,
    note: `podman's stop ${ms(at("stopping"))} + leger ${ms(at("gap"))} + podman's start ${ms(at("starting"))}; of a ${
      ms(median(m.total))
    } backup`,
  };
}

/** The bench set's container (bench.container). */
const CONTAINER = "systemd-bench";

/** The unit's InvocationID (it changes only when the unit is started again). */
export async function invocation(host: Host, unit = UNIT): Promise<string> {
  const r = await host.exec(["systemctl", "--user", "show", unit, "-p", "InvocationID", "--value"], {
    user: "alice",
    check: true,
  });
  return r.stdout.trim();
}

/**
 * Starts a heartbeat inside the bench container (its cgroup, so it is
 * frozen with the service): /proc/uptime (10 ms steps) appended to a file
 * every 10 ms, with shell built-ins but busybox's usleep.
 */
export async function startHeartbeat(host: Host): Promise<void> {
  const beat = "rm -f /tmp/beat /tmp/beat-stop; while [ ! -e /tmp/beat-stop ]; do read -r u _ < /proc/uptime; " +
    "echo $u >> /tmp/beat; usleep 10000; done";
  await host.exec(["podman", "exec", "-d", CONTAINER, "sh", "-c", beat], { user: "alice", check: true });
  await host.sh("sleep 0.2", { user: "alice" });
}

/** Stops the heartbeat; the longest gap between two beats, in milliseconds. */
export async function stopHeartbeat(host: Host): Promise<number> {
  const gap = "touch /tmp/beat-stop; sleep 0.1; " +
    "awk 'NR > 1 { g = $1 - p; if (g > m) m = g } { p = $1 } END { printf \"%d\\n\", m * 1000 }' /tmp/beat";
  const r = await host.sh(`podman exec ${CONTAINER} sh -c ${q(gap)}`, { user: "alice" });
  const ms = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isFinite(ms) || r.stdout.trim() === "") {
    throw new Error(`no heartbeat in ${CONTAINER}: ${r.stdout}${r.stderr}`);
  }
  return ms;
}

/** What one backup that froze the unit did to it. */
export interface Pause {
  /** The unit kept its InvocationID (it was never stopped). */
  sameInvocation: boolean;
  /** leger's "frozen for N ms": its clock from the freeze call to the thaw's return. */
  frozen: number;
  /** The longest gap in the container's heartbeat. */
  gap: number;
}

/** leger's "X was frozen for N ms" in the backup's stderr. */
export function frozenMs(stderr: string): number {
  const m = /was frozen for (\d+) ms/.exec(stderr) ?? /were frozen for (\d+) ms/.exec(stderr);
  if (!m) throw new Error(`the backup froze nothing:\n${stderr.slice(-2000)}`);
  return Number(m[1]);
}

/**
 * The downtime row where the backup freezes the unit: what the service saw
 * (the heartbeat's longest gap), next to a plain restart; the goal is
 * under a second, and the unit must never have been stopped.
 */
export function pauseRow(
  storage: string,
  sizeMiB: number,
  m: { pauses: Pause[]; restarts: Outage[]; total: number[] },
  goalMs: number,
): Row {
  const gap = median(m.pauses.map((p) => p.gap));
  const kept = m.pauses.filter((p) => p.sameInvocation).length;
  const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;
  return {
    what: `downtime during backup, ${sizeMiB} MiB volume, ${storage} (frozen for the reflink copy)`,
    leger: { ms: gap },
    raw: { figure: { ms: median(m.restarts.map((o) => o.outage)) }, what: "systemctl --user restart" },
    goal: `< ${goalMs / 1000} s`,
    met: gap < goalMs && kept === m.pauses.length,
    note: `never stopped (same InvocationID in ${kept} of ${m.pauses.length} rounds: systemd saw no outage); ` +
      `the service's longest heartbeat gap ${ms(gap)}, leger's freeze -> thaw ${
        ms(median(m.pauses.map((p) => p.frozen)))
      } (upper bound); of a ${ms(median(m.total))} backup`,
  };
}
