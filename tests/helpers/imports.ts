/**
 * What a module imports, read from its source: the layer test
 * (tests/layers/), and the tests that keep the daemon (decision 45) and
 * `leger list` (decision 46) free of npm libraries.
 *
 * The source is read as tokens (comments, strings, template literals and
 * regular expressions skipped as the language does), so an import-shaped
 * line inside a string or a comment (the workflow declarations carried as
 * text, a doc example) is not taken for an import.
 *
 * @module
 */
import { dirname, join } from "node:path";

/** One import of a module: its specifier, and whether it is a static, a type-only or a dynamic (`import()`) one. */
export interface ImportRef {
  specifier: string;
  kind: "static" | "type" | "dynamic";
  /** 1-based line of the `import`/`export` keyword. */
  line: number;
}

type Token = { t: "word" | "punct" | "string" | "template"; v: string; line: number };

/** Words after which a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
  "instanceof",
]);

function isWordChar(c: string): boolean {
  return /[\w$]/.test(c) || c > "\x7f";
}

/** The tokens of TypeScript source: words, punctuation, string literals (with their value), templates. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  // Open template literals: the brace depth inside each `${ ... }`.
  const templates: number[] = [];
  const push = (t: Token["t"], v: string, at: number) => out.push({ t, v, line: at });
  const regexAllowed = () => {
    const last = out[out.length - 1];
    if (!last) return true;
    if (last.t === "word") return BEFORE_REGEX.has(last.v);
    if (last.t === "string" || last.t === "template") return false;
    return !(last.v === ")" || last.v === "]" || last.v === "}");
  };
  /** Reads template text from `i` (after a backtick or a closing `}`) to its end or the next `${`. */
  const templateText = () => {
    while (i < text.length) {
      const c = text[i]!;
      if (c === "\\") {
        i += 2;
        continue;
      }
      if (c === "\n") line++;
      if (c === "`") {
        i++;
        return;
      }
      if (c === "$" && text[i + 1] === "{") {
        i += 2;
        templates.push(0);
        return;
      }
      i++;
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (let k = i; k < stop; k++) if (text[k] === "\n") line++;
      i = stop;
    } else if (c === '"' || c === "'") {
      const at = line;
      let value = "";
      i++;
      while (i < text.length && text[i] !== c && text[i] !== "\n") {
        if (text[i] === "\\") {
          value += text[i + 1] ?? "";
          i += 2;
        } else value += text[i++];
      }
      i++;
      push("string", value, at);
    } else if (c === "`") {
      const at = line;
      i++;
      templateText();
      push("template", "", at);
    } else if (c === "/" && regexAllowed()) {
      let inClass = false;
      i++;
      while (i < text.length && text[i] !== "\n") {
        const r = text[i]!;
        if (r === "\\") {
          i += 2;
          continue;
        }
        if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < text.length && /[a-z]/.test(text[i]!)) i++;
      push("template", "", line); // a value, like a literal
    } else if (isWordChar(c)) {
      const start = i;
      while (i < text.length && isWordChar(text[i]!)) i++;
      push("word", text.slice(start, i), line);
    } else {
      i++;
      if (templates.length && c === "{") templates[templates.length - 1]!++;
      if (templates.length && c === "}") {
        if (templates[templates.length - 1] === 0) {
          templates.pop();
          templateText();
          continue;
        }
        templates[templates.length - 1]!--;
      }
      push("punct", c, line);
    }
  }
  return out;
}

/** Every import of a module's source: static (`import`, `export ... from`), type-only, and `import("literal")`. */
export function readImports(text: string): ImportRef[] {
  const tokens = tokenize(text);
  const out: ImportRef[] = [];
  const is = (k: number, t: Token["t"], v?: string) => tokens[k]?.t === t && (v === undefined || tokens[k]!.v === v);
  /** The string after the first `from` at or after `k`, before the statement ends. */
  const fromAt = (k: number): string | undefined => {
    for (let j = k; j < tokens.length; j++) {
      if (is(j, "punct", ";") || (j > k && is(j, "word", "import")) || (j > k && is(j, "word", "export"))) break;
      if (is(j, "word", "from") && is(j + 1, "string")) return tokens[j + 1]!.v;
    }
    return undefined;
  };
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    if (tok.t !== "word" || (tok.v !== "import" && tok.v !== "export")) continue;
    if (is(k - 1, "punct", ".") || is(k + 1, "punct", ".") || is(k + 1, "punct", ":")) continue;
    if (tok.v === "import") {
      if (is(k + 1, "punct", "(")) {
        if (is(k + 2, "string") && (is(k + 3, "punct", ")") || is(k + 3, "punct", ","))) {
          out.push({ specifier: tokens[k + 2]!.v, kind: "dynamic", line: tok.line });
        }
        continue;
      }
      if (is(k + 1, "string")) {
        out.push({ specifier: tokens[k + 1]!.v, kind: "static", line: tok.line });
        continue;
      }
      const spec = fromAt(k + 1);
      if (spec === undefined) continue;
      const typeOnly = is(k + 1, "word", "type") && !is(k + 2, "word", "from") && !is(k + 2, "punct", ",");
      out.push({ specifier: spec, kind: typeOnly ? "type" : "static", line: tok.line });
      continue;
    }
    // export: only `export [type] { ... } from` and `export * [as x] from` name another module.
    let j = k + 1;
    const typeOnly = is(j, "word", "type");
    if (typeOnly) j++;
    if (!is(j, "punct", "{") && !is(j, "punct", "*")) continue;
    if (is(j, "punct", "{")) {
      while (j < tokens.length && !is(j, "punct", "}")) j++;
    }
    const spec = is(j + 1, "word", "from") && is(j + 2, "string")
      ? tokens[j + 2]!.v
      : is(j + 1, "word", "as") && is(j + 3, "word", "from") && is(j + 4, "string")
      ? tokens[j + 4]!.v
      : undefined;
    if (spec !== undefined) out.push({ specifier: spec, kind: typeOnly ? "type" : "static", line: tok.line });
  }
  return out;
}

/** The modules a file imports for their values (static imports; `import type` is erased). */
export function valueImports(text: string, dynamic: boolean): string[] {
  return readImports(text).filter((r) => r.kind === "static" || (dynamic && r.kind === "dynamic")).map((r) =>
    r.specifier
  );
}

/**
 * Every module reached from the entries: absolute paths for the project's
 * files, the specifier for the others (`npm:`, bare names, `node:`). Files
 * reached follow their dynamic imports too unless `dynamic` is false.
 */
export async function reach(
  entries: Array<{ file: string; dynamic: boolean }>,
  options: { dynamic?: boolean } = {},
): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const { file, dynamic } = queue.shift()!;
    for (const spec of valueImports(await Deno.readTextFile(file), dynamic)) {
      if (!spec.startsWith(".")) {
        seen.add(spec);
        continue;
      }
      const next = join(dirname(file), spec);
      if (seen.has(next)) continue;
      seen.add(next);
      if (next.endsWith(".ts")) queue.push({ file: next, dynamic: options.dynamic ?? true });
    }
  }
  return seen;
}
