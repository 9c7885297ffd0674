/**
 * The JSON Schemas leger publishes in docs/schemas/, generated from its zod
 * schemas (`deno run -A scripts/schemas.ts` writes them; a test fails when
 * they are stale): `.leger.yaml` and `config.yaml` for editors' YAML
 * language servers, and the `--json` output of `leger validate`.
 *
 * @module
 */
import { z } from "zod";
import { ConfigFile } from "./config.ts";
import { LegerYaml } from "./leger_yaml.ts";

/** One diagnostic of `leger validate --json` (keys in this order). */
export const DiagnosticJson = z.strictObject({
  file: z.string().describe("file name inside the set (drop-ins as web.container.d/10-x.conf)"),
  line: z.number().int().min(0),
  column: z.number().int().min(0),
  endLine: z.number().int().min(0).optional(),
  endColumn: z.number().int().min(0).optional(),
  severity: z.enum(["error", "warning", "info"]),
  code: z.string().describe("stable code, explained in docs/VALIDATION.md"),
  key: z.string().optional(),
  message: z.string(),
  fix: z.string().optional(),
  source: z.enum(["leger", "generator"]),
});

/** `leger validate --json`. */
export const ValidateJson = z.strictObject({
  version: z.literal(1).describe("bumped on an incompatible change"),
  ok: z.boolean(),
  errors: z.number().int().min(0),
  warnings: z.number().int().min(0),
  diagnostics: z.array(DiagnosticJson),
});

const BASE = "https://github.com/leger-dev/leger/raw/main/docs/schemas/";

function schemaOf(schema: z.ZodType, file: string, title: string, io: "input" | "output"): Record<string, unknown> {
  return { ...z.toJSONSchema(schema, { io }), $id: BASE + file, title };
}

/** Every published schema by file name. */
export function publishedSchemas(): Record<string, Record<string, unknown>> {
  return {
    "leger-yaml.schema.json": schemaOf(
      LegerYaml,
      "leger-yaml.schema.json",
      "leger .leger.yaml of a quadlet set",
      "input",
    ),
    "config.schema.json": schemaOf(ConfigFile, "config.schema.json", "leger config.yaml", "input"),
    "validate.schema.json": schemaOf(ValidateJson, "validate.schema.json", "leger validate --json", "output"),
  };
}
