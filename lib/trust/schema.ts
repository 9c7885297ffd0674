/**
 * The trust policy's place in config.yaml (`trust:`): the keys allowed to
 * sign, and per source whether a signature is required.
 *
 * ```yaml
 * trust:
 *   keys:                                   # by a name of your choosing
 *     alice:
 *       identity: alice@example.com         # who holds it (shown by status and inspect)
 *       ssh: "ssh-ed25519 AAAAC3Nz... alice@laptop"   # or ssh-file: /etc/leger/keys/alice.pub
 *     release:
 *       identity: release@example.com
 *       openpgp-file: /etc/leger/keys/release.asc     # an armored public key
 *   default: { verify: signed }             # every source not named below (built in: none)
 *   sets:                                   # by set name
 *     scratch: { verify: none }
 *   catalogs:                               # by repository URL: every set installed from it
 *     https://git.example.com/ops/sets.git: { verify: signed, signers: [release] }
 *   fleet: { verify: signed, signers: [alice] }   # the fleet repository (fleet.source)
 * ```
 *
 * Zod only: config.yaml's schema imports it, and so does every command.
 *
 * @module
 */
import { z } from "zod";

/** A key's name in `trust.keys`, as policies list it in `signers`. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * An identity: a principal in git's allowed-signers file, so no blank,
 * comma, quote or pattern character (`*`, `?`, `!`) may reach it.
 */
const IDENTITY = /^[^\s,"'*?!]+$/;

/** One key allowed to sign. */
export const TrustKey = z.strictObject({
  /** Who holds the key: an e-mail address or a name without blanks. */
  identity: z.string().regex(IDENTITY, "an e-mail address or a name without blanks, commas, quotes, * ? or !"),
  /** An SSH public key, as one line of a `.pub` file (`ssh-ed25519 AAAA... comment`). */
  ssh: z.string().min(1).optional(),
  /** A file holding one SSH public key line (relative paths: to the config folder). */
  "ssh-file": z.string().min(1).optional(),
  /** A file holding one armored OpenPGP public key (`gpg --armor --export KEY`). */
  "openpgp-file": z.string().min(1).optional(),
}).refine(
  (k) => [k.ssh, k["ssh-file"], k["openpgp-file"]].filter((v) => v !== undefined).length === 1,
  "give exactly one of ssh, ssh-file or openpgp-file",
);
/** One key allowed to sign. */
export type TrustKey = z.infer<typeof TrustKey>;

/** Whether a source's commits must be signed, and by whom. */
export const TrustRule = z.strictObject({
  /** `signed`: only a commit (or tag) signed by one of `signers` is installed, staged or applied. */
  verify: z.enum(["none", "signed"]),
  /** Names of keys in `trust.keys` (default: every key there). */
  signers: z.array(z.string().regex(KEY_NAME, "a key's name in trust.keys")).min(1).optional(),
});
/** Whether a source's commits must be signed, and by whom. */
export type TrustRule = z.infer<typeof TrustRule>;

/** config.yaml's `trust:`. */
export const TrustConfig = z.strictObject({
  keys: z.record(z.string().regex(KEY_NAME, "a name: letters, digits and _ . -"), TrustKey).default(() => ({})),
  /** The rule of every source no other entry names (built in: `verify: none`). */
  default: TrustRule.optional(),
  /** By set name. */
  sets: z.record(z.string(), TrustRule).default(() => ({})),
  /** By repository URL (as in the source, without the `#REF:FOLDER` part): every set installed from it. */
  catalogs: z.record(z.string(), TrustRule).default(() => ({})),
  /** The fleet repository (`fleet.source`): its leger-hosts.yaml, and the sets installed from it. */
  fleet: TrustRule.optional(),
}).superRefine((trust, ctx) => {
  const rules: Array<[Array<string | number>, TrustRule | undefined]> = [
    [["default"], trust.default],
    [["fleet"], trust.fleet],
    ...Object.entries(trust.sets).map(([k, r]): [string[], TrustRule] => [["sets", k], r]),
    ...Object.entries(trust.catalogs).map(([k, r]): [string[], TrustRule] => [["catalogs", k], r]),
  ];
  const names = Object.keys(trust.keys);
  for (const [path, rule] of rules) {
    if (!rule) continue;
    rule.signers?.forEach((name, i) => {
      if (!(name in trust.keys)) {
        ctx.addIssue({
          code: "custom",
          path: [...path, "signers", i],
          message: `no key named ${JSON.stringify(name)} in trust.keys (${names.join(", ") || "none"})`,
        });
      }
    });
    if (rule.verify === "signed" && names.length === 0) {
      ctx.addIssue({ code: "custom", path: [...path, "verify"], message: "verify: signed needs a key in trust.keys" });
    }
  }
});
/** config.yaml's `trust:`, parsed. */
export type TrustConfig = z.infer<typeof TrustConfig>;
