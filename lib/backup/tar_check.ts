/**
 * Reading a backup archive's member list before anything is extracted
 * from it. The archive comes from a backup folder, which may have been
 * copied in from anywhere: its members must stay inside their target
 * (no absolute names, no `..`, no link that points out or that a later
 * member writes through), hold no device files, and the archive must be
 * whole (a header that does not add up or an early end is refused).
 *
 * The tar headers are parsed here (ustar, GNU long names, PAX), so the
 * check does not depend on how a `tar -tv` prints names with spaces,
 * newlines or arrows. Data blocks are skipped as they stream by; nothing
 * is kept in memory but the current header.
 *
 * PAX records are read as GNU tar reads them: on bytes (a record's length
 * counts bytes), each one whole, ending in a newline. A review showed that
 * reading them as decoded text let multi-byte characters hide a second
 * `path=` from the check while GNU tar extracted it. What the check cannot
 * read exactly as tar would is refused rather than guessed at: global
 * headers (they apply to every later member), records other than the ones
 * podman and GNU tar write, a key given twice, two extended headers for
 * one member, sparse files (`GNU.sparse.*` renames the member), a value
 * that is not UTF-8. Members that would grant privileges are refused too:
 * setuid and setgid files and file capabilities (`security.capability`),
 * which restore, as root, would recreate.
 *
 * @module
 */
import { posix } from "node:path";
import type { Shell } from "../host/shell.ts";
import { compressorArgv } from "./stream.ts";
import { lastLines, openFifoEnd, redirected, settle, withFifo } from "./fifo.ts";
import type { Compression } from "./info.ts";
import { paxRecords } from "./pax.ts";

/** What a member may be. */
export interface MemberRules {
  /**
   * When set, every member must be this one name or lie below it (a bind
   * mount archived as `tar -C parent base`). Else members are relative to
   * the archive's root (a volume).
   */
  top?: string;
}

/** One member as the header says. */
export interface TarMember {
  name: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "fifo" | "char" | "block" | "other";
  linkname: string;
  size: number;
  /** Permission bits with setuid, setgid and sticky (0o7777). */
  mode?: number;
  /** Extended attributes the member sets (names only). */
  xattrs?: string[];
}

const BLOCK = 512;
const EMPTY = new Uint8Array(0);
const dec = new TextDecoder();

function cstr(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return dec.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function octal(bytes: Uint8Array): number {
  if (bytes[0]! & 0x80) {
    // GNU base-256: big-endian binary in the remaining bytes.
    let n = 0;
    for (let i = 1; i < bytes.length; i++) n = n * 256 + bytes[i]!;
    return n;
  }
  const text = cstr(bytes).trim();
  if (!/^[0-7]*$/.test(text)) return NaN;
  return text ? parseInt(text, 8) : 0;
}

function checksumOk(h: Uint8Array): boolean {
  const stored = octal(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return stored === sum;
}

function typeOf(flag: string): TarMember["type"] {
  switch (flag) {
    case "0":
    case "\0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "3":
      return "char";
    case "4":
      return "block";
    case "5":
      return "dir";
    case "6":
      return "fifo";
    default:
      return "other";
  }
}

/** Reads bytes into `into`; the count read, or null at the end. */
export type Read = (into: Uint8Array) => Promise<number | null>;

/**
 * Reads fixed-size pieces from a source into one reused 64 KiB buffer:
 * skipping a member's data allocates nothing, so a large archive leaves no
 * garbage behind (a copy per chunk raised a restore's peak RSS by about
 * 100 MiB for a 256 MiB volume).
 */
class Blocks {
  /** Unread bytes: a view of `chunk`, or a copy of its leftover joined to the next read. */
  private buf = new Uint8Array(0);
  private readonly chunk = new Uint8Array(1 << 16);
  private done = false;
  /** Bytes taken or skipped so far: the offset in the stream of the next unread byte. */
  consumed = 0;
  constructor(private read: Read) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const rest = this.buf.length ? this.buf.slice() : EMPTY; // the next read reuses `chunk`, which `buf` may view
      const got = await this.read(this.chunk);
      if (got === null) {
        this.done = true;
        this.buf = rest;
      } else if (rest.length === 0) {
        this.buf = this.chunk.subarray(0, got);
      } else {
        const next = new Uint8Array(rest.length + got);
        next.set(rest);
        next.set(this.chunk.subarray(0, got), rest.length);
        this.buf = next;
      }
    }
    return this.buf.length >= n;
  }

  /** The next n bytes (a copy), or undefined when the source ends first. */
  async take(n: number): Promise<Uint8Array | undefined> {
    if (!(await this.fill(n))) return undefined;
    const out = this.buf.slice(0, n);
    this.buf = this.buf.subarray(n);
    this.consumed += n;
    return out;
  }

  /** Skips n bytes; false when the source ends first. */
  async skip(n: number): Promise<boolean> {
    while (n > 0) {
      if (this.buf.length === 0 && !(await this.fill(1))) return false;
      const k = Math.min(n, this.buf.length);
      this.buf = this.buf.subarray(k);
      this.consumed += k;
      n -= k;
    }
    return true;
  }

  /** Reads to the end, so a writer (the decompressor) finishes normally instead of being cut off. */
  async drain(): Promise<void> {
    this.buf = new Uint8Array(0);
    try {
      while (!this.done) if ((await this.read(this.chunk)) === null) this.done = true;
    } catch { /* the source failed: nothing left to read */ }
  }
}

/** A stream as a {@linkcode Read}: each chunk is copied into the reader's buffer. */
function readOfStream(reader: ReadableStreamDefaultReader<Uint8Array>): Read {
  let pending: Uint8Array = new Uint8Array(0);
  return async (into) => {
    while (pending.length === 0) {
      const r = await reader.read();
      if (r.done) return null;
      pending = r.value;
    }
    const n = Math.min(into.length, pending.length);
    into.set(pending.subarray(0, n));
    pending = pending.subarray(n);
    return n;
  };
}

/** Lists the members of a tar stream; throws an Error naming what is wrong with the archive itself. */
export async function* tarMembers(stream: ReadableStream<Uint8Array>): AsyncGenerator<TarMember> {
  const reader = stream.getReader();
  try {
    yield* membersOf(readOfStream(reader));
  } finally {
    reader.releaseLock();
  }
}

/** Lists the members of what `read` reads; reads it to the end in every case. */
async function* membersOf(read: Read): AsyncGenerator<TarMember> {
  for await (const e of entriesOf(read)) if (e.member) yield e.member;
}

/**
 * One step of a tar stream: a member with `end`, the offset just past its
 * data (every byte of the stream before `end` belongs to this member or an
 * earlier one); or, with no member, the end-of-archive marker at `end`.
 */
export interface TarEntry {
  member?: TarMember;
  end: number;
}

/**
 * The members of what `read` reads, with where each one ends, then the
 * end marker; reads the stream to the end in every case (a consumer that
 * stops early still lets the decompressor finish). Throws an Error naming
 * what is wrong with the archive itself.
 */
export async function* entriesOf(read: Read): AsyncGenerator<TarEntry> {
  const blocks = new Blocks(read);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> | undefined;
  try {
    while (true) {
      const h = await blocks.take(BLOCK);
      if (!h) throw new Error("the archive is truncated (it ends without its end marker)");
      if (h.every((b) => b === 0)) {
        yield { end: blocks.consumed - BLOCK };
        // End of archive. Read the padding to the end, so the decompressor is not cut off mid-write.
        while (await blocks.skip(BLOCK));
        return;
      }
      if (!checksumOk(h)) throw new Error("the archive is damaged or truncated (a header's checksum does not match)");
      const flag = String.fromCharCode(h[156]!);
      const size = octal(h.subarray(124, 136));
      if (!Number.isFinite(size) || size < 0) throw new Error("the archive is damaged (a size is not a number)");
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (flag === "g") {
        throw new Error("the archive holds a PAX global header (refused: it would apply to every member)");
      }
      if (flag === "L" || flag === "K" || flag === "x") {
        if (size > 1 << 20) throw new Error("the archive is damaged (an extended header is too large)");
        const body = await blocks.take(padded);
        if (!body) throw new Error("the archive is truncated (it ends inside a header)");
        if (
          (flag === "L" && longName !== undefined) || (flag === "K" && longLink !== undefined) || (flag === "x" && pax)
        ) {
          throw new Error("the archive gives one member two extended headers of a kind");
        }
        const text = dec.decode(body.subarray(0, size));
        if (flag === "L") longName = text.replace(/\0+$/, "");
        else if (flag === "K") longLink = text.replace(/\0+$/, "");
        else pax = paxRecords(body.subarray(0, size));
        continue;
      }
      const ustar = cstr(h.subarray(257, 263)).startsWith("ustar");
      const prefix = ustar ? cstr(h.subarray(345, 500)) : "";
      const base = cstr(h.subarray(0, 100));
      const attrs = pax ?? {};
      const name = attrs.path ?? longName ?? (prefix ? `${prefix}/${base}` : base);
      const linkname = attrs.linkpath ?? longLink ?? cstr(h.subarray(157, 257));
      const realSize = attrs.size !== undefined ? Number(attrs.size) : size;
      if (!Number.isSafeInteger(realSize) || realSize < 0 || (attrs.size !== undefined && !/^\d+$/.test(attrs.size))) {
        throw new Error("the archive is damaged (a PAX size is not a number)");
      }
      longName = longLink = pax = undefined;
      const type = typeOf(flag);
      const dataBytes = type === "file" || type === "other" ? Math.ceil(realSize / BLOCK) * BLOCK : 0;
      const mode = octal(h.subarray(100, 108));
      const xattrs = Object.keys(attrs).filter((k) => k.includes(".xattr.")).map((k) => k.replace(/^.*?\.xattr\./, ""));
      const member = { name, type, linkname, size: realSize, mode: Number.isFinite(mode) ? mode & 0o7777 : 0, xattrs };
      yield { member, end: blocks.consumed + dataBytes };
      if (!(await blocks.skip(dataBytes))) throw new Error(`the archive is truncated (it ends inside ${name})`);
    }
  } finally {
    // Read to the end rather than cancel: the decompressor then exits normally, and a piped
    // child's stream must not be cancelled under it.
    await blocks.drain();
  }
}

/** Why a member may not be extracted, or undefined when it may. */
export function memberProblem(m: TarMember, rules: MemberRules, links: Set<string>): string | undefined {
  const raw = m.name;
  if (raw.includes("\0")) return `${JSON.stringify(raw)} has a NUL byte in its name`;
  if (raw.startsWith("/")) return `${JSON.stringify(raw)} is an absolute name`;
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return `${JSON.stringify(raw)} climbs out with ".."`;
  if (rules.top !== undefined && segments.length > 0 && segments[0] !== rules.top) {
    return `${JSON.stringify(raw)} is not inside ${JSON.stringify(rules.top)}, the folder this archive restores`;
  }
  if (rules.top !== undefined && segments.length === 0) return `${JSON.stringify(raw)} is the archive's root`;
  for (let i = 1; i < segments.length; i++) {
    const parent = segments.slice(0, i).join("/");
    if (links.has(parent)) return `${JSON.stringify(raw)} would be written through the link ${JSON.stringify(parent)}`;
  }
  const path = segments.join("/");
  if (m.type === "char" || m.type === "block") return `${JSON.stringify(raw)} is a device file`;
  if (m.type !== "dir" && ((m.mode ?? 0) & 0o6000) !== 0) {
    return `${JSON.stringify(raw)} is setuid or setgid (a restore as root would grant its privileges)`;
  }
  if ((m.xattrs ?? []).includes("security.capability")) {
    return `${JSON.stringify(raw)} carries file capabilities (security.capability)`;
  }
  if (m.type === "other") return `${JSON.stringify(raw)} is of a kind leger does not restore`;
  if (m.type === "symlink") {
    if (m.linkname.startsWith("/")) {
      return `${JSON.stringify(raw)} is a link to the absolute path ${JSON.stringify(m.linkname)} (out of its folder)`;
    }
    const to = posix.normalize(posix.join(posix.dirname(path), m.linkname));
    if (to === ".." || to.startsWith("../")) return `${JSON.stringify(raw)} is a link out of its folder`;
    if (rules.top !== undefined && to.split("/")[0] !== rules.top) {
      return `${JSON.stringify(raw)} is a link out of ${JSON.stringify(rules.top)}`;
    }
    links.add(path);
  }
  if (m.type === "hardlink") {
    const target = m.linkname;
    const t = target.split("/").filter((s) => s !== "" && s !== ".");
    if (target.startsWith("/") || t.includes("..") || (rules.top !== undefined && t[0] !== rules.top)) {
      return `${JSON.stringify(raw)} is a hard link to ${JSON.stringify(target)}, out of its folder`;
    }
  }
  return undefined;
}

/** Checks every member of a tar stream; returns the problems (empty: safe to extract). */
export function checkTarStream(stream: ReadableStream<Uint8Array>, rules: MemberRules): Promise<string[]> {
  return checkMembers(tarMembers(stream), rules);
}

async function checkMembers(members: AsyncGenerator<TarMember>, rules: MemberRules): Promise<string[]> {
  const problems: string[] = [];
  const links = new Set<string>();
  try {
    for await (const m of members) {
      const p = memberProblem(m, rules, links);
      if (p) problems.push(p);
      if (problems.length >= 5) break;
    }
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}

/**
 * Checks the members of an archive file (decompressed on the fly); the
 * problems found, empty when every member may be extracted.
 */
export async function checkArchive(
  $: Shell,
  path: string,
  compression: Compression,
  rules: MemberRules,
): Promise<string[]> {
  const unzip = compressorArgv(compression, true);
  if (!unzip) {
    using file = await Deno.open(path, { read: true });
    return await checkMembers(membersOf((into) => file.read(into)), rules);
  }
  // The decompressor writes a FIFO that leger reads into one buffer (a piped stdout gives a new chunk per read).
  return await withFifo($, async (fifo) => {
    const ended = settle(
      $`${redirected($, [...unzip, path], ">", fifo)}`.stdin("null").stdout("null").stderr("piped")
        .noThrow().spawn(),
    );
    const file = await openFifoEnd(fifo, "read", ended);
    let problems: string[] = [];
    if (file) {
      try {
        problems = await checkMembers(membersOf((into) => file.read(into)), rules);
      } finally {
        file.close();
      }
    }
    const r = await ended;
    // The decompressor's own words first: a missing or damaged file also looks like a tar cut short.
    if (r.code !== 0) problems.unshift(`${unzip[0]} could not read it: ${lastLines(r.stderr) || `exit ${r.code}`}`);
    return problems;
  });
}
