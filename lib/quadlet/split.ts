/**
 * Splits unit-file values into words the way podman's quadlet generator
 * does for list-like keys (systemd's `extract_first_word` rules): white
 * space separates words, single and double quotes group them and are
 * removed, and backslash escapes are either kept (`strv` mode, used for
 * `AddCapability=`, `Yaml=`, `WantedBy=`, ...) or decoded C-style
 * (`args` mode, used for `Exec=`, `Secret=`, `Mount=`, `Environment=`...).
 *
 * @module
 */

/** How to split: see the module documentation. */
export type SplitMode = "strv" | "args";

/** Result of {@linkcode splitWords}. */
export interface SplitResult {
  /** Words in order. */
  words: string[];
  /** Why the value could not be split; podman then drops the whole value. */
  error?: string;
}

const SEPARATORS = " \t\n\r";
const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
  s: " ",
};

const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isOct = (c: string | undefined) => c !== undefined && /^[0-7]$/.test(c);

/**
 * Decodes one C escape starting right after the backslash at `at`.
 * Returns the decoded text and how many characters it used, or undefined
 * when the escape is not one systemd knows.
 */
export function decodeEscape(s: string, at: number): { text: string; used: number } | undefined {
  const c = s[at];
  if (c === undefined) return undefined;
  if (c in SIMPLE_ESCAPES) return { text: SIMPLE_ESCAPES[c]!, used: 1 };
  const hexRun = (n: number) => {
    const digits = s.slice(at + 1, at + 1 + n);
    return digits.length === n && [...digits].every(isHex) ? parseInt(digits, 16) : undefined;
  };
  if (c === "x") {
    const v = hexRun(2);
    return v === undefined || v === 0 ? undefined : { text: String.fromCharCode(v), used: 3 };
  }
  if (c === "u" || c === "U") {
    const n = c === "u" ? 4 : 8;
    const v = hexRun(n);
    if (v === undefined || v === 0 || v > 0x10ffff) return undefined;
    return { text: String.fromCodePoint(v), used: n + 1 };
  }
  if (isOct(c)) {
    if (!isOct(s[at + 1]) || !isOct(s[at + 2])) return undefined;
    const v = parseInt(s.slice(at, at + 3), 8);
    return v === 0 || v > 255 ? undefined : { text: String.fromCharCode(v), used: 3 };
  }
  return undefined;
}

/**
 * Splits a value into words. In `strv` mode an unbalanced quote is an
 * error and backslashes are ordinary characters; in `args` mode unbalanced
 * quotes end the word, a trailing backslash is dropped and an unknown
 * escape (`\q`) is an error. As in podman, an empty word (`""`) ends the
 * list: the words after it are not returned.
 */
export function splitWords(value: string, mode: SplitMode): SplitResult {
  const words: string[] = [];
  const relax = mode === "args";
  let i = 0;
  const n = value.length;
  while (true) {
    while (i < n && SEPARATORS.includes(value[i]!)) i++;
    if (i >= n) return { words };
    let word = "";
    let quote = "";
    let ended = false;
    while (!ended) {
      const c = value[i];
      if (c === undefined) {
        if (quote && !relax) return { words, error: "unbalanced quotes" };
        break;
      }
      if (quote) {
        if (c === quote) quote = "";
        else if (c === "\\" && mode === "args") {
          const r = escapeAt(value, i + 1, relax);
          if (r.error) return { words, error: r.error };
          word += r.text;
          i += r.used;
        } else word += c;
        i++;
        continue;
      }
      if (c === "'" || c === '"') quote = c;
      else if (c === "\\" && mode === "args") {
        const r = escapeAt(value, i + 1, relax);
        if (r.error) return { words, error: r.error };
        word += r.text;
        i += r.used;
      } else if (SEPARATORS.includes(c)) ended = true;
      else word += c;
      i++;
    }
    if (word === "") return { words };
    words.push(word);
  }
}

function escapeAt(s: string, at: number, relax: boolean): { text: string; used: number; error?: string } {
  if (at >= s.length) return relax ? { text: "", used: 0 } : { text: "", used: 0, error: "unbalanced escape" };
  const d = decodeEscape(s, at);
  if (!d) return { text: "", used: 0, error: `unsupported escape "\\${s[at]}"` };
  return { text: d.text, used: d.used };
}

/**
 * The value podman's `Lookup` returns for a single-valued key: trailing
 * white space removed and one pair of surrounding double quotes stripped.
 */
export function unquoteSingle(value: string): string {
  const v = value.replace(/[\s]+$/u, "");
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}
