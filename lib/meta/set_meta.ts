/**
 * What modules that do not read YAML need to know of `.leger.yaml`: its
 * file name, and the `updates:` block it shares with config.yaml and the
 * host's policy override. Free of the YAML reader (lib/meta/leger_yaml.ts), so
 * that commands which read no YAML file (no config.yaml, no set's
 * `.leger.yaml`) do not load the YAML library.
 *
 * @module
 */
import { z } from "zod";

/** What the daemon does about new versions of a set (`updates:`). */
export const UpdatePolicy = z.strictObject({
  policy: z.enum(["off", "notify", "apply"]).optional(),
  follow: z.string().regex(/^(branch|tag:.+)$/, 'either "branch" or "tag:PATTERN", e.g. tag:v1.*').optional(),
  interval: z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)?$/, "a duration such as 15m or 1h").optional(),
  window: z.string().min(1).optional(),
});
/** A parsed `updates:` block. */
export type UpdatePolicy = z.infer<typeof UpdatePolicy>;

/**
 * The `updates:` block of the host's config.yaml (`updates.default`,
 * `updates.sets.NAME`): the set's keys, and what only the host owner may
 * allow. A set's own `.leger.yaml` cannot grant itself these: its author is
 * the one the checks are about.
 */
export const HostUpdatePolicy = UpdatePolicy.extend({
  /** Apply unattended a version that adds risk findings (host access, privileges). */
  "accept-risks": z.boolean().optional(),
  /** Update unattended from an http:// or git:// source (not loopback). */
  "allow-insecure-transport": z.boolean().optional(),
});
/** A parsed host `updates:` block. */
export type HostUpdatePolicy = z.infer<typeof HostUpdatePolicy>;

/** The file name leger looks for in a set. */
export const LEGER_YAML = ".leger.yaml";
