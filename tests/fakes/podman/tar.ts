/**
 * Just enough ustar for `podman volume export/import`: regular files and
 * folders of a volume's `_data` folder, written and read synchronously.
 *
 * @module
 */
import { dirname, join } from "node:path";

const enc = new TextEncoder();
const dec = new TextDecoder();

function header(name: string, size: number, type: "0" | "5", mode: number): Uint8Array {
  const h = new Uint8Array(512);
  const put = (text: string, at: number, len: number) => h.set(enc.encode(text).subarray(0, len), at);
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, "0") + "\0";
  let prefix = "";
  let short = name;
  if (enc.encode(name).length > 100) {
    const cut = name.lastIndexOf("/", 154);
    prefix = name.slice(0, cut);
    short = name.slice(cut + 1);
  }
  put(short, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  put("        ", 148, 8);
  put(type, 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put(prefix, 345, 155);
  const sum = h.reduce((s, b) => s + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

/** Packs the content of a folder into a tar (paths relative, `../`-less). */
export function packDir(dir: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const walk = (rel: string) => {
    const entries = [...Deno.readDirSync(join(dir, rel))].sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) {
        parts.push(header(name + "/", 0, "5", 0o755));
        walk(name);
      } else if (e.isFile) {
        const bytes = Deno.readFileSync(join(dir, name));
        parts.push(header(name, bytes.length, "0", 0o644), bytes);
        const pad = (512 - (bytes.length % 512)) % 512;
        if (pad) parts.push(new Uint8Array(pad));
      }
    }
  };
  walk("");
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Unpacks a tar into a folder, merging with what is there; refuses paths that leave it. */
export function unpackInto(tar: Uint8Array, dir: string): void {
  let at = 0;
  while (at + 512 <= tar.length) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const str = (from: number, len: number) => dec.decode(h.subarray(from, from + len)).replace(/\0.*$/s, "");
    const prefix = str(345, 155);
    const name = (prefix ? prefix + "/" : "") + str(0, 100);
    const size = parseInt(str(124, 12).trim() || "0", 8);
    const type = str(156, 1) || "0";
    if (Number.isNaN(size) || !/^[0-7 \0]*$/.test(str(148, 8))) throw new Error("invalid tar header");
    at += 512;
    const clean = name.replace(/^\.\//, "").replace(/\/$/, "");
    if (clean.split("/").includes("..") || clean.startsWith("/")) throw new Error(`unsafe path in tar: ${name}`);
    if (clean !== "" && clean !== ".") {
      const target = join(dir, clean);
      if (type === "5") Deno.mkdirSync(target, { recursive: true });
      else if (type === "0") {
        Deno.mkdirSync(dirname(target), { recursive: true });
        Deno.writeFileSync(target, tar.slice(at, at + size));
      }
    }
    at += Math.ceil(size / 512) * 512;
  }
}
