/**
 * Compose value forms read off the tree: lists that may be one string,
 * maps that may be `KEY=VALUE` lists, durations and byte sizes in
 * Compose's spelling, turned into what podman and systemd read.
 *
 * @module
 */
import { type Node, str } from "./tree.ts";

/** One entry of a map-or-list value (`environment`, `labels`, `sysctls`). */
export interface Pair {
  key: string;
  /** undefined: `KEY` without a value (list form) or `KEY:` with null. */
  value: string | undefined;
  line: number;
}

/** A string or a list of strings (`dns`, `tmpfs`, `env_file` short form); other items are left to `bad`. */
export function strings(node: Node | undefined, bad: (line: number) => void): Array<{ value: string; line: number }> {
  if (!node) return [];
  if (node.kind === "scalar") {
    const v = str(node);
    return v === undefined ? [] : [{ value: v, line: node.line }];
  }
  if (node.kind === "seq") {
    const out: Array<{ value: string; line: number }> = [];
    for (const item of node.items) {
      const v = str(item);
      if (v === undefined) bad(item.line);
      else out.push({ value: v, line: item.line });
    }
    return out;
  }
  bad(node.line);
  return [];
}

/** A mapping or a `KEY=VALUE` list, in order. */
export function pairs(node: Node | undefined, bad: (line: number) => void): Pair[] {
  if (!node) return [];
  if (node.kind === "map") {
    return [...node.entries].map(([key, v]) => {
      if (v.kind !== "scalar") bad(v.line);
      return { key, value: str(v), line: v.line };
    });
  }
  if (node.kind === "seq") {
    const out: Pair[] = [];
    for (const item of node.items) {
      const s = str(item);
      if (s === undefined) {
        bad(item.line);
        continue;
      }
      const eq = s.indexOf("=");
      out.push(
        eq < 0 ? { key: s, value: undefined, line: item.line } : {
          key: s.slice(0, eq),
          value: s.slice(eq + 1),
          line: item.line,
        },
      );
    }
    return out;
  }
  bad(node.line);
  return [];
}

const DURATION_PART = /(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { us: 0.001, "µs": 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Compose duration (`1m30s`, `10s`, `500ms`; a bare number is seconds) in milliseconds, or undefined. */
export function durationMs(value: string | number): number | undefined {
  if (typeof value === "number") return value >= 0 ? value * 1000 : undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (!/^((\d+(\.\d+)?)(us|µs|ms|s|m|h))+$/.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(DURATION_PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** Milliseconds as a Go duration podman reads (`1m30s`, `500ms`). */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 1000 !== 0) return `${Math.round(ms)}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
}

/** A Compose byte size (`64m`, `1gb`, `512`) in podman's spelling (`64m`, `1g`, `512`), or undefined. */
export function byteSize(value: string | number): string | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? String(value) : undefined;
  const m = /^(\d+)\s*([bkmg])?b?$/i.exec(value.trim());
  if (!m) return undefined;
  return `${m[1]}${(m[2] ?? "").toLowerCase().replace("b", "")}`;
}

/** A byte size in bytes (for checks and sums). */
export function bytesOf(size: string): number {
  const m = /^(\d+)([kmg])?$/.exec(size);
  if (!m) return NaN;
  return Number(m[1]) * ({ k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2] as "k"] ?? 1);
}

/** A Compose boolean (YAML true/false, or the strings "true"/"false"). */
export function bool(node: Node | undefined): boolean | undefined {
  if (!node || node.kind !== "scalar") return undefined;
  if (typeof node.value === "boolean") return node.value;
  if (node.value === "true") return true;
  if (node.value === "false") return false;
  return undefined;
}

/**
 * A command in Compose's string form split into words as Compose does
 * (shell-like quoting, no shell): `a "b c" 'd'` is three words.
 */
export function shellWords(text: string): string[] | undefined {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) return undefined;
  if (inWord) out.push(cur);
  return out;
}
