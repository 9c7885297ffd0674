/**
 * The trust check every path that takes a version from Git goes through
 * (install, stage, apply, the daemon's updates, the fleet's
 * `leger-hosts.yaml`): the rule for the source, the check when the rule
 * says `signed`, and the refusal, unless `--allow-unsigned` was given,
 * when it is not verified. Returns the record kept beside the version.
 *
 * @module
 */
import { ExitCode, LegerError } from "../core/errors.ts";
import type { Shell } from "../host/shell.ts";
import type { SignedObject } from "../source/signed_object.ts";
import type { ForgeKind } from "../source/spec.ts";
import { keyringFor, keysDigest } from "./keyring.ts";
import { sha256 } from "../core/fs.ts";
import { trustPolicyFor, type TrustSubject } from "./policy.ts";
import type { TrustRecord } from "./record.ts";
import type { TrustConfig } from "./schema.ts";
import { verifySigned } from "./verify.ts";

/** What the check needs of the run (an Engine has all of it). */
export interface TrustContext {
  $: Shell;
  paths: { cacheDir: string; configDir: string; configFile: string };
  config: { trust?: TrustConfig | undefined; fleet?: { source: string } | undefined };
  forges: Record<string, ForgeKind>;
  log: { warn(message: string): void };
}

/** Options of {@linkcode checkTrust}. */
export interface TrustCheckOptions {
  /** Go ahead when the rule says `signed` and the version is not verified (it is recorded so). */
  allowUnsigned?: boolean;
  /** What is refused, for the message: `install web`, `read leger-hosts.yaml of URL`. */
  action: string;
}

/** A version refused because it is not signed by an allowed key (exit code 8). */
export class UnverifiedError extends LegerError {
  /** The check's record: the object, who signed it if anyone, why it is refused. */
  readonly record: TrustRecord;
  constructor(message: string, record: TrustRecord, hint: string) {
    super(message, { exitCode: ExitCode.unverified, hint, details: { trust: record } });
    this.name = "UnverifiedError";
    this.record = record;
  }
}

/** The short name of what was checked: `commit 1a2b3c4d5e6f` or `tag v1.2 (1a2b3c4d5e6f)`. */
export function checkedObject(record: TrustRecord, commit: string | undefined): string {
  if (record.object === "tag") return `tag ${record.tag} (${(commit ?? record.id ?? "").slice(0, 12)})`;
  return commit || record.id ? `commit ${(commit ?? record.id)!.slice(0, 12)}` : "a local folder";
}

/**
 * Checks a version under the rule for its subject. `signed` is undefined
 * for a local folder (which carries no signature). Throws
 * {@linkcode UnverifiedError} when the rule says `signed`, the version is
 * not verified, and `allowUnsigned` is not set.
 */
export async function checkTrust(
  ctx: TrustContext,
  subject: TrustSubject,
  signed: SignedObject | undefined,
  options: TrustCheckOptions,
): Promise<TrustRecord> {
  const policy = trustPolicyFor(ctx.config.trust, ctx.config.fleet?.source, subject, ctx.forges);
  const rule = { verify: policy.verify, rule: policy.rule };
  if (policy.verify === "none") return { ...rule, verified: false };
  let record: TrustRecord;
  if (!signed) {
    record = { ...rule, verified: false, problem: "a local folder carries no signature" };
  } else {
    const ring = await keyringFor(ctx.$, ctx.paths.cacheDir, ctx.paths.configDir, policy.signers);
    record = { ...rule, ...(await verifySigned(ctx.$, ring, signed)) };
  }
  if (record.verified) return record;
  return refuse(ctx, record, signed?.commit, options);
}

/** Throws the refusal, or (with `allowUnsigned`) warns and returns the record marked so. */
function refuse(ctx: TrustContext, record: TrustRecord, commit: string | undefined, options: TrustCheckOptions) {
  const what = checkedObject(record, commit);
  const signer = record.signer && !record.signer.name ? ` (signed by ${record.signer.key})` : "";
  const message =
    `Cannot ${options.action}: ${what} is not signed by a key ${record.rule} allows: ${record.problem}${signer}`;
  if (options.allowUnsigned) {
    ctx.log.warn(`${message}; going ahead (--allow-unsigned)`);
    return { ...record, allowUnsigned: true };
  }
  throw new UnverifiedError(
    message,
    record,
    `Sign it with a key in trust.keys (git commit -S, git tag -s), add its signer's key to trust.keys in ${ctx.paths.configFile}, or pass --allow-unsigned to take it anyway.`,
  );
}

/**
 * At apply: whether the staged version's check still stands under the
 * rule in force now (config.yaml may have changed since it was staged):
 * verified, by a key the rule still allows. No git runs; the keys'
 * fingerprints come from the keyring folder.
 */
export async function recheckTrust(
  ctx: TrustContext,
  subject: TrustSubject,
  staged: TrustRecord | undefined,
  commit: string | undefined,
  options: TrustCheckOptions,
): Promise<TrustRecord> {
  const policy = trustPolicyFor(ctx.config.trust, ctx.config.fleet?.source, subject, ctx.forges);
  const { allowUnsigned: _, ...kept } = staged ?? { verified: false };
  const record: TrustRecord = { ...kept, verify: policy.verify, rule: policy.rule };
  if (policy.verify === "none") return record;
  if (staged?.verified && staged.signer) {
    const ring = await keyringFor(ctx.$, ctx.paths.cacheDir, ctx.paths.configDir, policy.signers);
    const key = ring.keys.find((k) => k.fingerprint === staged.signer!.key);
    if (key) return { ...record, signer: { key: key.fingerprint, name: key.name, identity: key.identity } };
    record.verified = false;
    record.problem = `signed by ${staged.signer.name ?? staged.signer.key}, whom ${policy.rule} no longer allows`;
  } else if (!staged) {
    record.problem = "it was staged before its signature was checked";
  } else if (!record.problem) {
    record.problem = "its signature was not checked when it was staged";
  }
  return refuse(ctx, record, commit, options);
}

/**
 * A digest of the rule in force for a subject and its keys: a refused
 * commit is not tried again while it is the same (adding the signer's key
 * to trust.keys, or relaxing the rule, tries it again).
 */
export async function trustDigest(ctx: TrustContext, subject: TrustSubject): Promise<string> {
  const policy = trustPolicyFor(ctx.config.trust, ctx.config.fleet?.source, subject, ctx.forges);
  const keys = policy.verify === "none" ? "" : await keysDigest(ctx.paths.configDir, policy.signers);
  return (await sha256(`${policy.verify}\0${policy.rule}\0${keys}`)).slice(0, 16);
}
