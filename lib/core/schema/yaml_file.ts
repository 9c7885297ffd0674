/**
 * Reads YAML files through zod with positions: an error names the file,
 * the line and column, and the key.
 *
 * @module
 */
import { isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { LegerError } from "../errors.ts";

/** One problem found in a YAML file. */
export interface YamlProblem {
  /** File name as given. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Dotted key path, e.g. `secrets.0.podman-secret`. */
  key: string;
  /** What is wrong. */
  message: string;
}

/** Result of {@linkcode parseYamlWith}. */
export type YamlResult<T> =
  | { ok: true; value: T }
  | { ok: false; problems: YamlProblem[] };

/** Parses YAML text and checks it against a zod schema. */
export function parseYamlWith<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
): YamlResult<z.infer<S>> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = counter.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          column: pos.col,
          key: "",
          message: e.message.split("\n")[0]!,
        };
      }),
    };
  }
  const data = doc.toJS() ?? {};
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
      let node: unknown = undefined;
      for (let n = path.length; n >= 0 && !isNode(node); n--) {
        node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      }
      const offset = isNode(node) && node.range ? node.range[0] : 0;
      const pos = counter.linePos(offset);
      return {
        file,
        line: pos.line,
        column: pos.col,
        key: path.join("."),
        message: issue.message,
      };
    }),
  };
}

/** Formats problems as `file:line:col: key: message` lines. */
export function formatYamlProblems(problems: YamlProblem[]): string {
  return problems
    .map((p) => `${p.file}:${p.line}:${p.column}: ${p.key ? p.key + ": " : ""}${p.message}`)
    .join("\n");
}

/** Like {@linkcode parseYamlWith} but throws a LegerError listing every problem. */
export function loadYamlWith<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
): z.infer<S> {
  const result = parseYamlWith(text, file, schema);
  if (result.ok) return result.value;
  throw new LegerError(`Cannot read ${file}:\n${formatYamlProblems(result.problems)}`, {
    details: { problems: result.problems },
  });
}
