/**
 * What `git verify-commit --raw` / `git verify-tag --raw` print (on
 * stderr), read into who signed and what is wrong. Facts, seen with git
 * 2.39 (Debian 12) and 2.55 (sid), gpg 2.2.40 and 2.4.9, OpenSSH 9.2 and
 * 10.6:
 *
 * - SSH (git runs `ssh-keygen -Y find-principals`, then `-Y verify`):
 *   `Good "git" signature for PRINCIPAL with ED25519 key SHA256:...` (exit 0);
 *   a key the allowed-signers file lacks still prints `Good "git" signature
 *   with ED25519 key SHA256:...` (no `for`), then `No principal matched.`
 *   (exit 1), so the word "Good" proves nothing on its own; a tampered
 *   object: `Signature verification failed: incorrect signature`; a key
 *   past its `valid-before`: `key has expired`.
 * - OpenPGP: gpg's status lines. `GOODSIG` + `VALIDSIG FPR ... PRIMARY-FPR`;
 *   `BADSIG`; `ERRSIG` + `NO_PUBKEY` for a key the keyring lacks (ERRSIG
 *   ends with the signer's fingerprint); `EXPKEYSIG` (the key expired),
 *   `EXPSIG` (the signature expired), `REVKEYSIG` (the key was revoked).
 *   git 2.39 and 2.47 (trixie) exit 1 on `EXPKEYSIG`, git 2.55 exits 0: leger decides from
 *   the status lines, never from the exit code alone.
 * - No signature: a commit prints nothing (exit 1); an unsigned annotated
 *   tag `error: no signature found`.
 *
 * @module
 */

/** What the output says. */
export interface RawVerdict {
  /** The signature checks out (git exited 0 and nothing below is wrong). */
  good: boolean;
  /** The signing key: `SHA256:...` (SSH) or the primary key's 40-hex fingerprint (OpenPGP), when the output names it. */
  key?: string;
  /** The principal the allowed-signers file matched (SSH). */
  principal?: string;
  /** Why it is not good, in a few words. */
  problem?: string;
  /** A program git needed could not be started (ssh-keygen or gpg). */
  missingProgram?: "ssh-keygen" | "gpg";
}

const SSH_GOOD = /^Good "git" signature for (\S+) with \S+ key (SHA256:[A-Za-z0-9+/]+)/m;
const SSH_UNKNOWN = /^Good "git" signature with \S+ key (SHA256:[A-Za-z0-9+/]+)/m;

function missing(text: string): RawVerdict["missingProgram"] {
  const m = /cannot run (ssh-keygen|gpg)\b/.exec(text);
  return m ? m[1] as "ssh-keygen" | "gpg" : undefined;
}

/** Reads the output of an SSH signature's check. */
export function readSshOutput(text: string, exitCode: number): RawVerdict {
  const program = missing(text);
  if (program) return { good: false, missingProgram: program, problem: `${program} cannot be run` };
  const good = SSH_GOOD.exec(text);
  if (good && exitCode === 0) return { good: true, principal: good[1]!, key: good[2]! };
  const unknown = SSH_UNKNOWN.exec(text);
  if (unknown) return { good: false, key: unknown[1]!, problem: "signed by a key the policy does not allow" };
  if (/key has expired|key is not yet valid/.test(text)) return { good: false, problem: "the key is not valid now" };
  if (/incorrect signature|Could not verify signature/.test(text)) {
    return { good: false, problem: "the signature does not match the object (bad signature)" };
  }
  return { good: false, problem: `the signature could not be checked (${firstLine(text) || `exit ${exitCode}`})` };
}

/** Reads gpg's status lines (`[GNUPG:] ...`). */
export function readOpenPgpOutput(text: string, exitCode: number): RawVerdict {
  const program = missing(text);
  if (program) return { good: false, missingProgram: program, problem: `${program} cannot be run` };
  const status = text.split("\n").filter((l) => l.startsWith("[GNUPG:] ")).map((l) => l.slice(9).trim().split(" "));
  const find = (word: string) => status.find((s) => s[0] === word);
  const validsig = find("VALIDSIG");
  // VALIDSIG's 10th field is the primary key's fingerprint (the 1st is the signing subkey's).
  const key = validsig?.[10] ?? validsig?.[1] ?? errsigKey(find("ERRSIG"));
  const withKey = key ? { key } : {};
  if (status.filter((s) => s[0] === "NEWSIG").length > 1) {
    return { good: false, ...withKey, problem: "more than one signature" };
  }
  if (find("BADSIG")) {
    return { good: false, ...withKey, problem: "the signature does not match the object (bad signature)" };
  }
  if (find("REVKEYSIG")) return { good: false, ...withKey, problem: "the key was revoked" };
  if (find("EXPKEYSIG")) return { good: false, ...withKey, problem: "the key has expired" };
  if (find("EXPSIG")) return { good: false, ...withKey, problem: "the signature has expired" };
  if (find("NO_PUBKEY")) return { good: false, ...withKey, problem: "signed by a key the policy does not allow" };
  if (find("ERRSIG")) {
    return { good: false, ...withKey, problem: "the signature could not be checked (unknown algorithm?)" };
  }
  if (find("GOODSIG") && validsig && exitCode === 0) return { good: true, ...withKey };
  return {
    good: false,
    ...withKey,
    problem: `the signature could not be checked (${firstLine(text) || `exit ${exitCode}`})`,
  };
}

/** ERRSIG's last field is the signer's fingerprint on gpg 2.2.7 and newer; its first, the key id. */
function errsigKey(errsig: string[] | undefined): string | undefined {
  if (!errsig) return undefined;
  const last = errsig[errsig.length - 1] ?? "";
  return /^[0-9A-F]{40,64}$/.test(last) ? last : errsig[1];
}

function firstLine(text: string): string {
  return text.split("\n").map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("[GNUPG:]"))?.slice(0, 200) ?? "";
}
