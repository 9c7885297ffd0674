/**
 * Importing an archive whose members are checked on the way in, in one
 * read of it: the decompressor writes a FIFO that leger reads, each
 * member's headers are checked as lib/backup/tar_check.ts checks a whole
 * archive (the same rules, the same parser), and only then are that
 * member's headers and data passed on through a second FIFO to the
 * consumer (`podman volume import NAME FIFO`). No byte of a member reaches
 * the consumer before the member passed: bytes read ahead of the check
 * wait in leger (at most one read and one extended header).
 *
 * On the first problem nothing more is passed on, the consumer is killed
 * before its input ends, and the import fails naming the problems (up to
 * five, read from the rest of the stream). The consumer may by then have
 * written the members that passed: a caller uses this only where that
 * target is thrown away on failure (a restore that moved the current data
 * aside recreates the volume and puts its old folder back:
 * lib/ops/backup/cow/aside.ts). Elsewhere the archive is checked whole
 * before anything is extracted (lib/ops/backup/trust.ts).
 *
 * This replaces a separate `zstd -d` pass over the archive before the
 * import (about a third of a 1 GiB restore on the test host): the
 * decompressed bytes now pass through leger once, where the check read
 * them anyway.
 *
 * @module
 */
import { LegerError } from "../../core/errors.ts";
import type { Shell } from "../../host/shell.ts";
import { closeQuietly, lastLines, openFifoEnd, redirected, settle, type Settled, withFifo } from "../fifo.ts";
import type { Compression } from "../info.ts";
import { compressorArgv } from "../stream.ts";
import { entriesOf, memberProblem, type MemberRules, type Read } from "../tar_check.ts";

/** The problems found in an archive's members: the import was stopped, the target holds only members that passed. */
export class UnsafeArchiveError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

/**
 * Passes bytes on up to an allowed offset and holds the rest (copied: the
 * reader reuses its buffer) until the check allows more.
 */
class Gate {
  private received = 0;
  private written = 0;
  private allowed = 0;
  private held: Uint8Array[] = [];
  closed = false;
  /** The write that failed (the consumer went away): nothing more is passed on. */
  broken: Error | undefined;
  constructor(private out: Deno.FsFile, private onBroken: () => void) {}

  /** Bytes just read (at the stream's current end): passed on as far as allowed, the rest held. */
  async take(bytes: Uint8Array): Promise<void> {
    const start = this.received;
    this.received += bytes.length;
    if (this.closed) return;
    if (this.held.length === 0 && this.written === start) {
      const ok = Math.max(0, Math.min(bytes.length, this.allowed - start));
      if (ok > 0) await this.write(bytes.subarray(0, ok));
      if (ok < bytes.length) this.held.push(bytes.slice(ok));
      return;
    }
    this.held.push(bytes.slice());
  }

  /** Allows every byte before `offset` through. */
  async allow(offset: number): Promise<void> {
    this.allowed = Math.max(this.allowed, offset);
    while (!this.closed && this.held.length && this.written < this.allowed) {
      const first = this.held[0]!;
      const n = Math.min(first.length, this.allowed - this.written);
      await this.write(first.subarray(0, n));
      if (n === first.length) this.held.shift();
      else this.held[0] = first.subarray(n);
    }
  }

  /** Passes nothing more on (a problem was found): held bytes are dropped. */
  shut(): void {
    this.closed = true;
    this.held = [];
  }

  private async write(bytes: Uint8Array): Promise<void> {
    try {
      let off = 0;
      while (off < bytes.length) off += await this.out.write(bytes.subarray(off));
      this.written += bytes.length;
    } catch (error) {
      this.broken = error as Error;
      this.shut();
      this.onBroken();
    }
  }
}

/** Checks the tar stream `read` member by member, passing checked bytes to `gate`; the problems found. */
async function checkThrough(read: Read, gate: Gate, rules: MemberRules, onProblem: () => void): Promise<string[]> {
  const problems: string[] = [];
  const links = new Set<string>();
  const through: Read = async (into) => {
    const n = await read(into);
    if (n !== null) await gate.take(into.subarray(0, n));
    return n;
  };
  const fail = (p: string) => {
    if (problems.length === 0) {
      gate.shut();
      onProblem();
    }
    problems.push(p);
  };
  try {
    for await (const e of entriesOf(through)) {
      if (!e.member) {
        if (problems.length === 0) await gate.allow(Infinity); // the end marker: every member passed
        continue;
      }
      const p = memberProblem(e.member, rules, links);
      if (p) fail(p);
      else if (problems.length === 0) await gate.allow(e.end);
      if (problems.length >= 5) break;
    }
  } catch (error) {
    fail((error as Error).message);
  }
  return problems;
}

function kill(child: { kill(): void }): void {
  try {
    child.kill();
  } catch { /* already gone */ }
}

/**
 * Streams the archive `path` through the decompressor and the member
 * check into what `consumer(source)` reads (see the module notes). Throws
 * {@linkcode UnsafeArchiveError} when a member may not be extracted or the
 * archive is not whole, a LegerError naming `what` when a process fails.
 */
export async function importChecked(
  $: Shell,
  path: string,
  compression: Compression,
  rules: MemberRules,
  consumer: (source: string) => string[],
  what: string,
): Promise<void> {
  const unzip = compressorArgv(compression, true);
  const name = consumer("-").slice(0, 3).join(" ");
  await withFifo($, async (inFifo) => {
    const outFifo = `${inFifo}-out`;
    const mk = await $`mkfifo -m 600 ${outFifo}`.stdout("piped").stderr("piped").noThrow();
    if (mk.code !== 0) throw new LegerError(`Cannot make a pipe for ${what}: ${lastLines(mk.stderr)}`);
    const writer = unzip
      ? $`${redirected($, [...unzip, path], ">", inFifo)}`.stdin("null").stdout("null").stderr("piped").noThrow()
        .spawn()
      : undefined;
    const reader = $`${consumer(outFifo)}`.stdin("null").stdout("piped").stderr("piped").noThrow().spawn();
    const unzipped: Promise<Settled> = writer ? settle(writer) : Promise.resolve({ code: 0, stderr: "" });
    const consumed = settle(reader);
    let source: Deno.FsFile | undefined;
    let out: Deno.FsFile | undefined;
    let problems: string[] = [];
    let gate: Gate | undefined;
    try {
      source = unzip ? await openFifoEnd(inFifo, "read", unzipped) : await Deno.open(path, { read: true });
      out = await openFifoEnd(outFifo, "write", consumed);
      if (source && out) {
        // The consumer went away (a broken pipe): its own error says why; the rest need not be read.
        gate = new Gate(out, () => writer && kill(writer));
        const from = source;
        problems = await checkThrough((into) => from.read(into), gate, rules, () => kill(reader));
      }
    } finally {
      closeQuietly(out);
      closeQuietly(source);
    }
    if (!out) {
      // The consumer ended before opening its input: the decompressor may wait on its FIFO for a reader.
      if (writer) kill(writer);
    }
    const [first, sink] = await Promise.all([unzipped, consumed]);
    const broken = gate?.broken;
    const failed = () =>
      new LegerError(`Cannot ${what}: ${name} failed: ${lastLines(sink.stderr) || `exit ${sink.code}`}`, {
        details: { argv: consumer("-"), exitCode: sink.code },
      });
    if (broken || !out) throw failed();
    // The decompressor's own words first: a damaged file also looks like a tar cut short.
    if (unzip && first.code !== 0) {
      throw new UnsafeArchiveError([
        `${unzip[0]} could not read it: ${lastLines(first.stderr) || `exit ${first.code}`}`,
      ]);
    }
    if (problems.length) throw new UnsafeArchiveError(problems);
    if (sink.code !== 0) throw failed();
  });
}
