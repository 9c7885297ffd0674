/**
 * Agreement with podman 5.8.6's own generator on 99 real-world quadlet
 * sets (tests/fixtures/corpus/podbox, public domain): the sets the
 * generator refused must have errors, with the generator's message on the
 * same file; the others must have none. Warnings on the passing sets are
 * limited to the codes a person reviewed and agreed with.
 */
import assert from "node:assert/strict";
import { validatePath } from "../source/validate_path.ts";

const ROOT = new URL("../../tests/fixtures/corpus/podbox/", import.meta.url).pathname;

// Reviewed: every one of these points at a real mistake in the corpus.
const AGREED_WARNINGS = new Set([
  "conflict/container-name", // kanidm, miniflux: two units share a ContainerName and replace each other
  "conflict/port", // dashdot, healthchecks, penpot: two units publish the same host port
  "key/repeated", // qbit_manage: ContainerName= twice
  "key/unknown-systemd", // joplin, matrix, penpot: WantedBy= in [Unit]
  "ref/by-name", // invoiceshelf: Network= names the network without its .network unit
  "ref/missing-file", // authelia, invidious: bind-mounted ./config and ./config.yml are not in the set
  "ref/self", // snowflake: the container joins its own network namespace
  "syntax/inline-comment", // templates: "Key=   # comment" lines
  "value/secret-option", // vikunja: Secret=...,taget=...
]);

const verdicts = (await Deno.readTextFile(`${ROOT}GENERATOR-VERDICTS.tsv`)).trim().split("\n").map((l) => {
  const [set, verdict, messages = ""] = l.split("\t") as [string, string, string?];
  const expected = [...messages.matchAll(/"([^"]+)": ([^;]*);/g)].map((m) => ({ file: m[1]!, message: m[2]! }));
  return { set, verdict, expected };
});

Deno.test("the corpus holds the 99 sets of the verdict file", () => {
  assert.equal(verdicts.length, 99);
  assert.equal(verdicts.filter((v) => v.verdict !== "ok").length, 7);
});

for (const { set, verdict, expected } of verdicts) {
  Deno.test(`corpus ${set}: leger agrees with podman's generator (${verdict})`, async () => {
    const report = await validatePath(ROOT + set, { rootless: true, podmanVersion: "5.8" });
    const errors = report.diagnostics.filter((d) => d.severity === "error");
    if (verdict === "ok") {
      assert.deepEqual(errors.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`), []);
      const unreviewed = report.diagnostics.filter((d) => d.severity === "warning" && !AGREED_WARNINGS.has(d.code));
      assert.deepEqual(unreviewed.map((d) => `${d.file}:${d.line} ${d.code}`), []);
      return;
    }
    for (const want of expected) {
      const found = errors.some((d) =>
        d.file === want.file &&
        (d.message === want.message || want.message.startsWith(`unsupported key '${d.key}' in group`))
      );
      assert.ok(
        found,
        `no error like "${want.message}" in ${want.file}; got ${errors.map((d) => d.message).join(" | ")}`,
      );
    }
  });
}

Deno.test("the corpus as one repository: one call gives every set the generator's verdict", async () => {
  const { toRepositoryJson } = await import("./repository.ts");
  const { findSetFolders, validateRepositoryAt } = await import("../source/validate_path.ts");
  const folders = await findSetFolders(ROOT);
  assert.deepEqual(folders, verdicts.map((v) => v.set).sort());
  const result = await validateRepositoryAt(ROOT, folders, { rootless: true, podmanVersion: "5.8" });
  for (const s of result.sets) {
    const want = verdicts.find((v) => v.set === s.path)!.verdict === "ok";
    assert.equal(s.report.errors === 0, want, `${s.path}: ${s.report.diagnostics.map((d) => d.code).join(" ")}`);
  }
  assert.equal(result.ok, false);
  const json = JSON.parse(toRepositoryJson(result));
  assert.equal(json.sets.length, 99);
  assert.equal(json.sets.filter((s: { ok: boolean }) => !s.ok).length, 7);
});
