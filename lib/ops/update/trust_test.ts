import assert from "node:assert/strict";
import { bench, NGINX, repoWith } from "../../../tests/fakes/fake_host_fixtures.ts";
import { commitAs, makeSigners, type SignerName } from "../../../tests/helpers/signing.ts";
import { ExitCode, type LegerError } from "../../core/errors.ts";
import { createLeger } from "../../leger.ts";
import { readManifest } from "../../state/manifest.ts";
import { TrustConfig } from "../../trust/schema.ts";
import { readStaged } from "./stage.ts";

const web = (tag: string) => `[Container]\nImage=${NGINX}\nExec=sleep ${tag}\n`;

/** A fake host whose config says `trust.default: { verify: signed }` with alice's SSH key, and a repository. */
async function setup(extra: Record<string, unknown> = {}) {
  const signers = await makeSigners();
  const b = await bench({ backend: "files" });
  b.engine.config["health-settle"] = "300ms";
  b.engine.config.trust = TrustConfig.parse({
    keys: { alice: { identity: "alice@example.com", ssh: signers.sshLine.alice } },
    default: { verify: "signed" },
    ...extra,
  });
  const repo = await repoWith(b.host, [{ folder: "web", files: { "web.container": web("1d") } }]);
  const leger = createLeger(b.engine);
  const commit = (who: SignerName | undefined, tag: string, more: Record<string, string> = {}) =>
    commitAs(signers, repo.dir, who, tag, { "apps/web/web.container": web(tag), ...more });
  const close = async () => {
    await b.cleanup();
    await signers.close();
  };
  return { signers, b, repo, leger, commit, close, source: `${repo.url}#main:apps/web` };
}

const refused = (problem: RegExp) => (e: LegerError) => {
  assert.equal(e.exitCode, ExitCode.unverified, e.message);
  assert.match(e.message, problem);
  return true;
};

Deno.test("install takes a signed commit and records who signed it; an unsigned one is refused and nothing is placed", async () => {
  const t = await setup();
  try {
    // The repository's first commit is unsigned.
    await assert.rejects(
      t.leger.install(t.source, { name: "web", healthTimeoutMs: 5_000 }),
      refused(
        /^Cannot install web: commit [0-9a-f]{12} is not signed by a key trust\.default allows: the commit is not signed$/,
      ),
    );
    assert.equal(await readManifest(t.b.engine.paths, "web"), undefined);
    assert.deepEqual([...Deno.readDirSync(t.b.engine.paths.quadletDir)], []);

    const signed = await t.commit("alice", "2d");
    const r = await t.leger.install(t.source, { name: "web", healthTimeoutMs: 5_000 });
    assert.equal(r.manifest.source.commit, signed);
    assert.equal(r.manifest.trust?.verified, true);
    assert.equal(r.manifest.trust?.signer?.name, "alice");
    assert.equal((await t.leger.inspect("web")).trust?.signer?.identity, "alice@example.com");
  } finally {
    await t.close();
  }
});

Deno.test("--allow-unsigned installs an unsigned commit and records that it was not verified", async () => {
  const t = await setup();
  try {
    const r = await t.leger.install(t.source, { name: "web", allowUnsigned: true, healthTimeoutMs: 5_000 });
    assert.deepEqual(
      {
        verified: r.manifest.trust?.verified,
        allow: r.manifest.trust?.allowUnsigned,
        problem: r.manifest.trust?.problem,
      },
      { verified: false, allow: true, problem: "the commit is not signed" },
    );
    assert.ok(t.b.log.events.some((e) => e.level === "warn" && /going ahead \(--allow-unsigned\)/.test(e.message)));
  } finally {
    await t.close();
  }
});

Deno.test("a name the fetched files give themselves does not pick a set's rule; a name the host gives does", async () => {
  const t = await setup({ sets: { scratch: { verify: "none" } } });
  try {
    // An unsigned commit whose .leger.yaml names it after the set whose rule is none.
    await t.commit(undefined, "3d", { "apps/web/.leger.yaml": "name: scratch\n" });
    await assert.rejects(t.leger.install(t.source, { healthTimeoutMs: 5_000 }), refused(/trust\.default allows/));
    const r = await t.leger.install(t.source, { name: "scratch", healthTimeoutMs: 5_000 });
    assert.deepEqual(r.manifest.trust, { verify: "none", rule: "trust.sets.scratch", verified: false });
  } finally {
    await t.close();
  }
});

Deno.test("stage refuses an unsigned new commit; staged with --allow-unsigned, apply needs it too", async () => {
  const t = await setup();
  try {
    await t.commit("alice", "2d");
    await t.leger.install(t.source, { name: "web", healthTimeoutMs: 5_000 });
    const unsigned = await t.commit(undefined, "3d");
    await assert.rejects(t.leger.stage("web"), refused(/^Cannot stage web: commit [0-9a-f]{12} is not signed/));
    assert.equal(await readStaged(t.b.engine, "web"), undefined, "nothing staged");
    // update --dry-run (and stage --dry-run) say the same
    await assert.rejects(t.leger.stage("web", { dryRun: true }), refused(/^Cannot update web: commit/));

    const [staged] = await t.leger.stage("web", { allowUnsigned: true });
    assert.equal(staged!.trust?.allowUnsigned, true);
    assert.equal((await readStaged(t.b.engine, "web"))!.record.trust?.problem, "the commit is not signed");
    await assert.rejects(
      t.leger.apply("web", { healthTimeoutMs: 5_000 }),
      refused(
        /^Cannot apply web: commit [0-9a-f]{12} is not signed by a key trust\.default allows: the commit is not signed$/,
      ),
    );
    assert.notEqual((await readManifest(t.b.engine.paths, "web"))!.source.commit, unsigned);
    await t.leger.apply("web", { allowUnsigned: true, healthTimeoutMs: 5_000 });
    const m = (await readManifest(t.b.engine.paths, "web"))!;
    assert.equal(m.source.commit, unsigned);
    assert.deepEqual([m.trust?.verified, m.trust?.allowUnsigned], [false, true]);
  } finally {
    await t.close();
  }
});

Deno.test("a staged version whose signer the rule no longer allows is refused at apply", async () => {
  const t = await setup();
  try {
    await t.commit("alice", "2d");
    await t.leger.install(t.source, { name: "web", healthTimeoutMs: 5_000 });
    await t.commit("alice", "3d");
    await t.leger.stage("web");
    // The host owner replaces alice's key with mallory's between stage and apply.
    t.b.engine.config.trust = TrustConfig.parse({
      keys: { mallory: { identity: "mallory@example.com", ssh: t.signers.sshLine.mallory } },
      default: { verify: "signed" },
    });
    await assert.rejects(
      t.leger.apply("web", { healthTimeoutMs: 5_000 }),
      refused(/signed by alice, whom trust\.default no longer allows/),
    );
  } finally {
    await t.close();
  }
});
