import assert from "node:assert/strict";
import { join } from "node:path";
import type { Diagnostic, ValidationReport } from "../diagnostic.ts";
import { toSarif } from "./report.ts";
import { RULE_DESCRIPTIONS } from "./rules.ts";

const ROOT = new URL("../../..", import.meta.url).pathname;

function report(diagnostics: Partial<Diagnostic>[]): ValidationReport {
  const full = diagnostics.map((d) => ({
    file: "web.container",
    line: 1,
    column: 1,
    severity: "error" as const,
    code: "key/unknown",
    message: "",
    source: "leger" as const,
    ...d,
  }));
  return {
    ok: false,
    errors: full.filter((d) => d.severity === "error").length,
    warnings: full.filter((d) => d.severity === "warning").length,
    diagnostics: full,
  } as unknown as ValidationReport;
}

function rules(r: ValidationReport) {
  return JSON.parse(toSarif(r)).runs[0].tool.driver.rules;
}

Deno.test("a SARIF rule is described the same in two runs whatever its diagnostics said", () => {
  const one = rules(report([{ code: "key/unknown", message: "unsupported key 'Imag' in [Container]" }]));
  const two = rules(report([
    { code: "key/too-new", severity: "warning", message: "ImageVolume= needs podman 6.1" },
    { code: "key/unknown", severity: "warning", message: "unsupported key 'Prot' in [Pod]" },
  ]));
  const a = one.find((r: { id: string }) => r.id === "key/unknown");
  const b = two.find((r: { id: string }) => r.id === "key/unknown");
  assert.deepEqual(a, b);
  assert.equal(a.shortDescription.text, RULE_DESCRIPTIONS["key/unknown"]);
  assert.doesNotMatch(JSON.stringify(a), /Imag|Prot/, "no diagnostic's text in the rule");
});

Deno.test("the rule table holds exactly the codes docs/VALIDATION.md lists, and every code the fixtures produce", async () => {
  const doc = await Deno.readTextFile(join(ROOT, "docs/VALIDATION.md"));
  const codesPart = doc.slice(doc.indexOf("## Codes"), doc.indexOf("## `--json`"));
  const documented = new Set(
    [...codesPart.matchAll(/`([a-z-]+\/[a-z0-9-]+)`/g)].map((m) => m[1]!).filter((c) => c !== "area/name"),
  );
  assert.deepEqual([...documented].sort(), Object.keys(RULE_DESCRIPTIONS).sort());
  const broken = join(ROOT, "tests/fixtures/broken");
  const produced = new Set<string>();
  for await (const e of Deno.readDir(broken)) {
    const text = await Deno.readTextFile(join(broken, e.name, "expected.txt")).catch(() => "");
    for (const m of text.matchAll(/: (?:error|warning|info) ([a-z-]+\/[a-z0-9-]+):/g)) produced.add(m[1]!);
  }
  assert.ok(produced.size > 50);
  assert.deepEqual([...produced].filter((c) => !(c in RULE_DESCRIPTIONS)), []);
  for (const [code, text] of Object.entries(RULE_DESCRIPTIONS)) assert.ok(text.length > 10, code);
});
