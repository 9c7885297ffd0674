/**
 * Writes docs/schemas/*.schema.json (and the internal schemas of
 * lib/contract/schemas.ts) from leger's zod schemas
 * (`deno run -A scripts/schemas.ts`); lib/contract/schemas_test.ts fails when they
 * are stale.
 */
import { internalSchemas, publishedSchemas } from "../lib/contract/schemas.ts";

const dir = new URL("../docs/schemas/", import.meta.url);
await Deno.mkdir(dir, { recursive: true });
for (const [file, schema] of Object.entries(publishedSchemas())) {
  await Deno.writeTextFile(new URL(file, dir), JSON.stringify(schema, null, 2) + "\n");
  console.log(`wrote docs/schemas/${file}`);
}
for (const [file, schema] of Object.entries(internalSchemas())) {
  await Deno.writeTextFile(new URL(`../${file}`, import.meta.url), JSON.stringify(schema, null, 2) + "\n");
  console.log(`wrote ${file}`);
}
