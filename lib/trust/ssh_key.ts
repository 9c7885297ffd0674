/**
 * SSH public keys as the trust policy names them: one `.pub` line
 * (`ssh-ed25519 AAAA... comment`), checked, with its SHA256 fingerprint
 * (as `ssh-keygen -l` and git's `verify-commit` print it) and its line in
 * git's allowed-signers file.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { LegerError } from "../core/errors.ts";

/** Key types ssh-keygen signs git objects with. */
const KEY_TYPES = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);

/** A checked SSH public key. */
export interface SshPublicKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, ... */
  type: string;
  /** The key blob, base64 as in the `.pub` line. */
  base64: string;
  /** `SHA256:...` (base64 without padding), as ssh-keygen prints it. */
  fingerprint: string;
}

function base64Bytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The SHA256 fingerprint of a key blob, as ssh-keygen prints it. */
export function sshFingerprint(blob: Uint8Array): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/**
 * Reads one SSH public key from a `.pub` line (blank lines and `#`
 * comments around it are allowed; the key's comment is dropped). `where`
 * names it in errors (`trust.keys.alice`).
 */
export function parseSshPublicKey(text: string, where: string): SshPublicKey {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  const fail = (why: string) =>
    new LegerError(`Cannot use the SSH key of ${where}: ${why}`, {
      hint: "Give the public key as one line of its .pub file: ssh-ed25519 AAAA... (ssh-keygen -y -f KEY prints it).",
    });
  if (lines.length !== 1) throw fail(lines.length === 0 ? "no key" : `${lines.length} lines; give one key`);
  const [type, b64] = lines[0]!.split(/\s+/);
  if (!type || !KEY_TYPES.has(type)) {
    throw fail(`"${(type ?? "").slice(0, 40)}" is not an SSH public key type (${[...KEY_TYPES].join(", ")})`);
  }
  const blob = base64Bytes(b64 ?? "");
  if (!blob) throw fail("the key is not base64");
  // The blob starts with its own type as an SSH string: a pasted key of another type, or a cut one, shows here.
  const len = blob.length >= 4 ? new DataView(blob.buffer, blob.byteOffset).getUint32(0) : -1;
  const inner = len >= 0 && 4 + len <= blob.length ? new TextDecoder().decode(blob.subarray(4, 4 + len)) : undefined;
  if (inner !== type) throw fail(`the key's data does not hold a ${type} key`);
  return { type, base64: b64!, fingerprint: sshFingerprint(blob) };
}

/** A line of git's allowed-signers file: the identity may sign git objects with this key. */
export function allowedSignersLine(identity: string, key: SshPublicKey): string {
  return `${identity} namespaces="git" ${key.type} ${key.base64}`;
}
