import { forTerminal } from "../../core/escape.ts";
import assert from "node:assert/strict";
import { formatText, toJson, toJsonObject, toSarif } from "./report.ts";
import { makeReport } from "../validate.ts";
import type { Diagnostic } from "../diagnostic.ts";

const diags: Diagnostic[] = [
  {
    file: "web.container",
    line: 7,
    column: 1,
    severity: "error",
    code: "key/unknown",
    key: "Imag",
    message: "unsupported key 'Imag' in [Container]",
    fix: "did you mean 'Image'?",
    source: "leger",
  },
  {
    file: "web.container",
    line: 9,
    column: 13,
    endColumn: 20,
    severity: "warning",
    code: "value/bool",
    key: "ReadOnly",
    message: "not a boolean",
    source: "leger",
  },
  {
    file: "a.volume",
    line: 1,
    column: 1,
    endLine: 2,
    severity: "info",
    code: "ref/by-name",
    message: "note",
    source: "generator",
  },
];

Deno.test("formatText prints one problem per line with its fix and a summary", () => {
  const text = formatText(makeReport(diags));
  assert.equal(
    text,
    [
      "a.volume:1:1: info ref/by-name: note (podman generator)",
      "web.container:7:1: error key/unknown: unsupported key 'Imag' in [Container]",
      "  fix: did you mean 'Image'?",
      "web.container:9:13: warning value/bool: not a boolean",
      "1 error, 1 warning, 1 info",
    ].join("\n"),
  );
  assert.ok(forTerminal(formatText(makeReport(diags), { color: true }), true).includes("\x1b[31merror"));
  assert.ok(!forTerminal(formatText(makeReport(diags), { color: true }), false).includes("\x1b"));
  assert.equal(formatText(makeReport([])), "no problems found");
});

Deno.test("strict reports count warnings against ok; duplicates are dropped", () => {
  assert.equal(makeReport([diags[1]!]).ok, true);
  assert.equal(makeReport([diags[1]!], true).ok, false);
  assert.equal(makeReport([diags[0]!, { ...diags[0]! }]).diagnostics.length, 1);
});

Deno.test("toJson is stable: version, counts, keys in a fixed order", () => {
  const obj = toJsonObject(makeReport(diags));
  assert.equal(obj.version, 1);
  assert.deepEqual(Object.keys(obj.diagnostics[1]!), [
    "file",
    "line",
    "column",
    "severity",
    "code",
    "key",
    "message",
    "fix",
    "source",
  ]);
  assert.deepEqual(Object.keys(obj.diagnostics[0]!), [
    "file",
    "line",
    "column",
    "endLine",
    "severity",
    "code",
    "message",
    "source",
  ]);
  assert.deepEqual(JSON.parse(toJson(makeReport(diags))), obj);
});

Deno.test("toSarif writes a SARIF 2.1.0 log with one rule per code", () => {
  const log = JSON.parse(toSarif(makeReport(diags), { root: "sets/web/", version: "0.1.0" }));
  assert.equal(log.version, "2.1.0");
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, "leger");
  assert.deepEqual(run.tool.driver.rules.map((r: { id: string }) => r.id), [
    "key/unknown",
    "ref/by-name",
    "value/bool",
  ]);
  assert.equal(run.results[0].level, "note");
  assert.equal(run.results[1].locations[0].physicalLocation.artifactLocation.uri, "sets/web/web.container");
  assert.equal(run.results[1].message.text, "unsupported key 'Imag' in [Container]. Fix: did you mean 'Image'?");
  assert.equal(run.results[2].locations[0].physicalLocation.region.endColumn, 20);
});
