/**
 * The published JSON Schemas (docs/schemas/) are the ones the zod schemas
 * give, and real documents pass them: `leger validate --json` of valid and
 * broken sets, every .leger.yaml among the fixtures, and the README's
 * config.yaml. A schema that accepted anything would fail the last checks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Validator } from "@cfworker/json-schema";
import { parse } from "yaml";
import { internalSchemas, publishedSchemas } from "./schemas.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const published = publishedSchemas();

async function schema(file: string) {
  return JSON.parse(await Deno.readTextFile(join(ROOT, "docs/schemas", file)));
}

function check(schemaDoc: unknown, doc: unknown): string[] {
  const r = new Validator(schemaDoc as Record<string, unknown>, "2020-12", false).validate(doc);
  return r.errors.map((e) => `${e.instanceLocation}: ${e.error}`);
}

Deno.test("docs/schemas is what the zod schemas give (run scripts/schemas.ts after changing one)", async () => {
  for (const [file, doc] of Object.entries(published)) assert.deepEqual(await schema(file), doc, file);
  const onDisk = [...Deno.readDirSync(join(ROOT, "docs/schemas"))].map((e) => e.name).sort();
  assert.deepEqual(onDisk, Object.keys(published).sort(), "docs/schemas holds exactly the generated files");
});

Deno.test("the internal schemas (lib/state/manifest.schema.json) are what the zod schemas give", async () => {
  const internal = Object.entries(internalSchemas());
  assert.ok(internal.length > 0);
  for (const [file, doc] of internal) {
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(ROOT, file))), doc, `${file}: run scripts/schemas.ts`);
  }
});

Deno.test("validate --json of valid and broken sets follows docs/schemas/validate.schema.json", async () => {
  const s = await schema("validate.schema.json");
  const targets = [
    "tests/fixtures/valid/web-network",
    "tests/fixtures/broken/bool-bad",
    "tests/fixtures/broken/conflict-image-rootfs",
  ];
  let diagnostics = 0;
  for (const target of targets) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", join(ROOT, "main.ts"), "--json", "validate", "--no-host", join(ROOT, target)],
      stdout: "piped",
    }).output();
    const doc = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(check(s, doc), [], target);
    assert.equal(doc.version, 1);
    diagnostics += doc.diagnostics.length;
  }
  assert.ok(diagnostics > 0);
  assert.notDeepEqual(check(s, { version: 2, ok: true, errors: 0, warnings: 0, diagnostics: [] }), []);
});

Deno.test(".leger.yaml of the fixtures and the README's config.yaml follow their schemas; typos do not", async () => {
  const legerYaml = await schema("leger-yaml.schema.json");
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(join(dir, e.name));
      else if (e.name === ".leger.yaml") files.push(join(dir, e.name));
    }
  };
  await walk(join(ROOT, "tests/fixtures"));
  for (const f of files) {
    const doc = parse(await Deno.readTextFile(f)) ?? {};
    if (f.includes("/broken/")) continue; // broken on purpose
    assert.deepEqual(check(legerYaml, doc), [], f);
  }
  const readmeYaml = parse(
    `secrets:\n  - name: leger/hello/api-key\n    podman-secret: hello-api-key\n    env: API_KEY\n`,
  );
  assert.deepEqual(check(legerYaml, readmeYaml), []);
  assert.notDeepEqual(check(legerYaml, { secrets: [{ name: "x", podmanSecret: "y" }] }), []);

  const config = await schema("config.schema.json");
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const block = readme.split("## Configuration")[1]!.split("```yaml\n")[1]!.split("```")[0]!;
  assert.deepEqual(check(config, parse(block)), []);
  assert.notDeepEqual(check(config, { backend: "docker" }), []);
  assert.notDeepEqual(check(config, { daemon: { "setec-sever": "https://x" } }), []);
});
