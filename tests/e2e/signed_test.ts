/**
 * Signed sources on a real host (issue 31). Keys are made in the guest,
 * offline, with the guest's own ssh-keygen and gpg (Debian's
 * openssh-client and gnupg): an SSH key `alice`, an SSH key `mallory`
 * that no policy allows, an OpenPGP key `release`. alice's config says
 * `trust.default: { verify: signed }` with alice and release as the keys.
 *
 * A set follows commits signed by either key unattended; an unsigned
 * commit and one signed by mallory are refused, reported (status,
 * journal at warning priority, on-failure.ts) and not tried again, the
 * running version untouched; a tag moved to an unsigned commit is
 * refused; a fleet file on an unsigned commit installs nothing. The
 * manual commands refuse an unsigned commit (exit 8) unless
 * `--allow-unsigned`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { addCommits, createRepo, type FixtureRepo, type GuestSigners, guestSigners } from "../host/git_fixture.ts";
import { httpGet, leger, legerJson, movedOn, sharedHost, waitFor, webContainer, WHO, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const alice: Who = WHO.find((w) => w.user === "alice")!;
const URL_BASE = "http://127.0.0.1:8418/trusted";
const INTERVAL = "2s";
const CONFIG = "/home/alice/.config/leger/config.yaml";
/** A cycle stages and applies (validation, backup, restart, health gate): slow on a busy machine. */
const WITHIN = 150_000;

interface Signer {
  key: string;
  name?: string;
  identity?: string;
}
interface Trust {
  verify: string;
  rule: string;
  verified: boolean;
  object?: string;
  tag?: string;
  format?: string;
  signer?: Signer;
  problem?: string;
  allowUnsigned?: boolean;
}
interface Refusal {
  commit: string;
  ref?: string;
  problem: string;
  signer?: Signer;
}
interface Status {
  trust?: Trust;
  updates: { lastCheck?: string; lastResult?: string; refused: Refusal[] };
}

let signers: GuestSigners;
let sets: FixtureRepo;
let tags: FixtureRepo;

const legerYaml = (version: string, follow = "branch") =>
  `version: "${version}"\nupdates:\n  policy: apply\n  follow: "${follow}"\n  interval: ${INTERVAL}\n`;

async function row(name: string): Promise<{ name: string; commit: string; state: string } | undefined> {
  const host = await sharedHost();
  return (await legerJson<{ sets: Array<{ name: string; commit: string; state: string }> }>(host, alice, ["list"]))
    .sets.find((r) => r.name === name);
}

async function status(name: string): Promise<Status> {
  return (await legerJson<{ set: Status }>(await sharedHost(), alice, ["status", name])).set;
}

interface DaemonUpdates {
  lastCycleAt?: string;
  fleet?: { result: string; error?: string };
}

/** What the daemon says of its last update cycle and its last look at the fleet repository. */
async function daemonUpdates(): Promise<DaemonUpdates | undefined> {
  const d = await legerJson<{ daemon?: { updates?: DaemonUpdates } }>(await sharedHost(), alice, ["daemon", "status"]);
  return d.daemon?.updates;
}

async function journal(priority?: string): Promise<string> {
  const host = await sharedHost();
  const args = ["journalctl", "--user", "-u", "leger-daemon", "--no-pager", "-o", "cat"];
  return (await host.exec(priority ? [...args, "-p", priority] : args, { user: "alice" })).stdout;
}

async function fingerprint(pub: string): Promise<string> {
  const r = await (await sharedHost()).exec(["ssh-keygen", "-lf", pub], { check: true });
  return r.stdout.split(" ")[1]!;
}

Deno.test({
  name:
    "signed: an install from a commit alice signed is verified; an unsigned one is refused (exit 8) unless --allow-unsigned",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    signers = await guestSigners(host, { ssh: ["alice", "mallory"], openpgp: ["release"] });
    for (const [name, file] of [["alice", "alice.pub"], ["release", "release.asc"]]) {
      const text = await host.readFile(signers.publicFile(name!));
      await host.writeFile(`/home/alice/.config/leger/keys/${file}`, text, { user: "alice" });
    }
    await host.writeFile(
      CONFIG,
      [
        "forges:",
        "  127.0.0.1:8418: gitea",
        "trust:",
        "  keys:",
        "    alice: { identity: alice@example.com, ssh-file: keys/alice.pub }",
        "    release: { identity: release@example.com, openpgp-file: keys/release.asc }",
        "  default: { verify: signed }",
        "",
      ].join("\n"),
      { user: "alice" },
    );
    sets = await createRepo(host, "trusted/sets", [{
      message: "v1",
      sign: signers.signWith("alice"),
      files: { "app/web.container": webContainer({ port: 18801 }), "app/.leger.yaml": legerYaml("1") },
    }]);
    const r = await leger(host, alice, ["install", `${URL_BASE}/sets.git#main:app`, "--name", "sweb"]);
    assert.equal(r.code, 0, r.stderr);
    const inspected = await legerJson<{ set: { trust: Trust } }>(host, alice, ["inspect", "sweb"]);
    assert.equal(inspected.set.trust.verified, true, JSON.stringify(inspected.set.trust));
    assert.equal(inspected.set.trust.format, "ssh");
    assert.deepEqual(inspected.set.trust.signer, {
      key: await fingerprint(signers.publicFile("alice")),
      name: "alice",
      identity: "alice@example.com",
    });
    const text = await leger(host, alice, ["inspect", "sweb"]);
    assert.match(text.stdout, /verified: commit signed by key alice \(alice@example\.com, SHA256:/);

    const loose = await createRepo(host, "trusted/loose", [{
      message: "unsigned",
      files: { "loose/loose.container": webContainer({ port: 18802 }) },
    }]);
    const refused = await leger(host, alice, ["install", `${URL_BASE}/loose.git#main:loose`]);
    assert.equal(refused.code, 8, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(
        `commit ${
          loose.commits[0]!.slice(0, 12)
        } is not signed by a key trust\\.default allows: the commit is not signed`,
      ),
    );
    assert.match(refused.stderr, /--allow-unsigned/);
    assert.equal(await row("loose"), undefined, "nothing installed");
    const allowed = await leger(host, alice, ["install", `${URL_BASE}/loose.git#main:loose`, "--allow-unsigned"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    const looseTrust = (await legerJson<{ set: { trust: Trust } }>(host, alice, ["inspect", "loose"])).set.trust;
    assert.equal(looseTrust.verified, false);
    assert.equal(looseTrust.allowUnsigned, true);
    assert.match(
      (await leger(host, alice, ["status", "loose"])).stdout,
      /NOT verified: commit: the commit is not signed/,
    );
    assert.equal((await leger(host, alice, ["remove", "loose"])).code, 0);
  },
});

Deno.test({
  name: "signed: the daemon follows commits signed by the SSH key and by the OpenPGP key",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await host.writeFile(
      "/home/alice/.config/leger/workflows/on-failure.ts",
      `import type { WorkflowContext } from "leger";
export default async function ({ event }: WorkflowContext) {
  if (!event) return;
  const line = [event.kind, event.set, event.to.commit ?? "-", event.error ?? ""].join(" ").split("\\n")[0];
  await Deno.writeTextFile("/home/alice/failure-events.txt", line + "\\n", { append: true });
}
`,
      { user: "alice" },
    );
    const r = await leger(host, alice, ["daemon", "install", "--now"]);
    assert.equal(r.code, 0, r.stderr);
    const [v2] = await addCommits(host, sets, [{
      message: "v2",
      sign: signers.signWith("release"),
      files: { "app/web.container": webContainer({ port: 18801, image: "localhost/leger-test:v2" }) },
    }]);
    await waitFor("sweb at v2 (OpenPGP)", async () => (await row("sweb"))?.commit === v2, WITHIN, {
      describe: () => journal(),
    });
    assert.match(await httpGet(host, "http://127.0.0.1:18801/") ?? "", /v2/);
    const s = await status("sweb");
    assert.equal(s.trust?.verified, true);
    assert.equal(s.trust?.format, "openpgp");
    assert.equal(s.trust?.signer?.name, "release");
    assert.match(s.trust?.signer?.key ?? "", /^[0-9A-F]{40}$/);
  },
});

Deno.test({
  name:
    "signed: an unsigned commit and one mallory signed are refused, reported and not tried again; sweb keeps running v2",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const v2 = (await row("sweb"))!.commit;
    const [v3] = await addCommits(host, sets, [{
      message: "v3 unsigned",
      files: { "app/web.container": webContainer({ port: 18801, image: "localhost/leger-test:v1" }) },
    }]);
    const s3 = await waitFor(
      "v3 refused",
      async () => {
        const s = await status("sweb");
        return s.updates.refused.some((x) => x.commit === v3) ? s : undefined;
      },
      WITHIN,
      { describe: () => journal() },
    );
    assert.equal(s3.updates.refused.find((x) => x.commit === v3)!.problem, "the commit is not signed");
    assert.equal((await row("sweb"))?.commit, v2);
    assert.match(await httpGet(host, "http://127.0.0.1:18801/") ?? "", /v2/, "the running version is untouched");
    // At warning priority in the journal, and through on-failure.ts.
    const warned = new RegExp(
      `sweb: ${v3!.slice(0, 12)} \\(main\\) refused: the commit is not signed; trust\\.default`,
    );
    assert.match(await journal("warning"), warned);
    await waitFor(
      "on-failure.ts",
      async () =>
        new RegExp(`^refused sweb ${v3}`, "m").test(
          await host.readFile("/home/alice/failure-events.txt").catch(() => ""),
        ),
    );
    assert.match((await leger(host, alice, ["status", "sweb"])).stdout, new RegExp(`refused: +${v3!.slice(0, 12)}`));
    // Three more of the daemon's checks: not fetched or reported again.
    await movedOn("checks of sweb", async () => (await status("sweb")).updates.lastCheck, 3, WITHIN, {
      describe: () => journal(),
    });
    assert.equal((await journal()).match(warned)?.length, 1);
    assert.equal((await row("sweb"))?.commit, v2);

    const [v4] = await addCommits(host, sets, [{
      message: "v4 by mallory",
      sign: signers.signWith("mallory"),
      files: { "app/web.container": webContainer({ port: 18801, image: "localhost/leger-test:v1" }) + "# v4\n" },
    }]);
    const s4 = await waitFor(
      "v4 refused",
      async () => {
        const s = await status("sweb");
        return s.updates.refused.find((x) => x.commit === v4);
      },
      WITHIN,
      { describe: () => journal() },
    );
    assert.equal(s4.problem, "signed by a key the policy does not allow");
    assert.deepEqual(s4.signer, { key: await fingerprint(signers.publicFile("mallory")) });
    assert.equal((await row("sweb"))?.commit, v2);
    assert.match(await httpGet(host, "http://127.0.0.1:18801/") ?? "", /v2/);

    // The manual commands refuse the same commit for the same reason.
    const staged = await leger(host, alice, ["stage", "sweb"]);
    assert.equal(staged.code, 8, staged.stderr);
    assert.match(staged.stderr, /signed by a key the policy does not allow \(signed by SHA256:/);

    const [v5] = await addCommits(host, sets, [{
      message: "v5 by alice",
      sign: signers.signWith("alice"),
      files: { "app/web.container": webContainer({ port: 18801, image: "localhost/leger-test:v1" }) + "# v5\n" },
    }]);
    await waitFor("sweb at v5", async () => (await row("sweb"))?.commit === v5, WITHIN, { describe: () => journal() });
    assert.match(await httpGet(host, "http://127.0.0.1:18801/") ?? "", /v1/);
  },
});

Deno.test({
  name: "signed: a set following tags takes a signed tag, refuses its tag moved to an unsigned commit",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    tags = await createRepo(host, "trusted/tags", [{
      message: "t1",
      sign: signers.signWith("alice"),
      tag: "v1.0",
      tagMessage: "v1.0",
      files: { "tapp/tapp.container": webContainer({ port: 18803 }), "tapp/.leger.yaml": legerYaml("1.0", "tag:v1.*") },
    }]);
    const r = await leger(host, alice, ["install", `${URL_BASE}/tags.git#v1.0:tapp`, "--name", "stag"]);
    assert.equal(r.code, 0, r.stderr);
    const trust = (await legerJson<{ set: { trust: Trust } }>(host, alice, ["inspect", "stag"])).set.trust;
    assert.equal(trust.verified, true);
    assert.equal(trust.object, "tag");
    assert.equal(trust.tag, "v1.0");
    // The tag is moved (force-pushed) to an unsigned commit.
    const [moved] = await addCommits(host, tags, [{
      message: "t2 unsigned",
      tag: "v1.0",
      moveTag: true,
      files: { "tapp/tapp.container": webContainer({ port: 18803, image: "localhost/leger-test:v2" }) },
    }]);
    const refusal = await waitFor(
      "the moved tag refused",
      async () => {
        return (await status("stag")).updates.refused.find((x) => x.commit === moved);
      },
      WITHIN,
      { describe: () => journal() },
    );
    assert.equal(refusal.ref, "v1.0");
    assert.match(refusal.problem, /v1\.0 is a lightweight tag: it carries no signature/);
    assert.equal((await row("stag"))?.commit, tags.commits[0]);
    assert.match(await httpGet(host, "http://127.0.0.1:18803/") ?? "", /v1/);
    // A newer tag the OpenPGP key signed is followed.
    const [t3] = await addCommits(host, tags, [{
      message: "t3",
      sign: signers.signWith("release"),
      tag: "v1.1",
      tagMessage: "v1.1",
      files: { "tapp/tapp.container": webContainer({ port: 18803, image: "localhost/leger-test:v2" }) + "# t3\n" },
    }]);
    await waitFor("stag at v1.1", async () => (await row("stag"))?.commit === t3, WITHIN, {
      describe: () => journal(),
    });
    const after = (await legerJson<{ set: { trust: Trust } }>(host, alice, ["inspect", "stag"])).set.trust;
    assert.equal(after.tag, "v1.1");
    assert.equal(after.signer?.name, "release");
  },
});

Deno.test({
  name: "signed: a fleet file on an unsigned commit installs nothing; signed, it installs",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const fleet = await createRepo(host, "trusted/fleet", [{
      message: "assign unsigned",
      files: {
        "leger-hosts.yaml": "all: [fapp]\n",
        "fapp/fapp.container": webContainer({ port: 18804 }),
      },
    }]);
    const config = await host.readFile(CONFIG);
    await host.writeFile(
      CONFIG,
      config.replace(
        "  default: { verify: signed }\n",
        "  default: { verify: signed }\n  fleet: { verify: signed, signers: [alice] }\n",
      ) +
        `fleet: { source: "${URL_BASE}/fleet.git", ref: main, interval: ${INTERVAL} }\n`,
      { user: "alice" },
    );
    const failed = await waitFor(
      "the fleet file refused",
      async () => {
        const f = (await daemonUpdates())?.fleet;
        return f?.result === "failed" && /not signed/.test(f.error ?? "") ? f : undefined;
      },
      WITHIN,
      { describe: () => journal() },
    );
    assert.match(
      failed.error!,
      new RegExp(`commit ${fleet.commits[0]!.slice(0, 12)} is not signed by a key trust\\.fleet allows`),
    );
    assert.match(await journal("warning"), /fleet: .*leger-hosts\.yaml.* not signed/);
    // Two more of the daemon's cycles: the refused fleet file installs nothing.
    await movedOn("daemon cycles", async () => (await daemonUpdates())?.lastCycleAt, 2, WITHIN, {
      describe: () => journal(),
    });
    assert.equal(await row("fapp"), undefined, "nothing installed");

    const [signed] = await addCommits(host, fleet, [{
      message: "assign signed",
      sign: signers.signWith("alice"),
      files: { "fapp/fapp.container": webContainer({ port: 18804 }) + "# signed\n" },
    }]);
    await waitFor("fapp installed from the signed commit", async () => (await row("fapp"))?.commit === signed, WITHIN, {
      describe: () => journal(),
    });
  },
});
