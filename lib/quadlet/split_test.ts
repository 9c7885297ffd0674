import assert from "node:assert/strict";
import { decodeEscape, splitWords, unquoteSingle } from "./split.ts";

Deno.test("strv mode unquotes and keeps backslashes", () => {
  assert.deepEqual(splitWords(`a "b c" 'd'e \\n`, "strv").words, ["a", "b c", "de", "\\n"]);
  assert.equal(splitWords(`a "b`, "strv").error, "unbalanced quotes");
});

Deno.test("args mode decodes C escapes and relaxes quotes", () => {
  assert.deepEqual(splitWords(`x\\ty "a\\"b" \\x41\\101\\u00e9 \\s`, "args").words, ["x\ty", 'a"b', "AAé", " "]);
  assert.deepEqual(splitWords(`"open ended`, "args").words, ["open ended"]);
  assert.deepEqual(splitWords(`trailing\\`, "args").words, ["trailing"]);
  assert.equal(splitWords(`bad\\q`, "args").error, `unsupported escape "\\q"`);
  assert.equal(splitWords(`"in \\q quote"`, "args").error, `unsupported escape "\\q"`);
});

Deno.test("an empty quoted word ends the list, as in podman", () => {
  assert.deepEqual(splitWords(`a "" b`, "args").words, ["a"]);
  assert.deepEqual(splitWords(`   `, "strv").words, []);
});

Deno.test("decodeEscape refuses NUL and bad digits", () => {
  assert.equal(decodeEscape("x00", 0), undefined);
  assert.equal(decodeEscape("000", 0), undefined);
  assert.equal(decodeEscape("8", 0), undefined);
  assert.equal(decodeEscape("U0001F600", 0)?.text, "😀");
  assert.equal(decodeEscape("u12", 0), undefined);
  assert.equal(decodeEscape("", 0), undefined);
  assert.equal(decodeEscape("777", 0), undefined);
});

Deno.test("unquoteSingle strips one pair of double quotes and trailing space", () => {
  assert.equal(unquoteSingle(`"a b"  `), "a b");
  assert.equal(unquoteSingle(`'a'`), "'a'");
  assert.equal(unquoteSingle(`"`), `"`);
});
