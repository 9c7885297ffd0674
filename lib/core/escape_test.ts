import assert from "node:assert/strict";
import { escapeControls, forTerminal, jsonForTerminal, paint, styleMark } from "./escape.ts";

Deno.test("control characters are shown as escapes; tab and newline stay", () => {
  assert.equal(escapeControls("a\x1b[2Jb"), "a\\x1b[2Jb");
  assert.equal(escapeControls("title\x1b]0;pwned\x07"), "title\\x1b]0;pwned\\x07");
  assert.equal(escapeControls("over\rwrite"), "over\\x0dwrite");
  assert.equal(escapeControls("nul\x00 del\x7f"), "nul\\x00 del\\x7f");
  assert.equal(escapeControls("c1 \u009b2J \u0085"), "c1 \\x9b2J \\x85");
  assert.equal(escapeControls("bidi \u202eevil\u202c \u2066x\u2069"), "bidi \\u202eevil\\u202c \\u2066x\\u2069");
  assert.equal(escapeControls("line\u2028sep"), "line\\u2028sep");
  assert.equal(escapeControls("a\tb\nc"), "a\tb\nc");
  assert.equal(escapeControls("ünïcødé ✓ 日本"), "ünïcødé ✓ 日本");
});

Deno.test("leger's own colors are marks the printer turns into SGR only when color is on", () => {
  const text = paint("31", "error:") + " bad \x1b[2J";
  assert.equal(forTerminal(text, true), "\x1b[31merror:\x1b[0m bad \\x1b[2J");
  assert.equal(forTerminal(text, false), "error: bad \\x1b[2J");
  assert.throws(() => styleMark("8"), /not one of leger's styles/);
});

Deno.test("text from outside cannot forge a mark outside the palette, nor a raw escape", () => {
  // A stray mark character, or a mark with a code outside the palette (8 = conceal), is escaped.
  const forged = "\uFDD08\uFDD1hidden \uFDD0";
  const out = forTerminal(forged, true);
  assert.ok(!out.includes("\x1b"), out);
  assert.equal(out, "\\ufdd08\\ufdd1hidden \\ufdd0");
});

Deno.test("JSON for a terminal escapes C1 and bidi controls and still parses to the same value", () => {
  const value = { name: "a\u202eb\u009bc\x1bd\u2028" };
  const text = jsonForTerminal(value);
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\u0080-\u009f\u202e\u2028\x1b]/.test(text), text);
  assert.deepEqual(JSON.parse(text), value);
});
