/**
 * Test helper: signing keys made on the spot (offline) and repositories
 * whose commits and tags they sign, with the machine's git, ssh-keygen
 * and gpg. Every gpg agent started for signing is stopped by `close()`.
 *
 * - SSH: `alice` (the allowed key in most tests) and `mallory`.
 * - OpenPGP: `release`; `old`, made in 2020 and expired a year later;
 *   `past`, made in 2020, whose signatures expire after a day; `revoked`,
 *   whose exported key carries its revocation.
 *
 * @module
 */
import { dirname, join } from "node:path";

/** Who signs a commit or tag. */
export type SignerName = "alice" | "mallory" | "release" | "old" | "past" | "revoked";
type PgpName = "release" | "old" | "past" | "revoked";

/** The keys, and where their public halves are. */
export interface Signers {
  dir: string;
  /** `.pub` line of each SSH key. */
  sshLine: Record<"alice" | "mallory", string>;
  /** Path of each SSH public key file. */
  sshFile: Record<"alice" | "mallory", string>;
  /** Armored public key file of each OpenPGP key. */
  pgpFile: Record<PgpName, string>;
  /** Primary fingerprint of each OpenPGP key. */
  pgpFingerprint: Record<PgpName, string>;
  /** git options that sign a commit or tag as `who`, and the environment they need. */
  signWith(who: SignerName): { config: string[]; env: Record<string, string> };
  /** Stops the gpg agent signing started and removes the keys. */
  close(): Promise<void>;
}

const IDENTITY: Record<SignerName, string> = {
  alice: "alice@example.com",
  mallory: "mallory@example.com",
  release: "release@example.com",
  old: "old@example.com",
  past: "past@example.com",
  revoked: "revoked@example.com",
};

/** Runs a program with no user git config; throws with its stderr when it fails. */
export async function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
): Promise<string> {
  const child = new Deno.Command(cmd, {
    args,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: {
      LC_ALL: "C",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "Test",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "Test",
      GIT_COMMITTER_EMAIL: "t@example.com",
      ...opts.env,
    },
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** Makes the keys in a new temporary folder. */
export async function makeSigners(): Promise<Signers> {
  const dir = await Deno.makeTempDir({ prefix: "leger-signers-" });
  const home = join(dir, "gnupg");
  await Deno.mkdir(home, { mode: 0o700 });
  const gpg = (args: string[]) =>
    sh("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { env: { GNUPGHOME: home } });
  const sshLine = {} as Signers["sshLine"], sshFile = {} as Signers["sshFile"];
  for (const who of ["alice", "mallory"] as const) {
    await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", IDENTITY[who], "-f", join(dir, who)]);
    sshFile[who] = join(dir, `${who}.pub`);
    sshLine[who] = (await Deno.readTextFile(sshFile[who])).trim();
  }
  const in2020 = ["--faked-system-time", "20200101T000000!"];
  await gpg(["--quick-gen-key", `Release <${IDENTITY.release}>`, "ed25519", "sign", "0"]);
  await gpg([...in2020, "--quick-gen-key", `Old <${IDENTITY.old}>`, "ed25519", "sign", "1y"]);
  await gpg([...in2020, "--quick-gen-key", `Past <${IDENTITY.past}>`, "ed25519", "sign", "0"]);
  await gpg(["--quick-gen-key", `Revoked <${IDENTITY.revoked}>`, "ed25519", "sign", "0"]);
  const pgpFile = {} as Signers["pgpFile"], pgpFingerprint = {} as Signers["pgpFingerprint"];
  for (const who of ["release", "old", "past", "revoked"] as const) {
    const colons = await gpg(["--with-colons", "--list-keys", IDENTITY[who]]);
    pgpFingerprint[who] = /^fpr:+([0-9A-F]{40}):/m.exec(colons)![1]!;
  }
  // Wrappers git runs as gpg.program: signing as of 2020 (the old and past keys), with a day's signature expiry.
  const wrapper = async (name: string, extra: string) => {
    const path = join(dir, name);
    await Deno.writeTextFile(path, `#!/bin/sh\nexec gpg ${extra} "$@"\n`);
    await Deno.chmod(path, 0o755);
    return path;
  };
  const gpgOld = await wrapper("gpg-2020", "--faked-system-time 20200601T000000!");
  const gpgPast = await wrapper("gpg-2020-1d", "--faked-system-time 20200601T000000! --default-sig-expire 1d");
  const signers: Signers = {
    dir,
    sshLine,
    sshFile,
    pgpFile,
    pgpFingerprint,
    signWith(who) {
      if (who === "alice" || who === "mallory") {
        return {
          config: ["-c", "gpg.format=ssh", "-c", `user.signingkey=${join(dir, who)}`],
          env: {} as Record<string, string>,
        };
      }
      const program = who === "old" ? gpgOld : who === "past" ? gpgPast : "gpg";
      return {
        config: ["-c", "gpg.format=openpgp", "-c", `gpg.program=${program}`, "-c", `user.signingkey=${IDENTITY[who]}`],
        env: { GNUPGHOME: home },
      };
    },
    async close() {
      await sh("gpgconf", ["--kill", "gpg-agent"], { env: { GNUPGHOME: home } }).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  for (const who of ["release", "old", "past"] as const) {
    pgpFile[who] = join(dir, `${who}.asc`);
    await Deno.writeTextFile(pgpFile[who], await gpg(["--armor", "--export", IDENTITY[who]]));
  }
  // The revoked key's file carries its revocation, made in another home, so the signing home can still sign with it.
  const other = join(dir, "gnupg-revoked");
  await Deno.mkdir(other, { mode: 0o700 });
  const rev = (await Deno.readTextFile(join(home, "openpgp-revocs.d", `${pgpFingerprint.revoked}.rev`)))
    .replace(/^:-----/m, "-----");
  const otherGpg = (args: string[], stdin: string) =>
    sh("gpg", ["--batch", "--no-autostart", ...args], { env: { GNUPGHOME: other }, stdin });
  await otherGpg(["--import"], await gpg(["--armor", "--export", IDENTITY.revoked]));
  await otherGpg(["--import"], rev);
  pgpFile.revoked = join(dir, "revoked.asc");
  await Deno.writeTextFile(pgpFile.revoked, await otherGpg(["--armor", "--export", IDENTITY.revoked], ""));
  return signers;
}

/** A commit in a work repository at `dir` (made when missing), signed as `who` unless undefined; its id. */
export async function commitAs(
  signers: Signers,
  dir: string,
  who: SignerName | undefined,
  message: string,
  files: Record<string, string> = {},
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const git = (args: string[], env: Record<string, string> = {}) => sh("git", args, { cwd: dir, env });
  if (!(await Deno.stat(join(dir, ".git")).catch(() => undefined))) await git(["init", "-q", "-b", "main"]);
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  await git(["add", "-A"]);
  const sign = who ? signers.signWith(who) : { config: [], env: {} };
  await git([...sign.config, "commit", "-q", "--allow-empty", ...(who ? ["-S"] : []), "-m", message], sign.env);
  return (await git(["rev-parse", "HEAD"])).trim();
}

/**
 * Tags a commit: signed and annotated as `who`, annotated and unsigned
 * (`who` "annotated"), or lightweight (`who` "light"); `--force` moves an
 * existing tag.
 */
export async function tagAs(
  signers: Signers,
  dir: string,
  who: SignerName | "annotated" | "light",
  name: string,
  commit: string,
): Promise<void> {
  const git = (args: string[], env: Record<string, string> = {}) => sh("git", args, { cwd: dir, env });
  if (who === "light") return void await git(["tag", "-f", name, commit]);
  if (who === "annotated") return void await git(["tag", "-f", "-a", "-m", name, name, commit]);
  const sign = signers.signWith(who);
  await git([...sign.config, "tag", "-f", "-s", "-m", name, name, commit], sign.env);
}
