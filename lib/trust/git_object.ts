/**
 * Reading a commit or tag object (`git cat-file commit|tag`) for what the
 * check needs before git runs a verifier: whether it carries a signature
 * at all, and of which kind, so that git is never asked to start a
 * program (gpgsm for X.509) the policy has no key for; and for a tag, the
 * commit it points at and the name it was signed under.
 *
 * @module
 */

/** The kinds of signature git knows. */
export type SignatureFormat = "ssh" | "openpgp" | "x509";

function formatOf(armorLine: string): SignatureFormat | "unknown" {
  if (armorLine.startsWith("-----BEGIN SSH SIGNATURE-----")) return "ssh";
  if (armorLine.startsWith("-----BEGIN PGP SIGNATURE-----") || armorLine.startsWith("-----BEGIN PGP MESSAGE-----")) {
    return "openpgp";
  }
  if (armorLine.startsWith("-----BEGIN SIGNED MESSAGE-----")) return "x509";
  return "unknown";
}

/** The signature kind of a commit (its `gpgsig` or `gpgsig-sha256` header), or undefined when it has none. */
export function commitSignature(raw: string): SignatureFormat | "unknown" | undefined {
  for (const line of raw.split("\n")) {
    if (line === "") break; // the headers end at the first empty line
    const m = /^gpgsig(?:-sha256)? (.*)$/.exec(line);
    if (m) return formatOf(m[1]!);
  }
  return undefined;
}

/** An annotated tag, as read from its object. */
export interface TagObject {
  /** The object it points at. */
  object: string;
  /** That object's type (`commit` for a tag leger can install). */
  type: string;
  /** The name it was made under (`git tag -s NAME`). */
  tag: string;
  /** Its signature's kind, or undefined when it is not signed. */
  signature?: SignatureFormat | "unknown";
}

/** Reads an annotated tag object; undefined when it is not one. */
export function readTagObject(raw: string): TagObject | undefined {
  const end = raw.indexOf("\n\n");
  const headers = (end < 0 ? raw : raw.slice(0, end)).split("\n");
  const header = (name: string) => headers.find((l) => l.startsWith(name + " "))?.slice(name.length + 1);
  const object = header("object"), type = header("type"), tag = header("tag");
  if (!object || !type || tag === undefined) return undefined;
  // The signature is appended to the message: the last armor block that starts a line.
  const body = end < 0 ? "" : raw.slice(end + 2);
  const armor = body.split("\n").filter((l) => l.startsWith("-----BEGIN ")).pop();
  const signature = armor ? formatOf(armor) : undefined;
  return { object, type, tag, ...(signature ? { signature } : {}) };
}
