/**
 * leger run as alice with a PATH she cannot wholly read, as Ansible's
 * `become_method: su` and many `sudo` setups leave it (PATH kept from
 * root): a folder under /root and a folder of mode 0700 owned by root come
 * first, each holding a `zstd`. Backup, restore, stage + apply and the
 * daemon's update cycle must find their programs past them, as `which`
 * does, and say nothing about them (issue 25, item 1: `leger apply` failed
 * with "Permission denied (os error 13): stat '/root/.../zstd'" before
 * touching anything).
 *
 * @module
 */
import assert from "node:assert/strict";
import { addCommits, createRepo, type FixtureRepo } from "../host/git_fixture.ts";
import type { ExecResult } from "../host/guest_exec.ts";
import { httpGet, sharedHost, waitFor, webContainer, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const alice: Who = { user: "alice", scope: "user", backend: "native" };
/** Root's own folders first, as `su` without `-` keeps them. */
const ROOTS_PATH = "/root/bin:/opt/leger-root-only:/usr/local/bin:/usr/bin:/bin";
const URL = "http://127.0.0.1:8418/homelab/pathy.git#main:app";
let repo: FixtureRepo;

function files(version: string, image = "localhost/leger-test:v1"): Record<string, string> {
  return {
    "app/web.container": webContainer({ image, port: 18801, volume: "pathy-data.volume" }),
    "app/pathy-data.volume": "[Volume]\n",
    "app/.leger.yaml": `version: ${version}\nupdates:\n  policy: apply\n  interval: 2s\n`,
    "other/solo.container": webContainer({ port: 18802 }),
  };
}

/**
 * leger as alice, with root's PATH unless `clean`; fails the test on a bad exit or a word about the folders she may
 * not search.
 */
async function legerAsAlice(args: string[], clean = false): Promise<ExecResult> {
  const host = await sharedHost();
  const r = await host.exec(["leger", "--scope", "user", ...args], {
    user: alice.user,
    ...(clean ? {} : { env: { PATH: ROOTS_PATH } }),
    timeoutMs: 240_000,
  });
  assert.equal(r.code, 0, `leger ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Permission denied|leger-root-only|\/root\//, r.stderr);
  return r;
}

async function commit(): Promise<string | undefined> {
  const r = await legerAsAlice(["--json", "list"], true);
  return (JSON.parse(r.stdout) as { sets: { name: string; commit: string }[] }).sets.find((s) => s.name === "pathy")
    ?.commit;
}

Deno.test({
  name: "alice with root's PATH: backup, restore and apply find zstd past folders she may not search",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    // Both folders hold a zstd she must never reach: /root is 0700, and the other folder itself is.
    await host.sh(
      "mkdir -p /root/bin /opt/leger-root-only && cp /usr/bin/zstd /root/bin/ && cp /usr/bin/zstd /opt/leger-root-only/ && " +
        "chmod 700 /root /opt/leger-root-only",
      { check: true },
    );
    const denied = await host.exec(["stat", "/opt/leger-root-only/zstd"], { user: "alice" });
    assert.notEqual(denied.code, 0, "alice must not be able to look into /opt/leger-root-only");
    repo = await createRepo(host, "homelab/pathy", [{ message: "v1", files: files("1") }]);
    // Installed with her own PATH: each operation below meets root's PATH on its own.
    await legerAsAlice(["install", URL, "--name", "pathy"], true);
    assert.match(await httpGet(host, "http://127.0.0.1:18801/") ?? "", /v1/);
    const marker = await host.exec(
      ["podman", "exec", "systemd-web", "sh", "-c", "echo before-backup > /data/marker"],
      { user: "alice" },
    );
    assert.equal(marker.code, 0, marker.stderr);

    const made = JSON.parse((await legerAsAlice(["--json", "backup", "pathy"])).stdout) as {
      backups: { id: string; volumes: { archive: string }[] }[];
    };
    const backup = made.backups[0]!;
    assert.ok(backup.volumes.some((v) => v.archive.endsWith(".tar.zst")), JSON.stringify(backup));

    await host.exec(["podman", "exec", "systemd-web", "sh", "-c", "echo after-backup > /data/marker"], {
      user: "alice",
      check: true,
    });
    await legerAsAlice(["--yes", "restore", "pathy", backup.id]);
    const restored = await host.exec(["podman", "exec", "systemd-web", "cat", "/data/marker"], { user: "alice" });
    assert.equal(restored.stdout.trim(), "before-backup", restored.stderr);

    const [v2] = await addCommits(host, repo, [{ message: "v2", files: files("2", "localhost/leger-test:v2") }]);
    await legerAsAlice(["stage", "pathy"]);
    await legerAsAlice(["apply", "pathy"]);
    assert.equal(await commit(), v2);
    assert.match(await httpGet(host, "http://127.0.0.1:18801/") ?? "", /v2/);
    // list (run before commander, starting busctl itself) and a fetch from git (git, tar) meet the same PATH.
    assert.match((await legerAsAlice(["list"])).stdout, /pathy\s+active/);
    await legerAsAlice(["validate", URL.replace(/:app$/, ":other"), "--no-host"]);
  },
});

Deno.test({
  name: "alice with root's PATH: the daemon's update cycle applies a new commit (backup first) past those folders",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const [v3] = await addCommits(host, repo, [{
      message: "v3",
      files: { ...files("3"), "app/web.container": webContainer({ port: 18801, volume: "pathy-data.volume" }) },
    }]);
    // The daemon in the foreground, with that PATH (as a unit started by `su` would have it); its pid kept to end it.
    const daemon = host.exec(
      [
        "sh",
        "-c",
        "echo $$ > /home/alice/pathy-daemon.pid; exec leger --scope user daemon 2>/home/alice/pathy-daemon.log",
      ],
      { user: "alice", env: { PATH: ROOTS_PATH }, timeoutMs: 200_000 },
    );
    const log = () => host.readFile("/home/alice/pathy-daemon.log").catch(() => "");
    try {
      await waitFor("the daemon to apply v3", async () => (await commit()) === v3, 150_000, { describe: log });
    } finally {
      await host.exec(["sh", "-c", 'kill "$(cat /home/alice/pathy-daemon.pid)"'], { user: "alice" });
      await daemon;
    }
    const text = await log();
    assert.match(text, /applied/, text);
    assert.doesNotMatch(text, /Permission denied|leger-root-only|\/root\//, text);
  },
});
