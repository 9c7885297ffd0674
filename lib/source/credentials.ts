/**
 * Credentials of https sources. A URL's user info (`https://user:TOKEN@host/…`)
 * is split off when the source is parsed (lib/core/redact.ts): the URL leger
 * stores, prints and hands to git never holds it. The credential itself
 * goes to git through a credential helper that leger sets for that one
 * origin, in git's environment (`GIT_CONFIG_COUNT`), reading the values
 * from two environment variables of git's process: never in argv (which
 * every user can read in /proc), never in the git cache's config.
 *
 * So that the daemon can fetch again later, an install keeps the
 * credential in leger's own store, `<state>/credentials/` (one 0600 file
 * per repository URL in a 0700 folder), and removes it with the last set
 * that uses the URL. A git credential helper of the user's own
 * (`git config credential.helper`) works as before when the URL holds no
 * user info: leger adds nothing then.
 *
 * @module
 */
import { join } from "node:path";
import { atomicWriteJson, ensurePrivateDir, readTextIfExists, removeIfExists, sha256 } from "../core/fs.ts";
import { LegerError } from "../core/errors.ts";

/** A user name and password (or token) for an https repository. */
export interface GitCredential {
  username: string;
  password: string;
}

/** The store's folder in a state folder. */
export function credentialsDir(stateDir: string): string {
  return join(stateDir, "credentials");
}

async function fileOf(dir: string, url: string): Promise<string> {
  return join(dir, (await sha256(url)).slice(0, 16) + ".json");
}

function checkValues(c: GitCredential): void {
  // git's credential protocol is one key=value per line.
  if (/[\n\r\0]/.test(c.username + c.password)) {
    throw new LegerError("Cannot use the source's credential: it holds a line break or NUL", {
      exitCode: 2,
      hint: "Percent-encode the user name and token in the URL.",
    });
  }
}

/** Keeps `credential` for `url` (a URL without user info), 0600. */
export async function saveCredential(dir: string, url: string, credential: GitCredential): Promise<void> {
  checkValues(credential);
  await ensurePrivateDir(dir);
  await atomicWriteJson(await fileOf(dir, url), { url, ...credential });
}

/** The credential kept for `url`, or undefined. A file of another shape is ignored. */
export async function loadCredential(dir: string, url: string): Promise<GitCredential | undefined> {
  const text = await readTextIfExists(await fileOf(dir, url)).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const doc = JSON.parse(text);
    if (doc?.url === url && typeof doc.username === "string" && typeof doc.password === "string") {
      return { username: doc.username, password: doc.password };
    }
  } catch {
    // not ours: ignored
  }
  return undefined;
}

/** Forgets the credential kept for `url`. */
export async function removeCredential(dir: string, url: string): Promise<void> {
  await removeIfExists(await fileOf(dir, url));
}

/**
 * The environment that gives `credential` to git for `url`'s origin only:
 * a redirect to another host, or another repository's host, is not offered
 * it. The helper list of that origin is reset first, so a helper of the
 * user's own does not store the token elsewhere.
 */
export function credentialEnv(url: string, credential: GitCredential): Record<string, string> {
  checkValues(credential);
  const origin = new URL(url).origin;
  const key = `credential.${origin}.helper`;
  return {
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: key,
    GIT_CONFIG_VALUE_0: "",
    GIT_CONFIG_KEY_1: key,
    GIT_CONFIG_VALUE_1:
      `!f() { test "$1" = get || exit 0; printf 'username=%s\\npassword=%s\\n' "$LEGER_GIT_USERNAME" "$LEGER_GIT_PASSWORD"; }; f`,
    LEGER_GIT_USERNAME: credential.username,
    LEGER_GIT_PASSWORD: credential.password,
  };
}
