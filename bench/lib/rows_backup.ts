/**
 * Backup (with the units stopped for a consistent copy, the default, and
 * `--live` as the raw pipeline runs) and restore of one volume through leger against the raw pipeline
 * with the same compressor (`podman volume export | zstd -q -c -T0`, and
 * `zstd -q -d -c | podman volume import`), on the real test host, with
 * the peak RSS of leger's process (its VmHWM).
 *
 * @module
 */
import type { Host } from "../../tests/host/guest.ts";
import { writeBenchSet } from "../install_vs_podman.ts";
import { peakIn, timeIn } from "./guest.ts";
import { median, ratioMet, type Row } from "./table.ts";
import { downtimeRow, lastOutage, type Outage, restartOutage } from "./rows_downtime.ts";

const VOLUME = "systemd-bench-data";
const RAW_ARCHIVE = "/tmp/bench-raw.tar.zst";

/**
 * Installs the 2-unit set `bench` and fills its volume with `sizeMiB`:
 * half random (incompressible), half text, in 64 MiB files.
 */
export async function prepare(host: Host, sizeMiB: number): Promise<void> {
  await writeBenchSet(host);
  await timeIn(host, "leger install /home/alice/bench --name bench --yes");
  const files: string[] = [];
  for (let i = 0; i * 64 < sizeMiB; i++) {
    const each = Math.min(64, sizeMiB - i * 64);
    const f = `"$m/part-${String(i).padStart(2, "0")}.bin"`;
    files.push(
      i % 2 === 0
        ? `head -c ${each}M /dev/urandom > ${f}`
        : `yes 'leger backup benchmark line' | head -c ${each}M > ${f}`,
    );
  }
  await timeIn(host, `m=$(podman volume inspect --format '{{.Mountpoint}}' ${VOLUME}) && ${files.join(" && ")}`);
}

/** The backup and restore rows for a volume of `sizeMiB`. */
export async function benchBackup(host: Host, n: number, sizeMiB: number): Promise<Row[]> {
  await prepare(host, sizeMiB);
  const backups: Array<{ ms: number; bytes: number }> = [];
  const live: Array<{ ms: number; bytes: number }> = [];
  const restores: Array<{ ms: number; bytes: number }> = [];
  const rawBackup: number[] = [], rawRestore: number[] = [];
  const outages: Outage[] = [], restarts: Outage[] = [];
  for (let i = 0; i < n; i++) {
    rawBackup.push(await timeIn(host, `podman volume export ${VOLUME} | zstd -q -c -T0 > ${RAW_ARCHIVE}`));
    backups.push(await peakIn(host, "leger backup bench --yes"));
    outages.push(await lastOutage(host));
    restarts.push(await restartOutage(host));
    live.push(await peakIn(host, "leger backup bench --live --yes")); // as the raw pipeline: no stop and start
    rawRestore.push(await timeIn(host, `zstd -q -d -c ${RAW_ARCHIVE} | podman volume import ${VOLUME} -`));
    restores.push(await peakIn(host, "leger restore bench --yes"));
  }
  const size = `${sizeMiB} MiB`;
  const peak = (xs: Array<{ bytes: number }>) =>
    `peak RSS ${(Math.max(...xs.map((x) => x.bytes)) / 1048576).toFixed(0)} MiB`;
  const b = median(backups.map((x) => x.ms)), r = median(restores.map((x) => x.ms)), l = median(live.map((x) => x.ms));
  const bPeak = Math.max(...backups.map((x) => x.bytes)), rPeak = Math.max(...restores.map((x) => x.bytes));
  return [
    {
      what: `backup, ${size} volume (zstd)`,
      leger: { ms: b },
      raw: { figure: { ms: median(rawBackup) }, what: "podman volume export | zstd" },
      goal: "<= 1.2x, peak < 100 MiB",
      met: ratioMet({ ms: b }, { ms: median(rawBackup) }, 1.2) && bPeak < 100 * 1048576,
      note: peak(backups),
    },
    {
      what: `backup --live, ${size} volume (zstd)`,
      leger: { ms: l },
      raw: { figure: { ms: median(rawBackup) }, what: "podman volume export | zstd" },
      goal: "<= 1.2x, peak < 100 MiB",
      met: ratioMet({ ms: l }, { ms: median(rawBackup) }, 1.2) && Math.max(...live.map((x) => x.bytes)) < 100 * 1048576,
      note: peak(live),
    },
    downtimeRow("ext4", sizeMiB, { outages, restarts, total: backups.map((x) => x.ms) }),
    {
      what: `restore, ${size} volume (zstd)`,
      leger: { ms: r },
      raw: { figure: { ms: median(rawRestore) }, what: "zstd -d | podman volume import" },
      goal: "<= 1.5x, peak < 100 MiB",
      met: ratioMet({ ms: r }, { ms: median(rawRestore) }, 1.5) && rPeak < 100 * 1048576,
      note: peak(restores),
    },
  ];
}
