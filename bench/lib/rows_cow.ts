/**
 * Backup and restore where the volume's storage clones: a second test host
 * whose container storage is a loop-mounted btrfs image
 * (tests/host/storage_fs.ts), the same set and volume as the ext4 rows
 * (rows_backup.ts). Rows: the backup's total time against `podman volume
 * export | zstd`, the service's pause during it (frozen for the reflink
 * copy: the heartbeat inside the container and leger's clock,
 * rows_downtime.ts), its downtime with `--stop` (systemd's timestamps),
 * and the restore against `zstd -d | podman volume import`, each with
 * leger's peak RSS. A restore there moves the data
 * aside and archives it in the background afterwards (`--previous
 * archive`, the default): the row times the command, and each round waits
 * for that archive to end before measuring again.
 *
 * @module
 */
import { bootHost } from "../../tests/host/host.ts";
import type { StorageFs } from "../../tests/host/storage_fs.ts";
import { peakIn, type Runner, timeIn, useRunner } from "./guest.ts";
import { prepare } from "./rows_backup.ts";
import {
  downtimeRow,
  frozenMs,
  invocation,
  lastOutage,
  type Outage,
  type Pause,
  pauseRow,
  restartOutage,
  startHeartbeat,
  stopHeartbeat,
} from "./rows_downtime.ts";
import { median, ratioMet, type Row } from "./table.ts";

const VOLUME = "systemd-bench-data";
const RAW_ARCHIVE = "/tmp/bench-raw.tar.zst";
const JOURNAL = "/home/alice/.local/share/leger/journal";

/** Boots a host on `storage`, fills the bench set's volume, and measures `n` rounds. */
export async function benchCow(
  n: number,
  sizeMiB: number,
  options: { storage?: StorageFs; runner?: Runner; log?: (line: string) => void } = {},
): Promise<Row[]> {
  const storage = options.storage ?? "btrfs";
  const host = await bootHost({ suite: "sid", storage, ...(options.log ? { log: options.log } : {}) });
  try {
    await useRunner(host, options.runner ?? "warm");
    await prepare(host, sizeMiB);
    const backups: Array<{ ms: number; bytes: number }> = [], restores: Array<{ ms: number; bytes: number }> = [];
    const outages: Outage[] = [], restarts: Outage[] = [], pauses: Pause[] = [], stopTotal: number[] = [];
    const rawBackup: number[] = [], rawRestore: number[] = [];
    for (let i = 0; i < n; i++) {
      rawBackup.push(await timeIn(host, `podman volume export ${VOLUME} | zstd -q -c -T0 > ${RAW_ARCHIVE}`));
      await startHeartbeat(host);
      const before = await invocation(host);
      backups.push(await peakIn(host, "leger backup bench --yes"));
      const sameInvocation = before === await invocation(host);
      const gap = await stopHeartbeat(host);
      const frozen = frozenMs((await host.sh("cat /tmp/bench-err-$(id -u)", { user: "alice" })).stdout);
      pauses.push({ sameInvocation, frozen, gap });
      restarts.push(await restartOutage(host));
      stopTotal.push((await peakIn(host, "leger backup bench --stop --yes")).ms);
      outages.push(await lastOutage(host));
      rawRestore.push(await timeIn(host, `zstd -q -d -c ${RAW_ARCHIVE} | podman volume import ${VOLUME} -`));
      restores.push(await peakIn(host, "leger restore bench --yes"));
      // The data moved aside is archived in the background: let it end before the next figure.
      await timeIn(host, `while ls ${JOURNAL} 2>/dev/null | grep -q json; do sleep 0.2; done`);
    }
    const size = `${sizeMiB} MiB`;
    const b = median(backups.map((x) => x.ms)), r = median(restores.map((x) => x.ms));
    const bPeak = Math.max(...backups.map((x) => x.bytes)), rPeak = Math.max(...restores.map((x) => x.bytes));
    const peak = (bytes: number) => `peak RSS ${(bytes / 1048576).toFixed(0)} MiB`;
    return [
      {
        what: `backup, ${size} volume (zstd), ${storage}: reflink copy`,
        leger: { ms: b },
        raw: { figure: { ms: median(rawBackup) }, what: "podman volume export | zstd" },
        goal: "<= 1.2x, peak < 100 MiB",
        met: ratioMet({ ms: b }, { ms: median(rawBackup) }, 1.2) && bPeak < 100 * 1048576,
        note: peak(bPeak),
      },
      pauseRow(storage, sizeMiB, { pauses, restarts, total: backups.map((x) => x.ms) }, 1000),
      downtimeRow(
        `${storage}, backup --stop`,
        sizeMiB,
        { outages, restarts, total: stopTotal },
        "none (stopped for the copy)",
      ),
      {
        what: `restore, ${size} volume (zstd), ${storage}: data moved aside`,
        leger: { ms: r },
        raw: { figure: { ms: median(rawRestore) }, what: "zstd -d | podman volume import" },
        goal: "<= 1.5x, peak < 100 MiB",
        met: ratioMet({ ms: r }, { ms: median(rawRestore) }, 1.5) && rPeak < 100 * 1048576,
        note: peak(rPeak),
      },
    ];
  } finally {
    await host.stop();
  }
}
