/**
 * Checks one commit or annotated tag in leger's git cache with git's own
 * verifiers (`git verify-commit --raw` / `git verify-tag --raw`), under a
 * configuration of leger's alone: no global or system git config
 * (`GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1`, an empty
 * environment otherwise), the policy's allowed-signers file, and its
 * GNUPGHOME. git picks SSH or OpenPGP from the signature itself.
 *
 * A shallow, blob-less fetch of a branch or commit brings the commit
 * object with its `gpgsig` header, which is all `verify-commit` reads; a
 * fetch of a tag by name brings the tag object (FETCH_HEAD names it),
 * which is all `verify-tag` reads. Seen with git 2.39 and 2.55.
 *
 * @module
 */
import { ExitCode, LegerError } from "../core/errors.ts";
import { currentEnv } from "../core/paths.ts";
import type { Shell } from "../host/shell.ts";
import type { SignedObject } from "../source/signed_object.ts";
import { commitSignature, readTagObject, type SignatureFormat } from "./git_object.ts";
import type { KeyInfo, Keyring } from "./keyring.ts";
import { missingGpg } from "./keyring.ts";
import { type RawVerdict, readOpenPgpOutput, readSshOutput } from "./raw_output.ts";
import type { TrustRecord } from "./record.ts";

/** The check's outcome, without the rule (see gate.ts). */
export type Verification = Omit<TrustRecord, "verify" | "rule" | "allowUnsigned">;

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** git in leger's configuration only, on the cache repository. */
function git($: Shell, ring: Keyring, gitDir: string, args: string[]) {
  return $`git --git-dir=${gitDir} -c ${`gpg.ssh.allowedSignersFile=${ring.allowedSigners}`} -c gpg.program=gpg -c gpg.ssh.program=ssh-keygen ${args}`
    .clearEnv()
    .env({
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GNUPGHOME: ring.gnupgHome,
      HOME: ring.dir,
      LC_ALL: "C",
      ...(currentEnv().TMPDIR ? { TMPDIR: currentEnv().TMPDIR! } : {}),
    })
    .stdin("null").stdout("piped").stderr("piped").noThrow();
}

function signerOf(verdict: RawVerdict, keys: KeyInfo[]): TrustRecord["signer"] | undefined {
  if (!verdict.key) return undefined;
  const known = keys.find((k) => k.fingerprint.toUpperCase() === verdict.key!.toUpperCase());
  return known ? { key: known.fingerprint, name: known.name, identity: known.identity } : { key: verdict.key };
}

function missingProgram(program: "ssh-keygen" | "gpg"): LegerError {
  if (program === "gpg") return missingGpg();
  return new LegerError("Cannot check SSH signatures: ssh-keygen is not installed", {
    exitCode: ExitCode.environment,
    hint: "Install OpenSSH's client tools (Fedora: dnf install openssh-clients; Debian: apt install openssh-client).",
  });
}

/** Reads an object's text from the cache; undefined when git has no such object. */
async function catFile($: Shell, ring: Keyring, gitDir: string, type: "commit" | "tag", id: string) {
  const r = await git($, ring, gitDir, ["cat-file", type, id]);
  return r.code === 0 ? r.stdout : undefined;
}

/**
 * Checks the signature of what a fetch brought: the tag when the ref named
 * one, else the commit. Throws only when a program git needs is missing
 * (exit 6); every other outcome is a verdict.
 */
export async function verifySigned($: Shell, ring: Keyring, signed: SignedObject): Promise<Verification> {
  const { gitDir, commit, tag } = signed;
  if (!OBJECT_ID.test(commit) || (tag?.object !== undefined && !OBJECT_ID.test(tag.object))) {
    return { verified: false, problem: "not an object id" };
  }
  let format: SignatureFormat | "unknown" | undefined;
  let base: Verification;
  if (tag) {
    base = { verified: false, object: "tag", id: tag.object ?? commit, tag: tag.name };
    if (tag.object === undefined) {
      return {
        ...base,
        problem: `${tag.name} is a lightweight tag: it carries no signature (sign tags with git tag -s)`,
      };
    }
    const raw = await catFile($, ring, gitDir, "tag", tag.object);
    const parsed = raw === undefined ? undefined : readTagObject(raw);
    if (!parsed) return { ...base, problem: "the tag object cannot be read" };
    if (parsed.type !== "commit" || parsed.object !== commit) {
      return {
        ...base,
        problem: `the tag points at ${parsed.type} ${parsed.object.slice(0, 12)}, not the commit fetched`,
      };
    }
    // A signed tag of another name, re-pointed under this one, must not pass for it.
    if (parsed.tag !== tag.name) {
      return { ...base, problem: `the tag object was made as ${parsed.tag}, not ${tag.name}` };
    }
    format = parsed.signature;
    if (!format) return { ...base, problem: `the tag ${tag.name} is not signed` };
  } else {
    base = { verified: false, object: "commit", id: commit };
    const raw = await catFile($, ring, gitDir, "commit", commit);
    if (raw === undefined) return { ...base, problem: "the commit cannot be read" };
    format = commitSignature(raw);
    if (!format) return { ...base, problem: "the commit is not signed" };
  }
  if (format !== "ssh" && format !== "openpgp") {
    // Not handed to git: it would start gpgsm (X.509), which leger has no keys for.
    return {
      ...base,
      format,
      problem: `signed as ${
        format === "x509" ? "X.509 (gpgsm)" : "an unknown kind"
      }; only SSH and OpenPGP signatures are checked`,
    };
  }
  const id = tag ? tag.object! : commit;
  const r = await git($, ring, gitDir, [tag ? "verify-tag" : "verify-commit", "--raw", "--", id]);
  const verdict = format === "ssh" ? readSshOutput(r.stderr, r.code) : readOpenPgpOutput(r.stderr, r.code);
  if (verdict.missingProgram) throw missingProgram(verdict.missingProgram);
  const signer = signerOf(verdict, ring.keys);
  const withSigner = { ...base, format, ...(signer ? { signer } : {}) };
  if (verdict.good && signer?.name !== undefined) return { ...withSigner, verified: true };
  return {
    ...withSigner,
    problem: verdict.good ? "signed by a key the policy does not allow" : verdict.problem ?? "not verified",
  };
}
