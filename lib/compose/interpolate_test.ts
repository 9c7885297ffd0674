/**
 * Compose's interpolation and env files, form by form: the values a user
 * gets in the container depend on every one of these rules.
 */
import assert from "node:assert/strict";
import { interpolate, parseDotenv, TemplateError } from "./interpolate.ts";

const env: Record<string, string> = { SET: "value", EMPTY: "", B: "bee" };
const lookup = (n: string) => env[n];

function run(text: string): { out: string; unset: string[] } {
  const unset: string[] = [];
  return { out: interpolate(text, lookup, (n) => unset.push(n)), unset };
}

Deno.test("interpolation follows the Compose specification's forms", () => {
  const cases: Array<[string, string, string[]?]> = [
    ["$SET and ${SET}", "value and value"],
    ["${EMPTY:-d}|${EMPTY-d}|${NOPE-d}|${NOPE:-d}", "d||d|d"],
    ["${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${NOPE+alt}", "alt||alt|"],
    ["${NOPE:-${B}}-${NOPE:-x${SET}y}", "bee-xvaluey"],
    ["$$SET costs $$5, 100%", "$SET costs $5, 100%"],
    ["${NOPE}|$NOPE", "|", ["NOPE", "NOPE"]],
    ["${SET:-${UNUSED}}", "value"],
  ];
  for (const [text, want, unset = []] of cases) {
    const r = run(text);
    assert.equal(r.out, want, text);
    assert.deepEqual(r.unset, unset, `${text}: unset variables`);
  }
});

Deno.test("a required variable that is unset or empty is an error naming it", () => {
  assert.throws(
    () => run("${NOPE:?say what}"),
    (e: TemplateError) => e.variable === "NOPE" && /say what/.test(e.message),
  );
  assert.throws(() => run("${EMPTY:?}"), /EMPTY is empty/);
  assert.equal(run("${EMPTY?}").out, "");
  assert.throws(() => run("${NOPE?}"), /NOPE is unset/);
});

Deno.test("a $ that starts nothing, or a brace left open, is an invalid template", () => {
  for (const bad of ["cost $5", "end $", "${", "${SET", "${1}", "${SET:x}"]) {
    assert.throws(() => run(bad), TemplateError, bad);
  }
});

Deno.test("env files: quotes, escapes, comments, export, interpolation of earlier lines", () => {
  const text = [
    "# a comment",
    "",
    "A=plain value # trailing comment",
    "B='single ${A} kept'",
    'C="double \\"q\\" ${A}\\nnext"',
    "export D=${A}-d",
    "E=",
    'F="spans',
    'two lines"',
    "G=${OUTER:-outer-default}",
    "not a line",
    "1BAD=x",
  ].join("\n");
  const r = parseDotenv(text, (n) => (n === "OUTER" ? undefined : undefined));
  assert.deepEqual(Object.fromEntries(r.values), {
    A: "plain value",
    B: "single ${A} kept",
    C: 'double "q" plain value\nnext',
    D: "plain value-d",
    E: "",
    F: "spans\ntwo lines",
    G: "outer-default",
  });
  assert.deepEqual(r.problems.map((p) => p.line), [11, 12]);
});
