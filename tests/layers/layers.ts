/**
 * The layer check: reads every import of the product code and finds the
 * import circles and the imports that point up the layer map.
 *
 * The map is the fenced block marked `layers` in docs/ARCHITECTURE.md, so
 * the document and the check cannot disagree. One layer per line, the top
 * first; a path ending in `/` is a folder, anything else one file, and a
 * file is on the layer of the longest path that covers it. A module may
 * import from its own layer and the layers below it. After the path:
 *
 * - `only via A, B`: no file outside the layer imports it, except A, B
 *   (`; types via C`: C may name its types, with `import type`);
 * - a line `allow FROM -> TO  # why` lets one upward import stand.
 *
 * `#` starts a comment. Every import counts, `import type` and `import()`
 * too: a circle of types is still a circle in the design.
 *
 * @module
 */
import { dirname, join, normalize } from "node:path";
import { type ImportRef, readImports } from "../helpers/imports.ts";

/** One layer of the map. */
export interface Layer {
  path: string;
  /** 1-based line in the map. */
  line: number;
  /** Who may import it from outside (undefined: anyone above). */
  onlyVia?: string[];
  /** Who may name its types from outside. */
  typesVia?: string[];
}

/** The parsed map. */
export interface LayerMap {
  layers: Layer[];
  allow: Array<{ from: string; to: string; why: string }>;
}

/** Reads the map from a document: the block fenced with ```layers. */
export function mapFromMarkdown(markdown: string): LayerMap {
  const m = /^```layers\n([\s\S]*?)^```/m.exec(markdown);
  if (!m) throw new Error("no ```layers block found");
  return parseMap(m[1]!);
}

/** Parses the text of a map (see the module's description). */
export function parseMap(text: string): LayerMap {
  const map: LayerMap = { layers: [], allow: [] };
  for (const [i, raw] of text.split("\n").entries()) {
    const hash = raw.indexOf("#");
    const comment = hash < 0 ? "" : raw.slice(hash + 1).trim();
    const line = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (!line) continue;
    const allow = /^allow\s+(\S+)\s*->\s*(\S+)$/.exec(line);
    if (allow) {
      if (!comment) throw new Error(`map line ${i + 1}: an allowed upward import needs its reason after #`);
      map.allow.push({ from: allow[1]!, to: allow[2]!, why: comment });
      continue;
    }
    const parts = /^(\S+)(?:\s+only via\s+([^;]+?))?(?:\s*;\s*types via\s+(.+))?$/.exec(line);
    if (!parts) throw new Error(`map line ${i + 1}: cannot read "${line}"`);
    const list = (s: string | undefined) => s?.split(",").map((x) => x.trim()).filter(Boolean);
    const layer: Layer = { path: parts[1]!, line: i + 1 };
    const onlyVia = list(parts[2]);
    const typesVia = list(parts[3]);
    if (onlyVia) layer.onlyVia = onlyVia;
    if (typesVia) layer.typesVia = typesVia;
    if (map.layers.some((l) => l.path === layer.path)) throw new Error(`map line ${i + 1}: ${layer.path} twice`);
    map.layers.push(layer);
  }
  return map;
}

/** True when `path` (a file, relative to the root) is `pattern` or inside it. */
function covers(pattern: string, path: string): boolean {
  return pattern.endsWith("/") ? path.startsWith(pattern) : path === pattern;
}

/** The index of the layer a file is on (0 is the top), or -1 when the map does not place it. */
export function layerOf(map: LayerMap, path: string): number {
  let best = -1;
  for (const [i, l] of map.layers.entries()) {
    if (covers(l.path, path) && (best < 0 || l.path.length > map.layers[best]!.path.length)) best = i;
  }
  return best;
}

/** An import between two product files. */
export interface Edge {
  from: string;
  to: string;
  kind: ImportRef["kind"];
  line: number;
}

/** The product's files and the imports between them, paths relative to the root. */
export interface Graph {
  files: string[];
  edges: Edge[];
  /** Imports of files that are not product code (tests, fixtures), as `from -> to`. */
  outside: Edge[];
}

/** Lists the `.ts` files under `dirs` (and the single files named), relative to `root`, tests left out. */
export async function productFiles(root: string, entries: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(root, rel))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p);
      else if (e.isFile && p.endsWith(".ts") && !p.endsWith("_test.ts")) out.push(p);
    }
  };
  for (const entry of entries) {
    if (entry.endsWith("/")) await walk(entry.slice(0, -1));
    else out.push(entry);
  }
  return out.sort();
}

/** Reads the imports of `files` (relative to `root`). Imports of other project files count as `outside`. */
export async function readGraph(root: string, files: string[]): Promise<Graph> {
  const set = new Set(files);
  const graph: Graph = { files, edges: [], outside: [] };
  for (const from of files) {
    for (const ref of readImports(await Deno.readTextFile(join(root, from)))) {
      if (!ref.specifier.startsWith(".")) continue; // npm:, node:, bare names
      const to = normalize(join(dirname(from), ref.specifier));
      const edge = { from, to, kind: ref.kind, line: ref.line };
      if (set.has(to)) graph.edges.push(edge);
      else if (to.endsWith(".ts") || to.startsWith("tests/")) graph.outside.push(edge);
    }
  }
  return graph;
}

/** The strongly connected components of more than one file (or a file importing itself). */
export function circles(graph: Graph): string[][] {
  const next = new Map<string, string[]>(graph.files.map((f) => [f, []]));
  for (const e of graph.edges) next.get(e.from)!.push(e.to);
  // Tarjan's algorithm, iterative (the product is a few hundred files).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const start of graph.files) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const succ = next.get(top.node)!;
      if (top.i < succ.length) {
        const w = succ[top.i++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.node);
        if (scc.length > 1 || next.get(top.node)!.includes(top.node)) out.push(scc.sort());
      }
    }
  }
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** What the check found wrong, one sentence each. */
export function check(map: LayerMap, graph: Graph): string[] {
  const problems: string[] = [];
  for (const f of graph.files) {
    if (layerOf(map, f) < 0) problems.push(`${f} is on no layer of the map`);
  }
  for (const e of graph.outside) {
    problems.push(`${e.from}:${e.line} imports ${e.to}, which is not product code (test code stays under tests/)`);
  }
  const allowed = (e: Edge) => map.allow.some((a) => covers(a.from, e.from) && covers(a.to, e.to));
  for (const e of graph.edges) {
    const from = layerOf(map, e.from);
    const to = layerOf(map, e.to);
    if (from < 0 || to < 0 || from === to) continue;
    const layer = map.layers[to]!;
    if (to < from && !allowed(e)) {
      problems.push(
        `${e.from}:${e.line} imports ${e.to}, which is above it (${map.layers[from]!.path} is below ${layer.path})`,
      );
      continue;
    }
    if (layer.onlyVia && !layer.onlyVia.some((v) => covers(v, e.from))) {
      const asType = e.kind === "type" && (layer.typesVia ?? []).some((v) => covers(v, e.from));
      if (!asType) {
        problems.push(
          `${e.from}:${e.line} imports ${e.to}: ${layer.path} is reached only through ${layer.onlyVia.join(", ")}`,
        );
      }
    }
  }
  for (const c of circles(graph)) problems.push(`import circle of ${c.length} file(s): ${c.join(", ")}`);
  return problems;
}
