/**
 * `leger validate --sarif` against the SARIF 2.1.0 JSON schema (vendored in
 * tests/fixtures/sarif with its licence note): the log of a real broken set,
 * with paths relative to the repository, rule metadata and the version.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Validator } from "@cfworker/json-schema";
import denoJson from "../../../deno.json" with { type: "json" };
import { repoRelative } from "../../source/repo_root.ts";

const ROOT = new URL("../../..", import.meta.url).pathname;
const schema = JSON.parse(await Deno.readTextFile(join(ROOT, "tests/fixtures/sarif/sarif-schema-2.1.0.json")));

async function sarifOf(target: string, cwd = ROOT) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", join(ROOT, "main.ts"), "validate", "--no-host", "--sarif", target],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, log: JSON.parse(new TextDecoder().decode(out.stdout)) };
}

Deno.test("validate --sarif writes a log the SARIF 2.1.0 schema accepts, paths relative to the repository", async () => {
  const { code, log } = await sarifOf("tests/fixtures/broken/conflict-image-rootfs");
  assert.equal(code, 3);
  const result = new Validator(schema, "4", false).validate(log);
  assert.ok(result.valid, JSON.stringify(result.errors.slice(0, 5), null, 2));
  // The schema check has teeth: a level SARIF does not know is refused.
  const broken = structuredClone(log);
  broken.runs[0].results[0].level = "fatal";
  assert.equal(new Validator(schema, "4", false).validate(broken).valid, false);
  const run = log.runs[0];
  assert.equal(run.tool.driver.version, denoJson.version);
  for (const rule of run.tool.driver.rules) {
    assert.match(rule.helpUri, /^https:\/\/.+VALIDATION\.md#codes$/);
    assert.ok(rule.help.text.includes(rule.id));
  }
  for (const r of run.results) {
    const loc = r.locations[0].physicalLocation.artifactLocation;
    assert.equal(loc.uriBaseId, "%SRCROOT%");
    assert.match(loc.uri, /^tests\/fixtures\/broken\/conflict-image-rootfs\/[^/]+$/);
  }
});

Deno.test("the SARIF paths do not depend on the folder leger runs in", async () => {
  const inside = await sarifOf(join(ROOT, "tests/fixtures/broken/bool-bad"), "/tmp");
  const uris = inside.log.runs[0].results.map((
    r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] },
  ) => r.locations[0]!.physicalLocation.artifactLocation.uri);
  assert.ok(uris.length > 0);
  for (const uri of uris) assert.match(uri, /^tests\/fixtures\/broken\/bool-bad\//);
});

Deno.test("repoRelative finds the repository root, else the working folder", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "repo/.git"), { recursive: true });
  await Deno.mkdir(join(dir, "repo/sets/web"), { recursive: true });
  assert.equal(repoRelative(join(dir, "repo/sets/web"), "/"), "sets/web");
  assert.equal(repoRelative(join(dir, "repo"), "/"), "");
  await Deno.mkdir(join(dir, "plain/a b"), { recursive: true });
  assert.equal(repoRelative("a b", join(dir, "plain")), "a b");
  assert.equal(repoRelative(join(dir, "plain/a b"), "/nonexistent-cwd"), undefined);
  await Deno.remove(dir, { recursive: true });
});
