/**
 * The JSON Schemas leger publishes in docs/schemas/, generated from its zod
 * schemas (`deno run -A scripts/schemas.ts` writes them; a test fails when
 * they are stale): `.leger.yaml` and `config.yaml` for editors' YAML
 * language servers, and the `--json` output of every command
 * (lib/contract/).
 *
 * @module
 */
import { z } from "zod";
import { ConfigFile } from "../config.ts";
import { JSON_OUTPUTS, schemaFile } from "./outputs.ts";
import { LegerYaml } from "../meta/leger_yaml.ts";
import { Manifest } from "../state/manifest.ts";

const BASE = "https://github.com/leger-dev/leger/raw/main/docs/schemas/";

function schemaOf(schema: z.ZodType, file: string, title: string, io: "input" | "output"): Record<string, unknown> {
  return { ...z.toJSONSchema(schema, { io }), $id: BASE + file, title };
}

function outputTitle(name: string): string {
  if (name === "error") return "leger --json: the error document of a failed command (stdout)";
  if (name === "event") return "leger --json: one progress line (stderr)";
  return `leger ${name} --json`;
}

/** Every published schema by file name. */
export function publishedSchemas(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {
    "leger-yaml.schema.json": schemaOf(
      LegerYaml,
      "leger-yaml.schema.json",
      "leger .leger.yaml of a quadlet set",
      "input",
    ),
    "config.schema.json": schemaOf(ConfigFile, "config.schema.json", "leger config.yaml", "input"),
  };
  for (const [name, schema] of Object.entries(JSON_OUTPUTS)) {
    const file = schemaFile(name);
    out[file] = schemaOf(schema, file, outputTitle(name), "output");
  }
  return out;
}

/**
 * Schemas leger reads its own records with where zod is not loaded, by
 * path from the project root: the manifest's, for `leger list`
 * (lib/state/manifest_quick.ts).
 */
export function internalSchemas(): Record<string, Record<string, unknown>> {
  return { "lib/state/manifest.schema.json": z.toJSONSchema(Manifest, { io: "input" }) as Record<string, unknown> };
}
