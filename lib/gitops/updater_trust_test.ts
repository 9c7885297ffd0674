import assert from "node:assert/strict";
import { bench, NGINX, repoWith } from "../../tests/fakes/fake_host_fixtures.ts";
import { commitAs, makeSigners, type SignerName, tagAs } from "../../tests/helpers/signing.ts";
import { unattendedOps } from "../leger.ts";
import { install } from "../../tests/helpers/ops.ts";
import { readManifest } from "../state/manifest.ts";
import { TrustConfig } from "../trust/schema.ts";
import { hookFileFor } from "../workflow/hooks.ts";
import { readUpdateRecord } from "../state/update_record.ts";
import { updateCycle, type UpdateEvent } from "./updater.ts";

const web = (tag: string) => `[Container]\nImage=${NGINX}\nExec=sleep ${tag}\n`;

/** Set "web" installed from a commit alice signed, its policy `apply`, the host's rule `verify: signed`. */
async function following(follow = "branch", ref = "main") {
  const signers = await makeSigners();
  const b = await bench({ backend: "files", crashAfterMs: 100 });
  b.engine.config["health-settle"] = "300ms";
  const trust = {
    keys: {
      alice: { identity: "alice@example.com", ssh: signers.sshLine.alice },
      release: { identity: "release@example.com", "openpgp-file": signers.pgpFile.release },
    },
    default: { verify: "signed" },
  };
  b.engine.config.trust = TrustConfig.parse(trust);
  const repo = await repoWith(b.host, [{ folder: "web", files: { "web.container": web("0") } }]);
  const leger = `version: 1\nupdates:\n  policy: apply\n  follow: "${follow}"\n`;
  const commit = (who: SignerName | undefined, tag: string) =>
    commitAs(signers, repo.dir, who, tag, { "apps/web/web.container": web(tag), "apps/web/.leger.yaml": leger });
  const first = await commit("alice", "1d");
  if (follow !== "branch") await tagAs(signers, repo.dir, "alice", ref, first);
  await install(b.engine, `${repo.url}#${ref}:apps/web`, { healthTimeoutMs: 5_000 });
  const events: UpdateEvent[] = [];
  let clock = Date.parse("2026-11-29T10:00:00Z");
  const cycle = async () => {
    clock += 120_000;
    return (await updateCycle(b.engine, unattendedOps(b.engine), {
      now: () => new Date(clock),
      random: () => 0.5,
      force: ["web"],
      onEvent: (e) => void events.push(e),
    })).map((r) => r.result);
  };
  const installed = async () => (await readManifest(b.engine.paths, "web"))!;
  const close = async () => {
    await b.cleanup();
    await signers.close();
  };
  return { signers, b, repo, trust, commit, cycle, events, installed, close, first };
}

Deno.test("verify: signed: the daemon applies what the SSH and OpenPGP keys signed; refuses the rest once, and keeps running", async () => {
  const t = await following();
  try {
    const v2 = await t.commit("release", "2d");
    assert.deepEqual(await t.cycle(), ["applied"]);
    assert.equal((await t.installed()).source.commit, v2);
    assert.equal((await t.installed()).trust?.signer?.name, "release");

    const v3 = await t.commit(undefined, "3d");
    assert.deepEqual(await t.cycle(), ["refused"]);
    assert.equal((await t.installed()).source.commit, v2, "the running version is untouched");
    assert.equal(t.b.host.unit("web.service").active, "active");
    const record = await readUpdateRecord(t.b.engine.paths, "web");
    assert.deepEqual(record.refused.map((r) => [r.commit, r.ref, r.problem, r.rule]), [
      [v3, "main", "the commit is not signed", "trust.default"],
    ]);
    assert.equal(record.staged, undefined);
    const event = t.events.at(-1)!;
    assert.equal(event.kind, "refused");
    assert.equal(hookFileFor(event.kind), "on-failure.ts");
    assert.equal(event.to.commit, v3);
    assert.match(event.message, new RegExp(`^web: ${v3.slice(0, 12)} \\(main\\) refused: the commit is not signed;`));
    assert.ok(t.b.log.events.some((e) => e.level === "warn" && e.message === event.message), "a warning");

    // Not fetched, staged or reported again.
    const fetches = t.b.engine.fetcher.stats.fetches;
    const seen = t.events.length;
    assert.deepEqual(await t.cycle(), ["refused"]);
    assert.deepEqual(await t.cycle(), ["refused"]);
    assert.equal(t.b.engine.fetcher.stats.fetches, fetches);
    assert.equal(t.events.length, seen);

    const v4 = await t.commit("mallory", "4d");
    assert.deepEqual(await t.cycle(), ["refused"]);
    const mallory = (await readUpdateRecord(t.b.engine.paths, "web")).refused.at(-1)!;
    assert.equal(mallory.commit, v4);
    assert.equal(mallory.problem, "signed by a key the policy does not allow");
    assert.match(mallory.signer!.key, /^SHA256:/);
    assert.equal(mallory.signer!.name, undefined);

    // The host owner allows mallory's key: the same commit is tried again, and applied.
    t.b.engine.config.trust = TrustConfig.parse({
      ...t.trust,
      keys: { ...t.trust.keys, mallory: { identity: "mallory@example.com", ssh: t.signers.sshLine.mallory } },
    });
    assert.deepEqual(await t.cycle(), ["applied"]);
    assert.equal((await t.installed()).source.commit, v4);
    assert.equal((await t.installed()).trust?.signer?.name, "mallory");
  } finally {
    await t.close();
  }
});

Deno.test("following tags: a signed tag moved to an unsigned commit is refused; a newer signed tag is applied", async () => {
  const t = await following("tag:v*", "v1.0");
  try {
    assert.equal((await t.installed()).trust?.object, "tag");
    const moved = await t.commit(undefined, "2d");
    await tagAs(t.signers, t.repo.dir, "light", "v1.0", moved);
    assert.deepEqual(await t.cycle(), ["refused"]);
    const r = (await readUpdateRecord(t.b.engine.paths, "web")).refused.at(-1)!;
    assert.deepEqual([r.commit, r.ref, r.tag], [moved, "v1.0", "v1.0"]);
    assert.match(r.problem, /v1\.0 is a lightweight tag: it carries no signature/);
    assert.equal((await t.installed()).source.commit, t.first);

    // Moved again, as an annotated tag that nobody signed.
    await tagAs(t.signers, t.repo.dir, "annotated", "v1.0", moved);
    assert.deepEqual(await t.cycle(), ["refused"]); // the same commit: remembered, not fetched again
    const v11 = await t.commit("alice", "3d");
    await tagAs(t.signers, t.repo.dir, "release", "v1.1", v11);
    assert.deepEqual(await t.cycle(), ["applied"]);
    const m = await t.installed();
    assert.deepEqual([m.source.commit, m.source.ref, m.trust?.tag, m.trust?.signer?.name], [
      v11,
      "v1.1",
      "v1.1",
      "release",
    ]);
  } finally {
    await t.close();
  }
});
