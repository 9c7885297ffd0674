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
 * updates:                              # what the daemon does unattended (the host's config may override)
 *   policy: apply                       # off | notify (stage and report) | apply
 *   follow: branch                      # branch (the one installed from) | "tag:v1.*" (newest matching tag)
 *   interval: 15m                       # how often to look (default: the config's updates.interval)
 *   window: "Sun *-*-* 03:00..05:00"    # apply only inside this window (systemd calendar syntax)
 * podman: [">=5.6"]                     # podman versions the set targets (validate without a host)
 * ```
 *
 * @module
 */
import { z } from "zod";
import { parseYamlWith, type YamlResult } from "../core/schema/yaml_file.ts";
import { LEGER_YAML, UpdatePolicy } from "./set_meta.ts";

const safeName = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const podmanVersion = z.union([z.string(), z.number()]).transform(String).pipe(
  z.string().regex(/^(>=\s*)?\d+\.\d+$/, "a podman version such as 5.8 or >=5.6"),
);

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
  updates: UpdatePolicy.optional(),
  podman: z.union([podmanVersion, z.array(podmanVersion).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]))
    .optional(),
});
/** Parsed `.leger.yaml`. */
export type LegerYaml = z.infer<typeof LegerYaml>;

/** Parses `.leger.yaml` text, with positions on every problem. */
export function parseLegerYaml(text: string, file = LEGER_YAML): YamlResult<LegerYaml> {
  return parseYamlWith(text, file, LegerYaml);
}
