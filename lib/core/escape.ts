/**
 * Text for a terminal. Everything leger prints for people goes through
 * {@linkcode forTerminal}: control characters from outside (unit files,
 * repository names, podman messages, journal lines) are shown as visible
 * escapes (`\x1b`, `\u202e`) instead of reaching the terminal, where they
 * could clear the screen, move the cursor, set the title or reorder text.
 *
 * leger's own colors are not escape sequences in the text: formatters mark
 * them with {@linkcode paint} (two Unicode noncharacters around an SGR
 * number from a fixed palette), and only the printer turns marks into
 * color, when color is on. Text from outside cannot produce anything but
 * those palette colors; everything else it carries is escaped.
 *
 * @module
 */
import { redactUrls } from "./redact.ts";

/** Start and end of a style mark (Unicode noncharacters: never in interchanged text). */
const MARK_OPEN = "\uFDD0";
const MARK_CLOSE = "\uFDD1";

/** The styles leger uses: reset, bold, dim, red, green, yellow, cyan. */
const PALETTE = new Set(["0", "1", "2", "31", "32", "33", "36"]);

/**
 * Characters that must not reach a terminal as they are: C0 controls other
 * than tab and newline (ESC and CR included), DEL, C1 controls, the bidi
 * embedding/override/isolate controls and marks, line and paragraph
 * separators, and stray style marks.
 */
// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufdd0\ufdd1]/g;

function visible(ch: string): string {
  const code = ch.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** Control characters in a name (C0, DEL, C1): a name holding any is shown quoted ({@linkcode printable}). */
// deno-lint-ignore no-control-regex
export const NAME_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;

/** Shows a name safely in a message: quoted, its controls escaped, when it holds any or bytes that were not UTF-8. */
export function printable(name: string): string {
  return NAME_CONTROLS.test(name) || name.includes("\ufffd") ? JSON.stringify(name) : name;
}

/**
 * Shows control characters as `\xNN` / `\uNNNN`; tab and newline stay (they are layout). The user info of any
 * URL in the text is dropped too (lib/core/redact.ts): this is the last stop before a terminal, a log or the journal.
 */
export function escapeControls(text: string): string {
  return redactUrls(text).replace(UNSAFE, visible);
}

/** A style mark: the SGR code `code` (one of leger's palette). */
export function styleMark(code: string): string {
  if (!PALETTE.has(code)) throw new Error(`not one of leger's styles: ${code}`);
  return `${MARK_OPEN}${code}${MARK_CLOSE}`;
}

/** `text` in a style of leger's palette (shown only when the printer has color on). */
export function paint(code: string, text: string): string {
  return `${styleMark(code)}${text}${styleMark("0")}`;
}

const MARKS = new RegExp(`${MARK_OPEN}(${[...PALETTE].join("|")})${MARK_CLOSE}`, "g");

/**
 * Text as it may reach a terminal: control characters escaped, leger's
 * style marks turned into colors (or dropped when `color` is off).
 */
export function forTerminal(text: string, color = false): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(MARKS)) {
    out += escapeControls(text.slice(last, m.index));
    if (color) out += `\x1b[${m[1]}m`;
    last = m.index + m[0].length;
  }
  return out + escapeControls(text.slice(last));
}

/** Characters JSON.stringify leaves raw that a terminal still acts on (C1, bidi, separators). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufdd0\ufdd1]/g;

/**
 * JSON text safe to show in a terminal: JSON.stringify escapes C0 controls;
 * this also writes C1 controls, bidi controls and line separators as
 * `\uNNNN`, which parses back to the same value.
 */
export function jsonForTerminal(value: unknown, indent?: number): string {
  return jsonTextForTerminal(JSON.stringify(value, null, indent));
}

/** Makes JSON text produced elsewhere (SARIF, reports) safe in the same way. */
export function jsonTextForTerminal(json: string): string {
  return redactUrls(json).replace(JSON_UNSAFE, (ch) => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}

/** Asks a yes/no question on the terminal, with the question's controls escaped. */
export function ask(question: string): boolean {
  return confirm(escapeControls(question));
}
