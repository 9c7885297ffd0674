/**
 * Parses systemd unit syntax exactly as podman's quadlet generator reads
 * it (`pkg/systemd/parser`): every line is trimmed; empty lines and lines
 * starting with `#` or `;` are comments; a line ending in `\` continues on
 * the next non-comment line (the backslash is removed and nothing is put
 * in its place; comment and empty lines inside a continuation are
 * skipped); `[Name]` starts a section (repeated sections merge);
 * `Key=Value` adds an entry. Every entry keeps its file, line and column
 * so that problems can be reported where they are.
 *
 * @module
 */

/** One `Key=Value` line (continuations joined). */
export interface UnitEntry {
  /** Key as written. */
  key: string;
  /** Value as podman stores it: leading white space removed, continuations joined. */
  value: string;
  /** 1-based line of the key. */
  line: number;
  /** 1-based column of the key. */
  column: number;
  /** 1-based column where the value starts on the key's line. */
  valueColumn: number;
  /** Last line of the entry (differs from `line` for continuations). */
  endLine: number;
  /** The file the entry comes from (a drop-in after merging). */
  file: string;
}

/** One `[Section]` and its entries in file order. */
export interface UnitSection {
  /** Section name without brackets. */
  name: string;
  /** 1-based line of the header. */
  line: number;
  /** Entries in order. */
  entries: UnitEntry[];
  /** The file the section header is in. */
  file: string;
}

/** A problem the parser itself found. */
export interface ParseProblem {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Stable code, e.g. `syntax/outside-section`. */
  code: string;
  /** What is wrong. */
  message: string;
  /** True when podman refuses to load the file because of it. */
  fatal: boolean;
  /** What to do about it. */
  fix?: string;
}

/** A parsed unit file. */
export interface ParsedUnit {
  /** File name as given. */
  file: string;
  /** Sections in order; a repeated section header yields another entry. */
  sections: UnitSection[];
  /** Syntax problems. */
  problems: ParseProblem[];
}

// Go's unicode.IsSpace set; deliberately without U+FEFF, which Go keeps.
const SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEAD = new RegExp(`^[${SPACE}]+`, "u");
const TRAIL = new RegExp(`[${SPACE}]+$`, "u");

/** Trims white space as Go's `strings.TrimSpace` does. */
export function goTrim(s: string): string {
  return s.replace(LEAD, "").replace(TRAIL, "");
}

const isComment = (t: string) => t === "" || t[0] === "#" || t[0] === ";";

function isGroupLine(t: string): boolean {
  if (t[0] !== "[") return false;
  const end = t.indexOf("]");
  return end >= 0 && /^[ \t]*$/.test(t.slice(end + 1));
}

/** Parses unit file text. Never throws; problems are listed instead. */
export function parseUnit(text: string, file: string): ParsedUnit {
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  const lines = body.split("\n");
  const sections: UnitSection[] = [];
  const problems: ParseProblem[] = [];
  let current: UnitSection | undefined;
  let remaining = "";
  let startIndex = -1;
  const indent = (raw: string) => raw.length - raw.replace(LEAD, "").length;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    let t = goTrim(raw);
    const last = i === lines.length - 1;
    let first = i;
    if (isComment(t)) {
      if (remaining !== "") continue;
    } else {
      if (t.endsWith("\\")) {
        t = t.slice(0, -1);
        if (!last) {
          if (remaining === "") startIndex = i;
          remaining += t;
          continue;
        }
        problems.push({
          line: i + 1,
          column: raw.lastIndexOf("\\") + 1,
          code: "syntax/dangling-continuation",
          message: 'the last line of the file ends with "\\"; the backslash is ignored',
          fatal: false,
          fix: "remove the trailing backslash",
        });
      }
      if (remaining !== "") {
        t = remaining + t;
        first = startIndex;
        remaining = "";
      }
    }
    if (isComment(t)) continue;
    const keyRaw = lines[first]!;
    const column = indent(keyRaw) + 1;
    if (isGroupLine(t)) {
      const name = t.slice(1, t.indexOf("]"));
      if (name === "" || /[[\]\p{Cc}]/u.test(name)) {
        problems.push({
          line: first + 1,
          column,
          code: "syntax/bad-section",
          message: `invalid section name ${JSON.stringify(name)}`,
          fatal: true,
          fix: "use a section name such as [Container]",
        });
        // podman stops reading the file here; swallow the entries that follow.
        current = { name, line: first + 1, entries: [], file };
        continue;
      }
      current = { name, line: first + 1, entries: [], file };
      sections.push(current);
      continue;
    }
    const eq = t.indexOf("=");
    if (eq <= 0) {
      problems.push({
        line: first + 1,
        column,
        code: eq === 0 ? "syntax/empty-key" : "syntax/not-key-value",
        message: eq === 0
          ? 'line starts with "=": the key is missing'
          : `line is not a [Section], a comment or Key=Value: ${JSON.stringify(t.slice(0, 60))}`,
        fatal: true,
        fix: "write Key=Value, or start the line with # to make it a comment",
      });
      continue;
    }
    const key = t.slice(0, eq).replace(TRAIL, "");
    const value = t.slice(eq + 1).replace(LEAD, "");
    if (!current) {
      problems.push({
        line: first + 1,
        column,
        code: "syntax/outside-section",
        message: `${key}= appears before any [Section] header`,
        fatal: true,
        fix: "move the line below a section header such as [Container]",
      });
      continue;
    }
    const rawEq = keyRaw.indexOf("=");
    let valueColumn = rawEq >= 0 ? rawEq + 2 : column;
    while (rawEq >= 0 && /\s/.test(keyRaw[valueColumn - 1] ?? "x")) valueColumn++;
    current.entries.push({ key, value, line: first + 1, column, valueColumn, endLine: i + 1, file });
  }
  if (remaining !== "") {
    problems.push({
      line: startIndex + 1,
      column: indent(lines[startIndex]!) + 1,
      code: "syntax/unterminated-continuation",
      message: 'this line ends with "\\" but only comments or empty lines follow; podman drops the whole line',
      fatal: false,
      fix: "remove the trailing backslash or add the rest of the value",
    });
  }
  return { file, sections, problems };
}

/**
 * True when a value holds what its author meant as a comment: it starts
 * with `#` or `;`, or has ` # ` outside quotes.
 */
export function hasInlineComment(value: string): boolean {
  if (value.startsWith("#") || value.startsWith(";")) return true;
  let quote = "";
  for (let i = 1; i < value.length; i++) {
    const c = value[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (
      (c === "#" || c === ";") && /\s/.test(value[i - 1]!) && (i + 1 === value.length || /\s/.test(value[i + 1]!))
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Entries by section and key, built once per unit: the checks ask for
 * every known key of a section (about a hundred) of every unit, and a scan
 * per question made validating a repository quadratic. A parsed unit is
 * never changed once built (merging drop-ins makes a new one), so the
 * index stays true.
 */
const ENTRY_INDEX = new WeakMap<ParsedUnit, Map<string, UnitEntry[]>>();

function entryIndex(unit: ParsedUnit): Map<string, UnitEntry[]> {
  let index = ENTRY_INDEX.get(unit);
  if (!index) {
    index = new Map();
    for (const s of unit.sections) {
      for (const e of s.entries) {
        const k = `${s.name}\u0000${e.key}`;
        const list = index.get(k);
        if (list) list.push(e);
        else index.set(k, [e]);
      }
    }
    ENTRY_INDEX.set(unit, index);
  }
  return index;
}

/** All entries of `key` in every `[section]` of the unit, in order. */
export function entriesOf(unit: ParsedUnit, section: string, key: string): UnitEntry[] {
  return [...(entryIndex(unit).get(`${section}\u0000${key}`) ?? [])];
}

/** All entries of a section (all headers of that name merged), in order. */
export function sectionEntries(unit: ParsedUnit, section: string): UnitEntry[] {
  return unit.sections.filter((s) => s.name === section).flatMap((s) => s.entries);
}

/** True when the unit has at least one `[section]` header. */
export function hasSection(unit: ParsedUnit, section: string): boolean {
  return unit.sections.some((s) => s.name === section);
}

/**
 * The entries of a list key that count, as the generator sees them: an
 * empty assignment (`Key=`) clears what came before.
 */
export function listEntries(unit: ParsedUnit, section: string, key: string): UnitEntry[] {
  let out: UnitEntry[] = [];
  for (const e of entriesOf(unit, section, key)) {
    if (e.value === "") out = [];
    else out.push(e);
  }
  return out;
}

/**
 * The values of a list key as the generator sees them: an empty
 * assignment (`Key=`) clears what came before.
 */
export function listValues(unit: ParsedUnit, section: string, key: string): string[] {
  return listEntries(unit, section, key).map((e) => e.value);
}

/** The last entry of a key, or undefined. */
export function lastEntry(unit: ParsedUnit, section: string, key: string): UnitEntry | undefined {
  const all = entriesOf(unit, section, key);
  return all[all.length - 1];
}

/** The last value of a single-valued key, or undefined. */
export function lastValue(unit: ParsedUnit, section: string, key: string): string | undefined {
  return lastEntry(unit, section, key)?.value;
}

/**
 * Merges drop-ins into a unit as podman does: sections of the same name
 * are joined, the drop-ins' entries coming after the unit's own, in the
 * order given. Entries keep the file they come from.
 */
export function mergeUnits(base: ParsedUnit, dropins: readonly ParsedUnit[]): ParsedUnit {
  return {
    file: base.file,
    sections: [...base.sections, ...dropins.flatMap((d) => d.sections)],
    problems: [...base.problems],
  };
}
