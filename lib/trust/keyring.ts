/**
 * The keys a policy allows, as git's verifiers read them, in a folder
 * leger owns (`<cache>/trust/<digest>/`, 0700): `allowed_signers` for SSH
 * keys (`gpg.ssh.allowedSignersFile`) and `gnupg/` for OpenPGP keys (the
 * `GNUPGHOME` git's gpg runs with). Nothing of the user's own git or gpg
 * setup is read or changed.
 *
 * The folder is named after a digest of the keys (identities, SSH key
 * lines, the armored files' bytes), built beside its final name and
 * renamed into place, so a run finds either a complete folder or none; a
 * changed key gives another folder. gpg runs with `no-autostart` (no
 * agent is left behind: verifying needs none) and `trust-model always`
 * (the configured keys are the trust: no trust database is consulted or
 * written).
 *
 * @module
 */
import { isAbsolute, join } from "node:path";
import { z } from "zod";
import { ExitCode, LegerError } from "../core/errors.ts";
import { atomicWrite, ensureDir, readTextIfExists, sha256 } from "../core/fs.ts";
import type { Shell } from "../host/shell.ts";
import type { TrustKey } from "./schema.ts";
import { allowedSignersLine, parseSshPublicKey, type SshPublicKey } from "./ssh_key.ts";

/** A configured key, with the fingerprint verifiers report it by. */
export const KeyInfo = z.object({
  /** Its name in `trust.keys`. */
  name: z.string(),
  identity: z.string(),
  format: z.enum(["ssh", "openpgp"]),
  /** `SHA256:...` (SSH) or the primary key's 40-hex fingerprint (OpenPGP). */
  fingerprint: z.string(),
});
/** A configured key, with the fingerprint verifiers report it by. */
export type KeyInfo = z.infer<typeof KeyInfo>;

/** The built folder. */
export interface Keyring {
  dir: string;
  /** git's allowed-signers file (may be empty). */
  allowedSigners: string;
  /** The GNUPGHOME (may hold no key). */
  gnupgHome: string;
  keys: KeyInfo[];
}

type Loaded =
  | { name: string; identity: string; format: "ssh"; key: SshPublicKey }
  | { name: string; identity: string; format: "openpgp"; armored: string; file: string };

const ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

async function readKeyFile(path: string, where: string): Promise<string> {
  const text = await readTextIfExists(path).catch((e) => {
    throw new LegerError(`Cannot read the key file of ${where} (${path}): ${(e as Error).message}`);
  });
  if (text === undefined) {
    throw new LegerError(`Cannot read the key file of ${where}: ${path} does not exist`, {
      hint: "Fix the path in config.yaml (relative paths are read from the config folder).",
    });
  }
  return text;
}

async function load(name: string, key: TrustKey, configDir: string): Promise<Loaded> {
  const where = `trust.keys.${name}`;
  const path = (p: string) => isAbsolute(p) ? p : join(configDir, p);
  if (key.ssh !== undefined) {
    return { name, identity: key.identity, format: "ssh", key: parseSshPublicKey(key.ssh, where) };
  }
  if (key["ssh-file"] !== undefined) {
    const text = await readKeyFile(path(key["ssh-file"]), where);
    return { name, identity: key.identity, format: "ssh", key: parseSshPublicKey(text, where) };
  }
  const file = path(key["openpgp-file"]!);
  const armored = await readKeyFile(file, where);
  if (!armored.includes(ARMOR) || /-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(armored)) {
    throw new LegerError(`Cannot use the key file of ${where} (${file}): it is not an armored OpenPGP public key`, {
      hint: "Export the public key only: gpg --armor --export KEY-ID > FILE.",
    });
  }
  return { name, identity: key.identity, format: "openpgp", armored, file };
}

/** Runs gpg on the folder's GNUPGHOME alone (no agent, no user setup). */
function gpg($: Shell, home: string, args: string[], stdin: string) {
  return $`gpg --batch --no-tty --homedir ${home} ${args}`.clearEnv()
    .env({ GNUPGHOME: home, LC_ALL: "C" })
    .stdinText(stdin).stdout("piped").stderr("piped").noThrow();
}

/** Imports one armored public key; its primary fingerprint. */
async function importOpenPgp($: Shell, home: string, key: Extract<Loaded, { format: "openpgp" }>): Promise<string> {
  const where = `trust.keys.${key.name} (${key.file})`;
  // --trust-model pgp: with gpg.conf's "always", gpg 2.2 fails to list an expired key ("can't open trustdb.gpg").
  const shown = await gpg($, home, [
    "--trust-model",
    "pgp",
    "--with-colons",
    "--import-options",
    "show-only",
    "--import",
  ], key.armored);
  if (shown.code === 127) throw missingGpg(); // dax: "gpg: command not found"
  const records = shown.stdout.split("\n").map((l) => l.split(":"));
  const primaries = records.filter((r) => r[0] === "pub");
  if (shown.code !== 0 || primaries.length !== 1) {
    throw new LegerError(
      `Cannot use the OpenPGP key of ${where}: ${
        primaries.length > 1
          ? `the file holds ${primaries.length} keys; give each its own entry`
          : `gpg cannot read it (${shown.stderr.trim().split("\n").pop()})`
      }`,
      { hint: "Export one public key per file: gpg --armor --export KEY-ID > FILE." },
    );
  }
  // The fingerprint record right after the primary key's is the primary fingerprint.
  const at = records.indexOf(primaries[0]!);
  const fpr = records.slice(at + 1).find((r) => r[0] === "fpr")?.[9];
  if (!fpr) throw new LegerError(`Cannot use the OpenPGP key of ${where}: gpg shows no fingerprint for it`);
  // gpg's exit status is no verdict here: it imports the key and still exits 2 when it cannot reach an agent
  // it has no use for (seen with a GNUPGHOME path too long for a socket: "can't connect to the agent: File
  // name too long"). The key is looked up instead.
  const imported = await gpg($, home, ["--import"], key.armored);
  const listed = await gpg($, home, ["--with-colons", "--list-keys", "--", fpr], "");
  if (listed.code !== 0 || !listed.stdout.includes(`:${fpr}:`)) {
    throw new LegerError(`Cannot use the OpenPGP key of ${where}: gpg --import failed: ${imported.stderr.trim()}`);
  }
  return fpr;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // a torn file: built again
  }
}

/** The error when gpg is not installed. */
export function missingGpg(): LegerError {
  return new LegerError("Cannot check OpenPGP signatures: gpg is not installed", {
    exitCode: ExitCode.environment,
    hint: "Install GnuPG (Fedora: dnf install gnupg2; Debian: apt install gnupg).",
  });
}

/** Reads the configured keys (SSH lines, key files) and digests what they are. */
async function loadKeys(configDir: string, keys: ReadonlyArray<readonly [string, TrustKey]>) {
  const loaded = await Promise.all(keys.map(([name, key]) => load(name, key, configDir)));
  const canonical = loaded.map((k) =>
    k.format === "ssh"
      ? [k.name, k.identity, "ssh", k.key.type, k.key.base64]
      : [k.name, k.identity, "openpgp", k.armored]
  );
  return { loaded, digest: await sha256(JSON.stringify(canonical)) };
}

/** A digest of the keys as configured now (names, identities, key material), without building anything. */
export async function keysDigest(configDir: string, keys: ReadonlyArray<readonly [string, TrustKey]>): Promise<string> {
  return (await loadKeys(configDir, keys)).digest;
}

/** Builds (or finds, when these keys were built before) the folder for a set of configured keys. */
export async function keyringFor(
  $: Shell,
  cacheDir: string,
  configDir: string,
  keys: ReadonlyArray<readonly [string, TrustKey]>,
): Promise<Keyring> {
  const { loaded, digest } = await loadKeys(configDir, keys);
  const dir = join(cacheDir, "trust", digest.slice(0, 20));
  const ring = (keys: KeyInfo[]): Keyring => ({
    dir,
    allowedSigners: join(dir, "allowed_signers"),
    gnupgHome: join(dir, "gnupg"),
    keys,
  });
  const known = await readTextIfExists(join(dir, "keys.json")).catch(() => undefined);
  if (known !== undefined) {
    const parsed = z.array(KeyInfo).safeParse(parseJson(known));
    if (parsed.success) return ring(parsed.data);
  }
  await ensureDir(join(cacheDir, "trust"), 0o700);
  const tmp = `${dir}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.mkdir(join(tmp, "gnupg"), { recursive: true, mode: 0o700 });
    await Deno.chmod(tmp, 0o700);
    await Deno.chmod(join(tmp, "gnupg"), 0o700);
    // An empty common.conf keeps gpg 2.4 from switching a fresh home to keyboxd (another daemon).
    await Deno.writeTextFile(join(tmp, "gnupg", "common.conf"), "");
    await Deno.writeTextFile(join(tmp, "gnupg", "gpg.conf"), "no-autostart\ntrust-model always\n");
    const infos: KeyInfo[] = [];
    const lines: string[] = [];
    for (const k of loaded) {
      if (k.format === "ssh") {
        lines.push(allowedSignersLine(k.identity, k.key));
        infos.push({ name: k.name, identity: k.identity, format: "ssh", fingerprint: k.key.fingerprint });
      } else {
        const fingerprint = await importOpenPgp($, join(tmp, "gnupg"), k);
        infos.push({ name: k.name, identity: k.identity, format: "openpgp", fingerprint });
      }
    }
    await Deno.writeTextFile(join(tmp, "allowed_signers"), lines.map((l) => l + "\n").join(""));
    await atomicWrite(join(tmp, "keys.json"), JSON.stringify(infos, null, 2) + "\n", { mode: 0o600 });
    try {
      await Deno.rename(tmp, dir);
    } catch (error) {
      // Another run built the same keys first: its folder is as good as ours.
      if (!(await readTextIfExists(join(dir, "keys.json")).catch(() => undefined))) throw error;
    }
    return ring(infos);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
