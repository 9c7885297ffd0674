/**
 * What leger keeps of a signature check: in a set's manifest (the
 * installed commit), its staged record (the staged one), the updater's
 * record of a refused commit, and `--json`. Zod only, so the records'
 * readers load nothing else.
 *
 * @module
 */
import { z } from "zod";

/** Who signed, as far as the verifier could tell. */
export const Signer = z.object({
  /** `SHA256:...` (SSH) or the primary key's fingerprint (OpenPGP). */
  key: z.string(),
  /** The key's name in `trust.keys`, when it is one of them. */
  name: z.string().optional(),
  /** The identity config.yaml gives that key. */
  identity: z.string().optional(),
});
/** Who signed. */
export type Signer = z.infer<typeof Signer>;

/** The outcome of checking one commit or tag under the rule in force. */
export const TrustRecord = z.object({
  /** The rule: `signed` needs a signature by an allowed key; `none` checks nothing. */
  verify: z.enum(["none", "signed"]),
  /** Where the rule was read (`trust.sets.web`, `trust.catalogs.URL`, `trust.fleet`, `trust.default`, `built-in`). */
  rule: z.string(),
  /** A signature by an allowed key was checked and is good. */
  verified: z.boolean(),
  /** What was checked: the commit, or the tag the ref named. */
  object: z.enum(["commit", "tag"]).optional(),
  /** The id of the object checked (the commit, or the tag object). */
  id: z.string().optional(),
  /** The tag's name, when a tag was checked. */
  tag: z.string().optional(),
  /** The signature's kind. */
  format: z.enum(["ssh", "openpgp", "x509", "unknown"]).optional(),
  signer: Signer.optional(),
  /** Why it is not verified. */
  problem: z.string().optional(),
  /** Installed, staged or applied without a verified signature because `--allow-unsigned` was given. */
  allowUnsigned: z.boolean().optional(),
});
/** The outcome of checking one commit or tag. */
export type TrustRecord = z.infer<typeof TrustRecord>;

/** One line for people: `verified: ssh key alice (alice@example.com, SHA256:...)`, or why not. */
export function describeTrust(t: TrustRecord): string {
  const what = t.object === "tag" ? `tag ${t.tag ?? ""}`.trim() : "commit";
  const by = t.signer
    ? `${t.signer.name ? `key ${t.signer.name} (${t.signer.identity}, ${t.signer.key})` : `key ${t.signer.key}`}`
    : "";
  if (t.verified) return `verified: ${what} signed by ${by} (${t.format}; rule ${t.rule})`;
  if (t.verify === "none" && !t.problem) return `not checked (verify: none; rule ${t.rule})`;
  const allowed = t.allowUnsigned ? " (installed with --allow-unsigned)" : "";
  return `NOT verified: ${what}: ${t.problem ?? "not checked"}${by ? `; ${by}` : ""} (rule ${t.rule})${allowed}`;
}
