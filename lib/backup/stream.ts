/**
 * Streaming archives: a producer's stdout (`podman volume export NAME`,
 * `tar -cf -`) through a compressor into a file, hashed on the way; and
 * back: a file through the decompressor into what a consumer reads
 * (`podman volume import NAME FILE`, `tar -xf FILE`). Nothing is held in
 * memory whole, whatever the size (see bench/backup_1gib.ts).
 *
 * Why FIFOs: dax awaits each write when a process's stdout goes to a
 * WritableStream, so leger can read a process at the pace it writes; but
 * feeding a process's stdin from a stream is not held back by the child
 * (measured: a 1 GiB import piled up in memory). So leger never feeds a
 * process's stdin with bulk data: two processes share a FIFO (the kernel
 * makes the writer wait).
 *
 * @module
 */
import { sha256Growing } from "../core/fs.ts";
import type { Engine } from "../engine.ts";
import { LegerError } from "../core/errors.ts";
import type { Shell } from "../host/shell.ts";
import { type Child, lastLines, redirected, settle, type Settled, withFifo } from "./fifo.ts";
import type { Compression } from "./info.ts";

/** File name suffix of an archive. */
export function archiveSuffix(c: Compression): string {
  return c === "zstd" ? ".tar.zst" : c === "gzip" ? ".tar.gz" : ".tar";
}

/** Picks the compression from config `backup-compression` (auto: zstd when the host has it). */
export async function chooseCompression(engine: Engine): Promise<Compression> {
  const wanted = engine.config["backup-compression"];
  if (wanted === "none") return "none";
  if (wanted === "auto") {
    if (await engine.$.commandExists("zstd")) return "zstd";
    return (await engine.$.commandExists("gzip")) ? "gzip" : "none";
  }
  if (!(await engine.$.commandExists(wanted))) {
    throw new LegerError(`Cannot compress backups with ${wanted}: it is not installed`, {
      hint: `Install ${wanted}, or set backup-compression: auto in the config.`,
    });
  }
  return wanted;
}

/** The argv that compresses stdin to stdout, or decompresses with `decompress`. */
export function compressorArgv(c: Compression, decompress = false): string[] | undefined {
  if (c === "zstd") return decompress ? ["zstd", "-q", "-d", "-c"] : ["zstd", "-q", "-c", "-T0"];
  if (c === "gzip") return decompress ? ["gzip", "-d", "-c"] : ["gzip", "-c", "-6"];
  return undefined;
}

/** What {@linkcode streamToFile} wrote. */
export interface Written {
  sha256: string;
  sizeBytes: number;
}

function kill(child: Child): void {
  try {
    child.kill();
  } catch { /* already gone */ }
}

/**
 * Awaits two processes joined by a FIFO. When one fails, both are killed:
 * the other may wait on the FIFO forever, and a reader whose output could
 * not be written may still be alive.
 */
function both(
  writer: Child,
  reader: Child,
  readerDone: Promise<Settled> = settle(reader),
): Promise<[Settled, Settled]> {
  let failed = false;
  const stop = (r: Settled) => {
    if (r.code !== 0 && !failed) {
      failed = true;
      r.first = true;
      kill(writer);
      kill(reader);
    }
    return r;
  };
  return Promise.all([settle(writer).then(stop), readerDone.then(stop)]);
}

/**
 * Streams `producer`'s stdout (e.g. `podman volume export NAME`) through
 * the compressor into `path` (created 0600) and hashes what was written.
 * No byte passes through leger on its way to the file: the producer writes
 * a FIFO the compressor reads (the kernel holds a fast producer back) and
 * the compressor writes the file; leger hashes the file from the page
 * cache into one reused buffer as it grows (`sha256Growing`), so the hash
 * is ready when the compressor ends. Throws a
 * LegerError naming `what` when any stage fails (a non-zero exit, a write
 * error such as a full disk); the caller removes the partial file.
 */
export async function streamToFile(
  $: Shell,
  producer: string[],
  compression: Compression,
  path: string,
  what: string,
): Promise<Written> {
  (await Deno.open(path, { write: true, create: true, truncate: true, mode: 0o600 })).close();
  const zip = compressorArgv(compression);
  const pipeline = zip
    ? withFifo($, (fifo) => {
      const compress = ["sh", "-c", 'f=$1; o=$2; shift 2; exec "$@" < "$f" >> "$o"', "sh", fifo, path, ...zip];
      const reader = $`${compress}`.stdin("null").stdout("null").stderr("piped").noThrow().spawn();
      const writer = $`${redirected($, producer, ">", fifo)}`.stdin("null").stdout("null").stderr("piped").noThrow()
        .spawn();
      return both(writer, reader);
    })
    : settle(
      $`${redirected($, producer, ">>", path)}`.stdin("null").stdout("null").stderr("piped").noThrow().spawn(),
    ).then((r): [Settled, Settled] => [r, { code: 0, stderr: "" }]);
  // The archive is hashed as the compressor writes it; the hash counts only if every stage succeeded.
  const hashing = sha256Growing(path, pipeline);
  hashing.catch(() => {}); // awaited below, unless a stage failed: then the error is the stage's
  const [source, sink] = await pipeline;
  const full = [sink, source].find((r) => r.code !== 0 && DISK_FULL.test(r.stderr));
  if (full) {
    const said = DISK_FULL.exec(full.stderr)![0];
    throw new LegerError(`Cannot ${what}: writing ${path} failed: ${said}`, {
      hint: "Free space where backups are kept, or set backup-dir in the config to a bigger disk.",
    });
  }
  check(source, sink, producer, zip, what);
  const sha256 = await hashing;
  return { sha256, sizeBytes: (await Deno.stat(path)).size };
}

/** What a full or read-only disk makes a writer say. */
const DISK_FULL = /No space left on device|Disk quota exceeded|Read-only file system/;

/** Throws the error of the stage that failed first: the compressor, or the producer. */
function check(source: Settled, sink: Settled, producer: string[], zip: string[] | undefined, what: string): void {
  if (sink.code !== 0 && (sink.first || source.code === 0)) {
    throw new LegerError(`Cannot ${what}: ${zip![0]} failed: ${lastLines(sink.stderr) || `exit ${sink.code}`}`);
  }
  if (source.code !== 0) {
    throw new LegerError(
      `Cannot ${what}: ${producer.slice(0, 3).join(" ")} failed: ${lastLines(source.stderr) || `exit ${source.code}`}`,
      { details: { argv: producer, exitCode: source.code } },
    );
  }
}

/**
 * Streams the archive `path` through the decompressor into what
 * `consumer(source)` reads (e.g. \`podman volume import NAME SOURCE\`).
 * The decompressor writes a FIFO the consumer reads: no byte passes
 * through leger. Throws a LegerError naming `what` when any stage fails.
 */
export async function streamFromFile(
  $: Shell,
  path: string,
  compression: Compression,
  consumer: (source: string) => string[],
  what: string,
): Promise<void> {
  const unzip = compressorArgv(compression, true);
  const name = consumer("-").slice(0, 3).join(" ");
  const fail = (r: Settled) =>
    new LegerError(`Cannot ${what}: ${name} failed: ${lastLines(r.stderr) || `exit ${r.code}`}`, {
      details: { argv: consumer("-"), exitCode: r.code },
    });
  if (!unzip) {
    const r = await settle($`${consumer(path)}`.stdin("null").stdout("piped").stderr("piped").noThrow().spawn());
    if (r.code !== 0) throw fail(r);
    return;
  }
  const [first, sink] = await withFifo($, (fifo) => {
    const writer = $`${redirected($, [...unzip, path], ">", fifo)}`.stdin("null").stdout("null").stderr("piped")
      .noThrow().spawn();
    const reader = $`${consumer(fifo)}`.stdin("null").stdout("piped").stderr("piped").noThrow().spawn();
    return both(writer, reader);
  });
  const unzipError = () =>
    new LegerError(
      `Cannot ${what}: ${unzip[0]} could not read ${path}: ${lastLines(first.stderr) || `exit ${first.code}`}`,
    );
  // A consumer that took the whole archive may close its end before the decompressor wrote its last bytes: tar
  // stops at the end-of-archive blocks and leaves the rest of the record unread, and the decompressor dies of
  // SIGPIPE (exit 141). The consumer's success is the restore's; a truncated archive fails the consumer.
  if (first.code === 141 && sink.code === 0) return;
  // A damaged archive is the decompressor's fault even when the consumer then chokes on the rest.
  if (
    first.code !== 0 && (first.first || sink.code === 0 || (first.stderr.trim() && !/broken pipe/i.test(first.stderr)))
  ) throw unzipError();
  if (sink.code !== 0) throw fail(sink);
}
