/**
 * Compose's variable interpolation and its `.env` files. Quadlets do no
 * interpolation of their own (systemd expands `${NAME}` only from its own
 * environment), so everything is resolved at import:
 *
 * - `$NAME`, `${NAME}`; `$$` is a literal `$`;
 * - `${NAME:-default}` (unset or empty), `${NAME-default}` (unset);
 * - `${NAME:?message}`, `${NAME?message}`: a required variable (an error);
 * - `${NAME:+other}`, `${NAME+other}`: `other` when set;
 * - defaults nest (`${A:-${B}}`); a `$` followed by anything else is an
 *   invalid template, as Compose says.
 *
 * A variable that is unset and has no default becomes "" and is reported
 * by name (Compose warns the same way).
 *
 * @module
 */

/** Where a variable's value comes from. */
export type Lookup = (name: string) => string | undefined;

/** Thrown for `${NAME:?}` and malformed templates; the caller adds file and line. */
export class TemplateError extends Error {
  constructor(message: string, readonly variable?: string) {
    super(message);
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Interpolates one string. `unset` receives each variable that was unset
 * and had no default.
 */
export function interpolate(text: string, lookup: Lookup, unset: (name: string) => void): string {
  const [out, end] = expand(text, 0, lookup, unset, false);
  if (end !== text.length) throw new TemplateError(`unexpected "}" in "${text}"`);
  return out;
}

/** Expands from `i` up to the end, or (nested) up to the `}` closing a default; returns [text, index]. */
function expand(
  text: string,
  start: number,
  lookup: Lookup,
  unset: (name: string) => void,
  nested: boolean,
): [string, number] {
  let out = "";
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (nested && c === "}") return [out, i];
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const [value, after] = braced(text, i + 2, lookup, unset);
      out += value;
      i = after;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (!m) {
      throw new TemplateError(
        `invalid interpolation format in "${text}": a "$" must start a variable or be written "$$"`,
      );
    }
    const v = lookup(m[0]);
    if (v === undefined) unset(m[0]);
    out += v ?? "";
    i += 1 + m[0].length;
  }
  if (nested) throw new TemplateError(`"\${" without its closing "}" in "${text}"`);
  return [out, i];
}

/** `${...}` starting after the brace; returns [value, index after the closing brace]. */
function braced(text: string, i: number, lookup: Lookup, unset: (name: string) => void): [string, number] {
  const m = NAME.exec(text.slice(i));
  if (!m) throw new TemplateError(`invalid interpolation format in "${text}": "\${" must be followed by a name`);
  const name = m[0];
  let j = i + name.length;
  const value = lookup(name);
  if (text[j] === "}") {
    if (value === undefined) unset(name);
    return [value ?? "", j + 1];
  }
  const colon = text[j] === ":";
  if (colon) j++;
  const op = text[j];
  if (op !== "-" && op !== "?" && op !== "+") {
    throw new TemplateError(`invalid interpolation format in "${text}": unknown modifier after \${${name}`);
  }
  // The operand is expanded only when it is used, as Compose does (an unused default never reports its variables).
  const used = op === "-"
    ? value === undefined || (colon && value === "")
    : op === "+"
    ? value !== undefined && !(colon && value === "")
    : value === undefined || (colon && value === "");
  const sink = used ? unset : () => {};
  const [operand, end] = expand(text, j + 1, lookup, sink, true);
  if (op === "?" && used) {
    throw new TemplateError(
      `required variable ${name} is ${value === undefined ? "unset" : "empty"}${operand ? `: ${operand}` : ""}`,
      name,
    );
  }
  const result = op === "-" ? (used ? operand : value!) : op === "+" ? (used ? operand : "") : value!;
  return [result, end + 1];
}

/** One problem of an env file, by line. */
export interface DotenvProblem {
  line: number;
  message: string;
}

/** A parsed env file: values in order, and what could not be read. */
export interface Dotenv {
  values: Map<string, string>;
  lines: Map<string, number>;
  problems: DotenvProblem[];
}

/**
 * Parses an env file as Compose does: `KEY=value` lines (`export ` allowed),
 * `#` comments, single quotes literal, double quotes with `\n` `\"` `\\`
 * escapes and interpolation, unquoted values trimmed, cut at ` #`, and
 * interpolated. Variables refer to earlier lines, then to `outer`.
 */
export function parseDotenv(text: string, outer: Lookup): Dotenv {
  const values = new Map<string, string>();
  const lines = new Map<string, number>();
  const problems: DotenvProblem[] = [];
  const lookup: Lookup = (n) => values.get(n) ?? outer(n);
  const src = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < src.length; i++) {
    const lineNo = i + 1;
    let line = src[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("export ")) line = line.slice(7).trimStart();
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      problems.push({ line: lineNo, message: `"${key}" is not a variable name` });
      continue;
    }
    if (eq < 0) {
      problems.push({ line: lineNo, message: `${key} has no "=" and no value` });
      continue;
    }
    let raw = line.slice(eq + 1).trimStart();
    try {
      let value: string;
      if (raw.startsWith("'")) {
        const end = raw.indexOf("'", 1);
        if (end < 0) throw new TemplateError("single quote without its closing quote");
        value = raw.slice(1, end);
      } else if (raw.startsWith('"')) {
        // A double-quoted value may span lines.
        let body = raw.slice(1);
        let end = closingQuote(body);
        while (end < 0 && i + 1 < src.length) {
          body += "\n" + src[++i]!;
          end = closingQuote(body);
        }
        if (end < 0) throw new TemplateError("double quote without its closing quote");
        raw = body.slice(0, end);
        value = interpolate(unescapeDouble(raw), lookup, () => {});
      } else {
        const hash = raw.search(/\s#/);
        value = interpolate((hash < 0 ? raw : raw.slice(0, hash)).trim(), lookup, () => {});
      }
      values.set(key, value);
      lines.set(key, lineNo);
    } catch (e) {
      problems.push({ line: lineNo, message: `${key}: ${(e as Error).message}` });
    }
  }
  return { values, lines, problems };
}

function closingQuote(body: string): number {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "\\") i++;
    else if (body[i] === '"') return i;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c));
}
