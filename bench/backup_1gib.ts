/**
 * Benchmark (a script, not a test): a 1 GiB volume through the streaming
 * code path of backup and restore (lib/backup/stream.ts: `podman volume
 * export` -> leger -> FIFO -> zstd -> leger -> file, hashed on the way;
 * file -> zstd -d -> FIFO -> `podman volume import NAME FIFO`), then a check that
 * every file came back identical.
 * Prints the time of each direction and the peak memory of leger's process.
 *
 *     deno run -A bench/backup_1gib.ts [--size-mib 1024] [--real-podman] [--compression zstd|gzip|none]
 *
 * Without --real-podman (or when podman is missing), `podman` is a small
 * script on PATH whose `volume export/import` run GNU tar on a folder, so
 * the bytes flow through real pipes exactly as with podman.
 *
 * @module
 */
import { join } from "node:path";
import { sha256File } from "../lib/core/fs.ts";
import { createShell } from "../lib/host/shell.ts";
import { streamFromFile, streamToFile } from "../lib/backup/stream.ts";
import type { Compression } from "../lib/backup/info.ts";

const args = Deno.args;
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const sizeMiB = Number(opt("--size-mib", "1024"));
const compression = opt("--compression", "zstd") as Compression;
const work = await Deno.makeTempDir({ prefix: "leger-bench-" });
const volumes = join(work, "volumes");
const bin = join(work, "bin");

const FAKE_PODMAN = `#!/bin/sh
# podman volume export/import/create/rm/ls over folders in $BENCH_VOLUMES
set -e
[ "$1" = volume ] || { echo "fake podman: only volume commands" >&2; exit 125; }
case "$2" in
  export) [ "$3" = --output ] && exec tar -C "$BENCH_VOLUMES/$5" -cf "$4" . ; exec tar -C "$BENCH_VOLUMES/$3" -cf - . ;;
  import) exec tar -C "$BENCH_VOLUMES/$3" -xpf "$4" ;;
  create) mkdir "$BENCH_VOLUMES/$3"; echo "$3" ;;
  rm) shift 2; [ "$1" = --force ] && shift; rm -rf "$BENCH_VOLUMES/$1"; echo "$1" ;;
  ls) ls "$BENCH_VOLUMES" ;;
  *) echo "fake podman: no volume $2" >&2; exit 125 ;;
esac
`;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, Deno.memoryUsage().rss)), 50);
const mib = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;
const hwm = async () => Number(/VmHWM:\s+(\d+) kB/.exec(await Deno.readTextFile("/proc/self/status"))?.[1] ?? 0) * 1024;

try {
  const realPodman = args.includes("--real-podman") && (await createShell().commandExists("podman"));
  const name = `leger-bench-${Date.now()}`;
  let $ = createShell();
  let src: string;
  if (realPodman) {
    await $`podman volume create ${name}`.quiet();
    src = (await $`podman volume inspect --format {{.Mountpoint}} ${name}`.text()).trim();
  } else {
    await Deno.mkdir(bin, { recursive: true });
    await Deno.writeTextFile(join(bin, "podman"), FAKE_PODMAN, { mode: 0o755 });
    await Deno.mkdir(join(volumes, name), { recursive: true });
    src = join(volumes, name);
    $ = createShell({ env: { PATH: `${bin}:${Deno.env.get("PATH")}`, BENCH_VOLUMES: volumes } });
  }
  console.log(
    `volume: ${name} (${
      realPodman ? "real podman" : "fake podman: tar over a folder"
    }), ${sizeMiB} MiB, ${compression}`,
  );

  // Half random (incompressible), half text (compressible), 64 MiB files.
  const files = Math.max(1, Math.ceil(sizeMiB / 64));
  for (let i = 0; i < files; i++) {
    const each = Math.min(64, sizeMiB - i * 64);
    const f = join(src, `part-${String(i).padStart(2, "0")}.bin`);
    const gen = i % 2 === 0
      ? `head -c ${each}M /dev/urandom > ${f}`
      : `yes 'leger backup benchmark line' | head -c ${each}M > ${f}`;
    await createShell()`sh -c ${gen}`;
  }
  const before = new Map<string, string>();
  for await (const e of Deno.readDir(src)) before.set(e.name, await sha256File(join(src, e.name)));
  const rssBefore = await hwm();

  const archive = join(work, `volume.tar${compression === "zstd" ? ".zst" : compression === "gzip" ? ".gz" : ""}`);
  let t = performance.now();
  const written = await streamToFile($, ["podman", "volume", "export", name], compression, archive, "bench export");
  const exportMs = performance.now() - t;
  const check = await sha256File(archive);
  if (check !== written.sha256) throw new Error("the archive's sha256 differs from the one computed while streaming");

  await $`podman volume rm --force ${name}`.quiet();
  await $`podman volume create ${name}`.quiet();
  if (realPodman) src = (await $`podman volume inspect --format {{.Mountpoint}} ${name}`.text()).trim();
  t = performance.now();
  await streamFromFile($, archive, compression, (from) => ["podman", "volume", "import", name, from], "bench import");
  const importMs = performance.now() - t;

  let same = 0;
  for await (const e of Deno.readDir(src)) if (before.get(e.name) === (await sha256File(join(src, e.name)))) same++;
  if (same !== before.size) throw new Error(`only ${same} of ${before.size} files came back identical`);
  if (realPodman) await $`podman volume rm --force ${name}`.quiet();

  clearInterval(sampler);
  const peak = Math.max(peakRss, await hwm());
  console.log(`archive: ${mib(written.sizeBytes)} (sha256 ${written.sha256.slice(0, 16)}...)`);
  console.log(
    `backup  (export -> ${compression} -> file): ${(exportMs / 1000).toFixed(1)} s, ${
      (sizeMiB / (exportMs / 1000)).toFixed(0)
    } MiB/s`,
  );
  console.log(
    `restore (file -> ${compression} -d -> import): ${(importMs / 1000).toFixed(1)} s, ${
      (sizeMiB / (importMs / 1000)).toFixed(0)
    } MiB/s`,
  );
  console.log(`all ${same} files identical after the round trip`);
  console.log(`peak RSS of leger's process: ${mib(peak)} (before streaming: ${mib(rssBefore)})`);
} finally {
  clearInterval(sampler);
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
