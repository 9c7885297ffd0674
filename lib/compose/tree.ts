/**
 * A Compose file read as a tree whose every node knows its line: what
 * the mappers report against. Aliases and merge keys (`<<`) are resolved
 * as Compose resolves them (explicit keys win over merged ones, earlier
 * merged maps over later ones), `!reset` removes a value and `!override`
 * keeps it, and every string is interpolated on the way in (see
 * interpolate.ts). Hostile input is bounded: the file's size, the nodes
 * aliases may expand to (a "billion laughs" file) and the nesting depth.
 *
 * @module
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node as YamlNode,
  parseDocument,
} from "yaml";
import { ExitCode, LegerError } from "../core/errors.ts";

/** A scalar: the YAML value after interpolation. */
export interface ScalarNode {
  kind: "scalar";
  line: number;
  value: string | number | boolean | null;
}
/** A mapping, in file order. */
export interface MapNode {
  kind: "map";
  line: number;
  entries: Map<string, Node>;
}
/** A sequence. */
export interface SeqNode {
  kind: "seq";
  line: number;
  items: Node[];
}
/** One node of the tree. */
export type Node = ScalarNode | MapNode | SeqNode;

/** Largest Compose file leger reads (real ones are a few KiB). */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Most nodes a file may expand to through aliases. */
export const MAX_NODES = 100_000;
const MAX_DEPTH = 64;

/** Turns one string with its line into its final value (interpolation). */
export type StringHook = (value: string, line: number) => string;

/** An import failure that names the file and line (exit code 3: nothing was written). */
export function inputError(file: string, line: number, message: string, hint?: string): LegerError {
  return new LegerError(`Cannot import ${file}:${line}: ${message}`, {
    exitCode: ExitCode.invalid,
    ...(hint ? { hint } : {}),
  });
}

/** Reads a Compose file from disk: a regular file, at most {@linkcode MAX_FILE_BYTES}. */
export async function readComposeText(path: string, shown: string): Promise<string> {
  const info = await Deno.stat(path);
  if (!info.isFile) throw inputError(shown, 1, "not a regular file");
  if (info.size > MAX_FILE_BYTES) {
    throw inputError(
      shown,
      1,
      `the file is ${info.size} bytes; Compose files are read up to ${MAX_FILE_BYTES} bytes`,
      "A real Compose file is a few KiB: check that this is the file you meant.",
    );
  }
  const bytes = await Deno.readFile(path);
  if (bytes.length > MAX_FILE_BYTES) throw inputError(shown, 1, "the file grew past the size limit while read");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw inputError(shown, 1, "the file is not UTF-8 text");
  }
}

/** Parses Compose YAML into a located tree, running `hook` on every string scalar. */
export function parseTree(text: string, file: string, hook: StringHook): MapNode {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, merge: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => counter.linePos(offset ?? 0).line;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw inputError(file, lineOf(e.pos[0]), `not valid YAML: ${e.message.split("\n")[0]}`);
  }
  if (!isMap(doc.contents)) {
    throw inputError(file, lineOf(doc.contents?.range?.[0]), "a Compose file is a mapping (services:, volumes:, ...)");
  }
  let count = 0;
  const convert = (node: unknown, depth: number): Node | undefined => {
    if (++count > MAX_NODES) {
      throw inputError(
        file,
        lineOf((node as YamlNode | undefined)?.range?.[0]),
        `the file expands to more than ${MAX_NODES} values through YAML aliases`,
        "An alias that refers to aliases many times over is a known attack (billion laughs); write the values out.",
      );
    }
    if (depth > MAX_DEPTH) {
      throw inputError(file, lineOf((node as YamlNode | undefined)?.range?.[0]), "values nest too deeply");
    }
    if (isAlias(node)) {
      const target = node.resolve(doc as Document);
      if (!target) throw inputError(file, lineOf(node.range?.[0]), `alias *${node.source} has no anchor`);
      return convert(target, depth + 1);
    }
    const line = lineOf((node as YamlNode | undefined)?.range?.[0]);
    const tag = (node as { tag?: string } | undefined)?.tag;
    if (tag === "!reset") return undefined;
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === "string") return { kind: "scalar", line, value: hook(v, line) };
      if (typeof v === "number" && node.range) {
        // Compose's YAML reader takes a leading zero as octal (file modes such as 0440).
        const src = text.slice(node.range[0], node.range[1]);
        if (/^0[0-7]+$/.test(src)) return { kind: "scalar", line, value: parseInt(src, 8) };
      }
      if (v === null || typeof v === "number" || typeof v === "boolean") return { kind: "scalar", line, value: v };
      return { kind: "scalar", line, value: String(v) };
    }
    if (isSeq(node)) {
      const items: Node[] = [];
      for (const item of node.items) {
        const n = convert(item, depth + 1);
        if (n) items.push(n);
      }
      return { kind: "seq", line, items };
    }
    if (isMap(node)) {
      const entries = new Map<string, Node>();
      const merged: MapNode[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        const keyLine = lineOf((key as YamlNode | undefined)?.range?.[0]);
        if (isScalar(key) && key.value === "<<" && key.type === "PLAIN") {
          const value = convert(pair.value, depth + 1);
          const sources = value?.kind === "seq" ? value.items : value ? [value] : [];
          for (const s of sources) {
            if (s.kind !== "map") throw inputError(file, keyLine, "a merge key (<<) takes a mapping or a list of them");
            merged.push(s);
          }
          continue;
        }
        if (!isScalar(key) || key.value === null || typeof key.value === "object") {
          throw inputError(file, keyLine, "keys must be plain strings");
        }
        const name = String(key.value);
        const value = pair.value === null
          ? { kind: "scalar" as const, line: keyLine, value: null }
          : convert(pair.value, depth + 1);
        if (value) entries.set(name, value);
        else if ((pair.value as { tag?: string } | null)?.tag === "!reset") entries.delete(name);
      }
      for (const m of merged) {
        for (const [k, v] of m.entries) if (!entries.has(k) && !hasResetKey(node, k)) entries.set(k, v);
      }
      return { kind: "map", line, entries };
    }
    if (node === null || node === undefined) return { kind: "scalar", line, value: null };
    throw inputError(file, line, "unexpected YAML node");
  };
  return convert(doc.contents, 0) as MapNode;
}

function hasResetKey(map: unknown, key: string): boolean {
  if (!isMap(map)) return false;
  return map.items.some((p) =>
    isPair(p) && isScalar(p.key) && String(p.key.value) === key &&
    (p.value as { tag?: string } | null)?.tag === "!reset"
  );
}

/** The scalar's value as a string (numbers and booleans written as YAML writes them), undefined for null. */
export function str(node: Node | undefined): string | undefined {
  if (!node || node.kind !== "scalar" || node.value === null) return undefined;
  return String(node.value);
}

/** The entries of a map node ([] for anything else). */
export function entriesOf(node: Node | undefined): Array<[string, Node]> {
  return node?.kind === "map" ? [...node.entries] : [];
}
