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
 * @module
 */
import type { Host } from "../../tests/host/guest.ts";
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
 * to a plain restart's in the same run; the goal is under a second where
 * reflinks work.
 */
export function downtimeRow(
  storage: string,
  sizeMiB: number,
  m: { outages: Outage[]; restarts: Outage[]; total: number[] },
  goalMs?: number,
): Row {
  const at = (k: keyof Outage) => median(m.outages.map((o) => o[k]));
  const d = at("outage");
  const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;
  return {
    what: `downtime during backup, ${sizeMiB} MiB volume, ${storage} (active -> active again)`,
    leger: { ms: d },
    raw: { figure: { ms: median(m.restarts.map((o) => o.outage)) }, what: "systemctl --user restart" },
    goal: goalMs ? `< ${goalMs / 1000} s` : "as before (stopped for the whole archive)",
    met: goalMs ? d < goalMs : undefined,
    note: `podman's stop ${ms(at("stopping"))} + leger ${ms(at("gap"))} + podman's start ${ms(at("starting"))}; of a ${
      ms(median(m.total))
    } backup`,
  };
}
