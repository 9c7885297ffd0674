import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell } from "../host/shell.ts";
import { commitAs, makeSigners, sh, type Signers, tagAs } from "../../tests/helpers/signing.ts";
import { keyringFor } from "./keyring.ts";
import type { TrustKey } from "./schema.ts";
import { verifySigned } from "./verify.ts";

const $ = createShell();

interface Fixture {
  signers: Signers;
  root: string;
  work: string;
  gitDir: string;
  c: Record<string, string>;
}

async function fixture(): Promise<Fixture> {
  const signers = await makeSigners();
  const root = await Deno.makeTempDir({ prefix: "leger-verify-" });
  const work = join(root, "work");
  const c: Record<string, string> = {};
  for (const who of ["alice", "release", "mallory", "old", "past", "revoked"] as const) {
    c[who] = await commitAs(signers, work, who, who, { "f.txt": who });
  }
  c.unsigned = await commitAs(signers, work, undefined, "unsigned", { "f.txt": "unsigned" });
  // The same commit as alice's with another message: its signature no longer matches.
  const raw = await sh("git", ["cat-file", "commit", c.alice!], { cwd: work });
  c.tampered = (await sh("git", ["hash-object", "-t", "commit", "-w", "--stdin"], {
    cwd: work,
    stdin: raw.replace(/\nalice\n$/, "\nalice, changed\n"),
  })).trim();
  await tagAs(signers, work, "alice", "v1", c.alice!);
  await tagAs(signers, work, "release", "v2", c.release!);
  await tagAs(signers, work, "annotated", "v3", c.unsigned!);
  await tagAs(signers, work, "light", "v4", c.unsigned!);
  return { signers, root, work, gitDir: join(work, ".git"), c };
}

const allowed = (s: Signers): Array<[string, TrustKey]> => [
  ["alice", { identity: "alice@example.com", ssh: s.sshLine.alice }],
  ["release", { identity: "release@example.com", "openpgp-file": s.pgpFile.release }],
  ["old", { identity: "old@example.com", "openpgp-file": s.pgpFile.old }],
  ["past", { identity: "past@example.com", "openpgp-file": s.pgpFile.past }],
  ["revoked", { identity: "revoked@example.com", "openpgp-file": s.pgpFile.revoked }],
];

async function tagObject(f: Fixture, name: string): Promise<string> {
  return (await sh("git", ["rev-parse", `refs/tags/${name}`], { cwd: f.work })).trim();
}

Deno.test("commits: SSH and OpenPGP signatures by allowed keys verify; every other kind is refused with its reason", async () => {
  const f = await fixture();
  try {
    const ring = await keyringFor($, join(f.root, "cache"), f.root, allowed(f.signers));
    const check = (commit: string) => verifySigned($, ring, { gitDir: f.gitDir, commit });
    const ssh = await check(f.c.alice!);
    assert.equal(ssh.verified, true, ssh.problem);
    assert.equal(ssh.format, "ssh");
    assert.deepEqual(ssh.signer, {
      key: ring.keys.find((k) => k.name === "alice")!.fingerprint,
      name: "alice",
      identity: "alice@example.com",
    });
    // ssh-keygen's own fingerprint is the one recorded
    assert.match(
      await sh("ssh-keygen", ["-lf", f.signers.sshFile.alice]),
      new RegExp(ssh.signer!.key.replace(/\+/g, "\\+")),
    );
    const pgp = await check(f.c.release!);
    assert.equal(pgp.verified, true, pgp.problem);
    assert.deepEqual(pgp.signer, {
      key: f.signers.pgpFingerprint.release,
      name: "release",
      identity: "release@example.com",
    });

    const refused: Array<[string, RegExp, string | undefined]> = [
      ["unsigned", /the commit is not signed/, undefined],
      ["mallory", /a key the policy does not allow/, undefined],
      ["tampered", /bad signature/, undefined],
      ["old", /the key has expired/, f.signers.pgpFingerprint.old],
      ["past", /the signature has expired/, f.signers.pgpFingerprint.past],
      ["revoked", /the key was revoked/, f.signers.pgpFingerprint.revoked],
    ];
    for (const [name, problem, key] of refused) {
      const v = await check(f.c[name]!);
      assert.equal(v.verified, false, name);
      assert.match(v.problem ?? "", problem, name);
      if (key) assert.equal(v.signer?.key, key, name);
    }
    // Who signed is known even for a key that is not allowed.
    const mallory = await check(f.c.mallory!);
    assert.match(mallory.signer?.key ?? "", /^SHA256:/);
    assert.equal(mallory.signer?.name, undefined);
  } finally {
    await f.signers.close();
    await Deno.remove(f.root, { recursive: true });
  }
});

Deno.test("a key outside the policy's signers does not verify, though another policy allows it", async () => {
  const f = await fixture();
  try {
    const onlyAlice = await keyringFor($, join(f.root, "cache"), f.root, allowed(f.signers).slice(0, 1));
    const v = await verifySigned($, onlyAlice, { gitDir: f.gitDir, commit: f.c.release! });
    assert.equal(v.verified, false);
    assert.match(v.problem!, /a key the policy does not allow/);
    assert.equal(v.signer?.key, f.signers.pgpFingerprint.release); // from gpg's ERRSIG line
    const onlyRelease = await keyringFor($, join(f.root, "cache"), f.root, allowed(f.signers).slice(1, 2));
    assert.equal((await verifySigned($, onlyRelease, { gitDir: f.gitDir, commit: f.c.alice! })).verified, false);
    assert.notEqual(onlyAlice.dir, onlyRelease.dir);
  } finally {
    await f.signers.close();
    await Deno.remove(f.root, { recursive: true });
  }
});

Deno.test("tags: a signed tag verifies; an unsigned, lightweight, re-pointed or renamed one is refused", async () => {
  const f = await fixture();
  try {
    const ring = await keyringFor($, join(f.root, "cache"), f.root, allowed(f.signers));
    const check = (name: string, commit: string, object?: string) =>
      verifySigned($, ring, { gitDir: f.gitDir, commit, tag: { name, ...(object ? { object } : {}) } });
    const v1 = await check("v1", f.c.alice!, await tagObject(f, "v1"));
    assert.equal(v1.verified, true, v1.problem);
    assert.equal(v1.object, "tag");
    assert.equal(v1.signer?.name, "alice");
    const v2 = await check("v2", f.c.release!, await tagObject(f, "v2"));
    assert.equal(v2.verified, true, v2.problem);
    assert.match((await check("v3", f.c.unsigned!, await tagObject(f, "v3"))).problem!, /the tag v3 is not signed/);
    assert.match((await check("v4", f.c.unsigned!)).problem!, /lightweight tag: it carries no signature/);
    // v1's signed object offered for another commit, or under another name
    assert.match((await check("v1", f.c.unsigned!, await tagObject(f, "v1"))).problem!, /not the commit fetched/);
    assert.match((await check("v9", f.c.alice!, await tagObject(f, "v1"))).problem!, /made as v1, not v9/);
  } finally {
    await f.signers.close();
    await Deno.remove(f.root, { recursive: true });
  }
});

Deno.test("a shallow, blob-less fetch of a tag or a branch brings what the verifiers read", async () => {
  const f = await fixture();
  try {
    await sh("git", ["config", "uploadpack.allowFilter", "true"], { cwd: f.work });
    await sh("git", ["checkout", "-q", "-b", "signed", f.c.release!], { cwd: f.work });
    const cache = join(f.root, "cache.git");
    const git = (args: string[]) => sh("git", args, { cwd: cache });
    await sh("git", ["init", "-q", "--bare", cache]);
    await git(["config", "remote.origin.url", `file://${f.work}`]);
    await git(["config", "remote.origin.promisor", "true"]);
    await git(["config", "remote.origin.partialclonefilter", "blob:none"]);
    const ring = await keyringFor($, join(f.root, "keys"), f.root, allowed(f.signers));
    // the same fetch the git cache runs (lib/source/fetch.ts)
    await git(["fetch", "-q", "--depth=1", "--no-tags", "--filter=blob:none", "origin", "v1"]);
    const tag = (await git(["rev-parse", "FETCH_HEAD"])).trim();
    assert.equal((await git(["cat-file", "-t", tag])).trim(), "tag");
    const commit = (await git(["rev-parse", "FETCH_HEAD^{commit}"])).trim();
    const v = await verifySigned($, ring, { gitDir: cache, commit, tag: { name: "v1", object: tag } });
    assert.equal(v.verified, true, v.problem);
    await git(["fetch", "-q", "--depth=1", "--no-tags", "--filter=blob:none", "origin", "signed"]);
    const head = (await git(["rev-parse", "FETCH_HEAD"])).trim();
    assert.equal(head, f.c.release);
    assert.equal((await verifySigned($, ring, { gitDir: cache, commit: head })).verified, true);
  } finally {
    await f.signers.close();
    await Deno.remove(f.root, { recursive: true });
  }
});

Deno.test("the user's git and gpg setup is never read: a keyring and allowed signers that trust the key change nothing", async () => {
  const f = await fixture();
  // The user's own setup trusts mallory's SSH key and holds the release key (the signers' GNUPGHOME).
  const userSigners = join(f.root, "user_allowed_signers");
  await Deno.writeTextFile(userSigners, `mallory@example.com ${f.signers.sshLine.mallory}\n`);
  const userConfig = join(f.root, "user.gitconfig");
  await Deno.writeTextFile(userConfig, `[gpg "ssh"]\n\tallowedSignersFile = ${userSigners}\n`);
  const saved = ["GIT_CONFIG_GLOBAL", "GIT_CONFIG_PARAMETERS", "GNUPGHOME"].map((k) => [k, Deno.env.get(k)] as const);
  Deno.env.set("GIT_CONFIG_GLOBAL", userConfig);
  Deno.env.set("GIT_CONFIG_PARAMETERS", `'gpg.ssh.allowedSignersFile'='${userSigners}'`);
  Deno.env.set("GNUPGHOME", join(f.signers.dir, "gnupg"));
  try {
    const onlyAlice = await keyringFor($, join(f.root, "cache"), f.root, allowed(f.signers).slice(0, 1));
    for (const commit of [f.c.mallory!, f.c.release!]) {
      const v = await verifySigned($, onlyAlice, { gitDir: f.gitDir, commit });
      assert.equal(v.verified, false);
      assert.match(v.problem!, /a key the policy does not allow/);
    }
    assert.equal((await verifySigned($, onlyAlice, { gitDir: f.gitDir, commit: f.c.alice! })).verified, true);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
    await f.signers.close();
    await Deno.remove(f.root, { recursive: true });
  }
});

Deno.test("a cache folder too deep for a gpg socket still gets its keyring (gpg exits 2 there, having imported the key)", async () => {
  const f = await fixture();
  try {
    const deep = join(f.root, "a-folder-name-long-enough".repeat(4), "and-deeper-still".repeat(2));
    const ring = await keyringFor($, deep, f.root, allowed(f.signers).slice(1, 2));
    assert.ok(join(ring.gnupgHome, "S.gpg-agent").length > 108);
    assert.equal((await verifySigned($, ring, { gitDir: f.gitDir, commit: f.c.release! })).verified, true);
  } finally {
    await f.signers.close();
    await Deno.remove(f.root, { recursive: true });
  }
});
