/**
 * `.leger.yaml`, the optional metadata file of a quadlet set.
 *
 * ```yaml
 * name: openwebui            # default set name
 * version: 1.4.0             # shown by list, diff and backups
 * description: Open WebUI
 * secrets:
 *   - name: leger/openwebui/api-key     # Setec secret
 *     podman-secret: openwebui-api-key  # Podman secret the quadlets use
 *     env: OPENAI_API_KEY               # optional, checked against Secret=
 *     restart: true                     # optional
 * health:
 *   timeout: 30s                        # apply/restore health gate
 * ```
 *
 * @module
 */
import { z } from "zod";
import { parseYamlWith, type YamlResult } from "./yaml_file.ts";

const safeName = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** One declared secret. */
export const LegerYamlSecret = z.strictObject({
  name: z.string().min(1).regex(/^[A-Za-z0-9_./-]+$/, "Setec names use letters, digits and _ . / -"),
  "podman-secret": z.string().regex(safeName, "not a valid Podman secret name"),
  env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "not an environment variable name").optional(),
  restart: z.boolean().optional(),
});

/** The schema of `.leger.yaml`. */
export const LegerYaml = z.strictObject({
  name: z.string().regex(safeName, "use letters, digits, _ . and -").optional(),
  version: z.union([z.string(), z.number()]).transform(String).optional(),
  description: z.string().optional(),
  secrets: z.array(LegerYamlSecret).default([]),
  health: z.strictObject({
    timeout: z.string().regex(/^\d+(ms|s|m|h)?$/, "a duration such as 30s or 2m").optional(),
  }).optional(),
});
/** Parsed `.leger.yaml`. */
export type LegerYaml = z.infer<typeof LegerYaml>;

/** The file name leger looks for in a set. */
export const LEGER_YAML = ".leger.yaml";

/** Parses `.leger.yaml` text, with positions on every problem. */
export function parseLegerYaml(text: string, file = LEGER_YAML): YamlResult<LegerYaml> {
  return parseYamlWith(text, file, LegerYaml);
}
