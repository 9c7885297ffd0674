// Builds tar archives byte by byte, so tests can hold what `tar` itself refuses to write.

/** One member of {@linkcode makeTar}. */
export interface FixtureMember {
  name: string;
  /** ustar type flag: "0" file (default), "1" hard link, "2" symlink, "3"/"4" devices, "5" folder. */
  type?: string;
  linkname?: string;
  data?: string | Uint8Array;
  /** Permission bits (default 0o644). */
  mode?: number;
}

function field(h: Uint8Array, at: number, len: number, text: string): void {
  h.set(new TextEncoder().encode(text).subarray(0, len), at);
}

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, "0");
}

/** PAX records (`LEN KEY=VALUE\n`, LEN counting bytes) as the body of an `x` or `g` header. */
export function paxBody(records: Array<[string, string]>): Uint8Array {
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  return new TextEncoder().encode(
    records.map(([k, v]) => {
      const rest = ` ${k}=${v}\n`;
      let len = bytes(rest) + 1;
      while (String(len).length + bytes(rest) !== len) len++;
      return `${len}${rest}`;
    }).join(""),
  );
}

/** A ustar archive of the members; `noEnd` leaves out the end marker. */
export function makeTar(members: FixtureMember[], options: { noEnd?: boolean } = {}): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const m of members) {
    const data = typeof m.data === "string" || m.data === undefined ? new TextEncoder().encode(m.data ?? "") : m.data;
    const h = new Uint8Array(512);
    field(h, 0, 100, m.name);
    field(h, 100, 8, octal(m.mode ?? 0o644, 8));
    field(h, 108, 8, octal(0, 8));
    field(h, 116, 8, octal(0, 8));
    field(h, 124, 12, octal(data.length, 12));
    field(h, 136, 12, octal(0, 12));
    field(h, 148, 8, "        ");
    field(h, 156, 1, m.type ?? "0");
    field(h, 157, 100, m.linkname ?? "");
    field(h, 257, 6, "ustar\0");
    field(h, 263, 2, "00");
    let sum = 0;
    for (const b of h) sum += b;
    field(h, 148, 8, octal(sum, 7) + "\0");
    blocks.push(h);
    if (data.length) {
      const body = new Uint8Array(Math.ceil(data.length / 512) * 512);
      body.set(data);
      blocks.push(body);
    }
  }
  if (!options.noEnd) blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
