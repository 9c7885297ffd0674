/**
 * The schema check `leger list` uses instead of zod agrees with zod on
 * every manifest it accepts: each of many broken variants of a real
 * manifest is accepted by both or refused by both (when it refuses what zod
 * accepts, the caller falls back to zod, which is slower but still right;
 * the other way round would list a broken set as fine).
 */
import assert from "node:assert/strict";
import { conforms } from "./json_shape.ts";
import { Manifest } from "../../state/manifest.ts";
import schema from "../../state/manifest.schema.json" with { type: "json" };

const GOOD = {
  schema: 1,
  name: "web",
  scope: "user",
  backend: "native",
  source: { kind: "git", input: "https://example.test/r#main:web", url: "https://example.test/r", subpath: "web" },
  version: "1.2",
  files: [{ name: "web.container", sha256: "ab", path: "/q/web.container", kind: "quadlet" }],
  units: ["web.service"],
  volumes: [{ name: "systemd-data", unitFile: "data.volume" }],
  secrets: [{ name: "db/pass", podmanSecret: "db-pass", env: "PASS", restart: true }],
  ports: ["8080:80"],
  installedAt: "2026-11-30T00:00:00Z",
  updatedAt: "2026-11-30T00:00:00Z",
};

type Json = unknown;

/** Every path to a value inside doc (objects and arrays). */
function paths(doc: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (doc && typeof doc === "object") {
    for (const [k, v] of Object.entries(doc)) out.push(...paths(v, [...at, k]));
  }
  return out;
}

function edit(
  doc: Json,
  at: Array<string | number>,
  change: (parent: Record<string | number, Json>, key: string | number) => void,
): Json {
  const copy = structuredClone(doc);
  let parent = copy as Record<string | number, Json>;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  change(parent, at[at.length - 1]!);
  return copy;
}

/** A value of each JSON kind, and values near the valid ones. */
const REPLACEMENTS: Json[] = [
  null,
  true,
  0,
  1,
  2,
  1.5,
  "",
  "x",
  "user",
  "files",
  "quadlet",
  "git",
  [],
  ["a"],
  [1],
  {},
  {
    name: "n",
  },
];

function variants(): Json[] {
  const out: Json[] = [GOOD, { ...GOOD, extra: 1 }, { ...GOOD, source: { ...GOOD.source, extra: "x" } }];
  for (const at of paths(GOOD)) {
    if (at.length === 0) {
      out.push(...REPLACEMENTS);
      continue;
    }
    out.push(edit(GOOD, at, (p, k) => {
      if (Array.isArray(p)) p.splice(k as number, 1);
      else delete p[k];
    }));
    for (const r of REPLACEMENTS) out.push(edit(GOOD, at, (p, k) => (p[k] = structuredClone(r))));
  }
  return out;
}

Deno.test("the manifest's schema check and zod agree on a valid manifest and on hundreds of broken ones", () => {
  const all = variants();
  let refused = 0;
  for (const doc of all) {
    const zod = Manifest.safeParse(doc).success;
    assert.equal(conforms(schema, doc), zod, JSON.stringify(doc));
    if (!zod) refused++;
  }
  assert.ok(all.length > 500, `${all.length} variants`);
  assert.ok(refused > 400, `${refused} refused`);
  assert.equal(conforms(schema, GOOD), true);
});

Deno.test("a schema keyword the check does not know is never conformed to (the caller then asks zod)", () => {
  assert.equal(conforms({ type: "string" }, "a"), true);
  assert.equal(conforms({ type: "string", pattern: "^a$" }, "a"), false);
  assert.equal(conforms({ type: "object", properties: { a: { type: "string", minLength: 1 } } }, { a: "x" }), false);
  assert.equal(conforms({ anyOf: [{ type: "string" }] }, "a"), false);
  assert.equal(conforms("not a schema", "a"), false);
  assert.equal(conforms({ type: "object", additionalProperties: 3 }, {}), false);
});

Deno.test("the check reads each keyword as JSON Schema does", () => {
  assert.equal(conforms({ type: "integer" }, 2), true);
  assert.equal(conforms({ type: "integer" }, 2.5), false);
  assert.equal(conforms({ type: "number" }, Number.NaN), false);
  assert.equal(conforms({ type: "null" }, null), true);
  assert.equal(conforms({ type: "array", items: { type: "boolean" } }, [true, false]), true);
  assert.equal(conforms({ type: "array", items: { type: "boolean" } }, [true, 1]), false);
  assert.equal(conforms({ type: "object", additionalProperties: false, properties: {} }, { a: 1 }), false);
  assert.equal(conforms({ type: "object", additionalProperties: { type: "number" } }, { a: 1 }), true);
  assert.equal(conforms({ type: "object", additionalProperties: { type: "number" } }, { a: "1" }), false);
  assert.equal(conforms({ type: "object", additionalProperties: true }, { a: "1" }), true);
  assert.equal(conforms({ required: ["a"] }, { b: 1 }), false);
  assert.equal(conforms({ required: ["a"] }, [1]), false);
  assert.equal(conforms({ enum: ["a", "b"] }, "c"), false);
  assert.equal(conforms({ const: 1 }, 1), true);
});
