/**
 * Reading a manifest without loading zod: the text is checked against the
 * JSON Schema that zod's own `Manifest` gives (lib/state/manifest.schema.json,
 * written by scripts/schemas.ts; a test fails when it is stale). Anything
 * that does not conform, including text that is not JSON, goes to
 * {@linkcode parseManifest}, so the verdict and the message are zod's: this
 * only saves loading zod when every manifest is fine. decision 46 in
 * docs/ARCHITECTURE.md.
 *
 * @module
 */
import { conforms } from "../core/schema/json_shape.ts";
import type { Manifest } from "./manifest.ts";
import schema from "./manifest.schema.json" with { type: "json" };

/** Parses manifest text as {@linkcode parseManifest} does; errors name the file and the key. */
export async function parseManifestQuick(text: string, file: string): Promise<Manifest> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  if (data !== undefined && conforms(schema, data)) return data as Manifest;
  const { parseManifest } = await import("./manifest.ts");
  return parseManifest(text, file);
}
