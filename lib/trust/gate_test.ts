import assert from "node:assert/strict";
import { join } from "node:path";
import { ExitCode } from "../core/errors.ts";
import { createShell } from "../host/shell.ts";
import { commitAs, makeSigners } from "../../tests/helpers/signing.ts";
import { checkTrust, recheckTrust, type TrustContext, trustDigest, UnverifiedError } from "./gate.ts";
import { describeTrust } from "./record.ts";
import { TrustConfig } from "./schema.ts";

async function setup() {
  const signers = await makeSigners();
  const root = await Deno.makeTempDir({ prefix: "leger-gate-" });
  const work = join(root, "work");
  const good = await commitAs(signers, work, "alice", "good", { "web/web.container": "[Container]\n" });
  const unsigned = await commitAs(signers, work, undefined, "unsigned", { "web/web.container": "[Container]\n#\n" });
  const warnings: string[] = [];
  const ctx = (trust: unknown, path?: string): TrustContext => ({
    $: createShell(path ? { env: { PATH: path } } : {}),
    paths: { cacheDir: join(root, "cache"), configDir: root, configFile: join(root, "config.yaml") },
    config: { trust: TrustConfig.parse(trust) },
    forges: {},
    log: { warn: (m) => warnings.push(m) },
  });
  const signed = (commit: string) => ({ gitDir: join(work, ".git"), commit });
  const close = async () => {
    await signers.close();
    await Deno.remove(root, { recursive: true });
  };
  return { signers, root, good, unsigned, warnings, ctx, signed, close };
}

const web = { kind: "set" as const, name: "web", url: "https://git.example.com/ops/sets.git" };

Deno.test("verify: signed takes a commit an allowed key signed, and says by whom", async () => {
  const t = await setup();
  try {
    const ctx = t.ctx({
      keys: { alice: { identity: "alice@example.com", ssh: t.signers.sshLine.alice } },
      default: { verify: "signed" },
    });
    const record = await checkTrust(ctx, web, t.signed(t.good), { action: "install web" });
    assert.equal(record.verified, true);
    assert.equal(record.rule, "trust.default");
    assert.equal(record.signer?.name, "alice");
    assert.match(
      describeTrust(record),
      /^verified: commit signed by key alice \(alice@example\.com, SHA256:\S+\) \(ssh; rule trust\.default\)$/,
    );
  } finally {
    await t.close();
  }
});

Deno.test("an unsigned commit is refused (exit 8) with the commit, the rule and what to do; --allow-unsigned records it", async () => {
  const t = await setup();
  try {
    const ctx = t.ctx({
      keys: { alice: { identity: "alice@example.com", ssh: t.signers.sshLine.alice } },
      sets: { web: { verify: "signed" } },
    });
    await assert.rejects(checkTrust(ctx, web, t.signed(t.unsigned), { action: "install web" }), (e: unknown) => {
      assert.ok(e instanceof UnverifiedError);
      assert.equal(e.exitCode, ExitCode.unverified);
      assert.equal(
        e.message,
        `Cannot install web: commit ${
          t.unsigned.slice(0, 12)
        } is not signed by a key trust.sets.web allows: the commit is not signed`,
      );
      assert.match(e.hint!, /--allow-unsigned/);
      assert.deepEqual((e.details!.trust as { id: string }).id, t.unsigned);
      return true;
    });
    const record = await checkTrust(ctx, web, t.signed(t.unsigned), { action: "install web", allowUnsigned: true });
    assert.equal(record.verified, false);
    assert.equal(record.allowUnsigned, true);
    assert.match(t.warnings[0]!, /not signed.*going ahead \(--allow-unsigned\)$/);
    assert.match(
      describeTrust(record),
      /^NOT verified: commit: the commit is not signed \(rule trust\.sets\.web\) \(installed with --allow-unsigned\)$/,
    );
    // A local folder has nothing to verify.
    await assert.rejects(
      checkTrust(ctx, { kind: "set", name: "web" }, undefined, { action: "install web" }),
      /a local folder carries no signature/,
    );
  } finally {
    await t.close();
  }
});

Deno.test("verify: none checks nothing, and says so", async () => {
  const t = await setup();
  try {
    const record = await checkTrust(t.ctx({}), web, t.signed(t.unsigned), { action: "install web" });
    assert.deepEqual(record, { verify: "none", rule: "built-in", verified: false });
    assert.equal(describeTrust(record), "not checked (verify: none; rule built-in)");
  } finally {
    await t.close();
  }
});

Deno.test("a host without ssh-keygen or gpg is told what to install (exit 6), not that the commit is bad", async () => {
  const t = await setup();
  const bin = join(t.root, "bin");
  await Deno.mkdir(bin);
  const which = await new Deno.Command("sh", { args: ["-c", "command -v git"], stdout: "piped" }).output();
  await Deno.symlink(new TextDecoder().decode(which.stdout).trim(), join(bin, "git"));
  try {
    const ssh = t.ctx({
      keys: { alice: { identity: "a@x", ssh: t.signers.sshLine.alice } },
      default: { verify: "signed" },
    }, bin);
    await assert.rejects(checkTrust(ssh, web, t.signed(t.good), { action: "install web" }), (e: UnverifiedError) => {
      assert.equal(e.exitCode, ExitCode.environment);
      assert.match(e.message, /ssh-keygen is not installed/);
      assert.match(e.hint!, /openssh-client/);
      return true;
    });
    const pgp = t.ctx({
      keys: { r: { identity: "r@x", "openpgp-file": t.signers.pgpFile.release } },
      default: { verify: "signed" },
    }, bin);
    await assert.rejects(checkTrust(pgp, web, t.signed(t.good), { action: "install web" }), /gpg is not installed/);
  } finally {
    await t.close();
  }
});

Deno.test("at apply, a staged version stands while its signer is still allowed; a changed rule refuses it", async () => {
  const t = await setup();
  try {
    const keys = {
      alice: { identity: "alice@example.com", ssh: t.signers.sshLine.alice },
      mallory: { identity: "mallory@example.com", ssh: t.signers.sshLine.mallory },
    };
    const staging = t.ctx({ keys, default: { verify: "signed" } });
    const staged = await checkTrust(staging, web, t.signed(t.good), { action: "stage web" });
    const same = await recheckTrust(staging, web, staged, t.good, { action: "apply web" });
    assert.equal(same.verified, true);
    // alice is taken off the set's signers between stage and apply
    const later = t.ctx({
      keys,
      default: { verify: "signed" },
      sets: { web: { verify: "signed", signers: ["mallory"] } },
    });
    await assert.rejects(
      recheckTrust(later, web, staged, t.good, { action: "apply web" }),
      /Cannot apply web: commit [0-9a-f]{12} is not signed by a key trust\.sets\.web allows: signed by alice, whom trust\.sets\.web no longer allows/,
    );
    // staged when nothing was checked, applied when the rule says signed
    const unchecked = await checkTrust(t.ctx({ keys }), web, t.signed(t.good), { action: "stage web" });
    await assert.rejects(
      recheckTrust(staging, web, unchecked, t.good, { action: "apply web" }),
      /its signature was not checked when it was staged/,
    );
    const taken = await recheckTrust(staging, web, unchecked, t.good, { action: "apply web", allowUnsigned: true });
    assert.equal(taken.allowUnsigned, true);
    // the rule relaxed to none: applied, and the record says which rule
    assert.equal(
      (await recheckTrust(t.ctx({ keys }), web, unchecked, t.good, { action: "apply web" })).rule,
      "built-in",
    );
  } finally {
    await t.close();
  }
});

Deno.test("the rule's digest changes when its keys or its verify do, and only then", async () => {
  const t = await setup();
  try {
    const alice = { identity: "alice@example.com", ssh: t.signers.sshLine.alice };
    const mallory = { identity: "mallory@example.com", ssh: t.signers.sshLine.mallory };
    const d = (trust: unknown) => trustDigest(t.ctx(trust), web);
    const base = await d({ keys: { alice }, default: { verify: "signed" } });
    assert.equal(await d({ keys: { alice }, default: { verify: "signed" } }), base);
    assert.notEqual(await d({ keys: { alice, mallory }, default: { verify: "signed" } }), base);
    assert.notEqual(await d({ keys: { alice }, default: { verify: "none" } }), base);
    assert.notEqual(await d({ keys: { alice }, sets: { web: { verify: "signed" } } }), base);
  } finally {
    await t.close();
  }
});
