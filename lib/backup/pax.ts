/**
 * PAX extended headers (POSIX.1-2001 `x` records) as GNU tar reads them:
 * on bytes, one `LEN KEY=VALUE\n` record after another, LEN counting the
 * record's bytes. What leger's archive check (lib/backup/tar_check.ts)
 * cannot read exactly as tar would is refused instead of guessed at.
 *
 * @module
 */

const dec = new TextDecoder();
const strict = new TextDecoder("utf-8", { fatal: true });

/** PAX keys podman (Go's archive/tar) and GNU tar write for plain members; anything else is refused. */
const PAX_KEYS = new Set(["path", "linkpath", "size", "uid", "gid", "uname", "gname", "mtime", "atime", "ctime"]);
const PAX_PREFIXES = ["SCHILY.xattr.", "LIBARCHIVE.xattr.", "SCHILY.acl."];

/**
 * Parses the records of a PAX extended header (`LEN KEY=VALUE\n`, LEN
 * counting bytes, the record included) from its bytes; throws on a record
 * that does not add up, a key given twice, a key outside what leger reads,
 * or a value that is not UTF-8.
 */
export function paxRecords(body: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < body.length) {
    if (body[at] === 0 && body.subarray(at).every((b) => b === 0)) break; // the block's padding
    const space = body.indexOf(0x20, at);
    const digits = space < 0 ? "" : dec.decode(body.subarray(at, space));
    if (!/^[1-9][0-9]{0,7}$/.test(digits)) throw new Error("the archive is damaged (a PAX record has no length)");
    const end = at + Number(digits);
    if (end > body.length || end <= space + 1 || body[end - 1] !== 0x0a) {
      throw new Error("the archive is damaged (a PAX record's length does not match its bytes)");
    }
    const record = body.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new Error("the archive is damaged (a PAX record has no key)");
    let key: string, value: string;
    try {
      key = strict.decode(record.subarray(0, eq));
      value = strict.decode(record.subarray(eq + 1));
    } catch {
      throw new Error("the archive holds a PAX record that is not UTF-8 (refused: it might be read two ways)");
    }
    if (!PAX_KEYS.has(key) && !PAX_PREFIXES.some((p) => key.startsWith(p))) {
      throw new Error(`the archive holds the PAX record ${JSON.stringify(key)}, which leger does not restore`);
    }
    if (Object.hasOwn(out, key)) throw new Error(`the archive gives the PAX record ${JSON.stringify(key)} twice`);
    out[key] = value;
    at = end;
  }
  return out;
}
