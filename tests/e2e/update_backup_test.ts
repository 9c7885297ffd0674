/**
 * Staged updates and backups on a real systemd + podman host, as alice
 * (rootless): v1 -> v2 through stage/diff/apply, a broken v3 rolled back by
 * itself, and a volume's exact content brought back by restore; a damaged
 * backup refused; a full disk leaves no partial backup and the units up.
 *
 * @module
 */
import assert from "node:assert/strict";
import { addCommits, createRepo } from "../host/git_fixture.ts";
import { BACKENDS, httpGet, leger, legerJson, sharedHost, webContainer, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const alice: Who = { user: "alice", scope: "user", backend: BACKENDS[0]! };
const root: Who = { user: "root", scope: "system", backend: BACKENDS[0]! };

function v1(): Record<string, string> {
  return {
    "app/web.container": webContainer({ port: 18601, volume: "web-data.volume" }),
    "app/web-data.volume": "[Volume]\n",
    "app/.leger.yaml": "version: 1.0.0\n",
  };
}

function v2(): Record<string, string> {
  return {
    "app/web.container": webContainer({
      image: "localhost/leger-test:v2",
      port: 18601,
      volume: "web-data.volume",
      env: { GREETING: "hello-v2" },
      extra: ["PublishPort=127.0.0.1:18602:8080"],
    }),
    "app/.leger.yaml": "version: 2.0.0\n",
  };
}

const v3 = () => ({
  "app/web.container": webContainer({ image: "localhost/leger-test:v2", port: 18601, volume: "web-data.volume" })
    .replace(/^Exec=.*$/m, `Exec=/bin/sh -c "echo about-to-fail; exit 3"`),
  "app/.leger.yaml": "version: 3.0.0\n",
});

/** A listing of a volume's tree as seen in the container: names, types, modes, link targets, file hashes. */
async function tree(user: "alice" | "root", container: string): Promise<string> {
  const host = await sharedHost();
  const r = await host.exec([
    "podman",
    "exec",
    container,
    "sh",
    "-c",
    'cd /data && find . | sort | while read -r p; do if [ -L "$p" ]; then echo "$p link $(readlink "$p")"; ' +
    'elif [ -d "$p" ]; then echo "$p dir $(stat -c %a "$p")"; else echo "$p file $(stat -c %a "$p") $(sha256sum < "$p")"; fi; done',
  ], { user });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

Deno.test({
  name: "alice: v1 -> stage/diff shows image, env and port -> apply runs v2 -> broken v3 is rolled back to v2",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const repo = await createRepo(host, "homelab/updates", [{ message: "v1", files: v1() }]);
    const url = "http://127.0.0.1:8418/homelab/updates.git";
    assert.equal((await leger(host, alice, ["install", `${url}#main:app`, "--name", "web"])).code, 0);
    assert.match(await httpGet(host, "http://127.0.0.1:18601/") ?? "", /v1/);

    await addCommits(host, repo, [{ message: "v2", files: v2() }]);
    const staged =
      (await legerJson<{ sets: { name: string; changed: boolean }[] }>(host, alice, ["stage", "web"])).sets;
    assert.deepEqual(staged.map((s) => [s.name, s.changed]), [["web", true]]);
    const d = await legerJson<{
      from: { commit: string; version: string };
      to: { commit: string; version: string };
      summary: {
        images: { from: string; to: string }[];
        portsAdded: string[];
        envAdded: string[];
        units: { restart: string[] };
      };
    }>(host, alice, ["diff", "web"]);
    assert.equal(d.from.commit, repo.commits[0]);
    assert.equal(d.to.commit, repo.commits[1]);
    assert.deepEqual([d.from.version, d.to.version], ["1.0.0", "2.0.0"]);
    assert.deepEqual(d.summary.images.map((i) => [i.from, i.to]), [[
      "localhost/leger-test:v1",
      "localhost/leger-test:v2",
    ]]);
    assert.deepEqual(d.summary.portsAdded, ["127.0.0.1:18602:8080"]);
    assert.deepEqual(d.summary.envAdded, ["web.container: GREETING"]);
    assert.deepEqual(d.summary.units.restart, ["web.service"]);
    const text = await leger(host, alice, ["diff", "web"]);
    assert.match(text.stdout, /^-Image=localhost\/leger-test:v1$/m);
    assert.match(text.stdout, /^\+Image=localhost\/leger-test:v2$/m);

    const apply = await leger(host, alice, ["apply", "web"]);
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(await httpGet(host, "http://127.0.0.1:18602/") ?? "", /v2/);
    const env = await host.exec(["podman", "exec", "systemd-web", "env"], { user: "alice" });
    assert.match(env.stdout, /GREETING=hello-v2/);
    assert.equal(
      (await legerJson<{ sets: { commit: string }[] }>(host, alice, ["list"])).sets[0]!.commit,
      repo.commits[1],
    );
    const backups = (await legerJson<{ backups: { reason: string }[] }>(host, alice, ["backups", "web"])).backups;
    assert.ok(backups.some((b) => b.reason === "before-apply"), "apply took a backup first");

    await addCommits(host, repo, [{ message: "v3 broken", files: v3() }]);
    assert.equal((await leger(host, alice, ["stage", "web"])).code, 0);
    const bad = await leger(host, alice, ["apply", "web", "--health-timeout", "20s"]);
    assert.equal(bad.code, 7, bad.stderr);
    assert.match(bad.stderr, /web\.service did not come up; rolled back/);
    assert.match(bad.stderr, /about-to-fail/);
    assert.match(await httpGet(host, "http://127.0.0.1:18602/") ?? "", /v2/);
    const after =
      (await legerJson<{ sets: { commit: string; state: string; version: string }[] }>(host, alice, ["list"])).sets;
    assert.equal(after[0]!.commit, repo.commits[1]);
    assert.equal(after[0]!.version, "2.0.0");
    assert.equal(after[0]!.state, "active");
    // The broken version stays staged for the user to look at.
    assert.equal((await legerJson<{ sets: unknown[] }>(host, alice, ["staged"])).sets.length, 1);
    assert.equal((await leger(host, alice, ["discard", "web"])).code, 0);

    // A version whose image cannot be pulled is stopped before anything stops: the pull comes first.
    const invocation = () =>
      host.exec(["systemctl", "--user", "show", "-P", "InvocationID", "web.service"], { user: "alice" })
        .then((r) => r.stdout.trim());
    const running = await invocation();
    await addCommits(host, repo, [{
      message: "v4 on an image nowhere",
      files: { "app/web.container": v2()["app/web.container"]!.replace("leger-test:v2", "leger-test:nowhere") },
    }]);
    assert.equal((await leger(host, alice, ["stage", "web"])).code, 0);
    const unpulled = await leger(host, alice, ["apply", "web"]);
    assert.equal(unpulled.code, 1, unpulled.stderr);
    assert.match(unpulled.stderr, /Cannot apply web: Cannot pull localhost\/leger-test:nowhere/);
    assert.match(unpulled.stderr, /Nothing was stopped or changed/);
    assert.equal(await invocation(), running, "web.service was never stopped");
    assert.match(await httpGet(host, "http://127.0.0.1:18602/") ?? "", /v2/);
    assert.equal((await leger(host, alice, ["discard", "web"])).code, 0);
  },
});

Deno.test({
  name: "alice: restore brings back a volume's exact tree (empty folder, symlink, modes); a damaged backup is refused",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await host.exec([
      "podman",
      "exec",
      "systemd-web",
      "sh",
      "-c",
      "mkdir -p /data/empty /data/sub && echo one > /data/sub/a.txt && chmod 640 /data/sub/a.txt && " +
      "printf 'two\\n' > /data/b.bin && chmod 700 /data/b.bin && ln -s sub/a.txt /data/link",
    ], { user: "alice" });
    const before = await tree("alice", "systemd-web");
    assert.match(before, /\.\/empty dir/);
    assert.match(before, /\.\/link link sub\/a\.txt/);
    const [made] =
      (await legerJson<{ backups: { id: string; volumes: { name: string; archive: string }[] }[] }>(host, alice, [
        "backup",
        "web",
      ])).backups;
    assert.ok(made);
    assert.deepEqual(made.volumes.map((v) => v.name), ["systemd-web-data"]);
    assert.match(await httpGet(host, "http://127.0.0.1:18602/") ?? "", /v2/, "units run again after the backup");

    await host.exec([
      "podman",
      "exec",
      "systemd-web",
      "sh",
      "-c",
      "rm -rf /data/sub /data/empty && echo changed > /data/b.bin && echo new > /data/new.txt",
    ], { user: "alice" });
    assert.notEqual(await tree("alice", "systemd-web"), before);

    // A damaged copy of the backup is refused before anything changes.
    const damaged = await host.sh(
      `set -e; d=$(ls -d /home/alice/.local/share/leger/backups/web/${made.id}); cp -a "$d" "$d-x" && ` +
        `f=$(ls "$d-x"/volumes/* | head -1) && printf 'X' | dd of="$f" bs=1 seek=20 conv=notrunc 2>/dev/null && ` +
        `sed -i 's/"id": "${made.id}"/"id": "${made.id}-x"/' "$d-x/backup.json" && echo ok`,
      { user: "alice" },
    );
    assert.equal(damaged.stdout.trim(), "ok", damaged.stderr);
    const refused = await leger(host, alice, ["--yes", "restore", "web", `${made.id}-x`]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /checksum|damaged|sha256/i);
    assert.match(
      await host.exec(["podman", "exec", "systemd-web", "cat", "/data/new.txt"], { user: "alice" }).then((r) =>
        r.stdout
      ),
      /new/,
    );
    await host.sh(`rm -rf /home/alice/.local/share/leger/backups/web/${made.id}-x`, { user: "alice" });

    const restored = await leger(host, alice, ["--yes", "restore", "web", made.id]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(await httpGet(host, "http://127.0.0.1:18602/") ?? "", /v2/);
    assert.equal(await tree("alice", "systemd-web"), before);
  },
});

Deno.test({
  name: "root: a backup that runs out of disk leaves no partial backup and the units running",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const url = "http://127.0.0.1:8418/homelab/updates.git";
    await host.sh("mkdir -p /mnt/small && mount -t tmpfs -o size=256k tmpfs /mnt/small");
    await host.writeFile(
      "/etc/leger/config.yaml",
      "forges:\n  127.0.0.1:8418: gitea\nbackup-dir: /mnt/small\nbackup-compression: none\n",
    );
    const files = webContainer({ port: 18701, volume: "big-data.volume" });
    await host.writeFile("/root/big/big.container", files);
    await host.writeFile("/root/big/big-data.volume", "[Volume]\n");
    void url;
    assert.equal((await leger(host, root, ["install", "/root/big"])).code, 0);
    await host.exec(["podman", "exec", "systemd-big", "sh", "-c", "head -c 2000000 /dev/urandom > /data/blob"]);
    const r = await leger(host, root, ["backup", "big"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /space|disk|write/i);
    assert.deepEqual((await legerJson<{ backups: unknown[] }>(host, root, ["backups", "big"])).backups, []);
    const left = await host.sh("ls -A /mnt/small/big 2>/dev/null | wc -l");
    assert.equal(left.stdout.trim(), "0", "no partial backup folder is left behind");
    assert.match(await httpGet(host, "http://127.0.0.1:18701/") ?? "", /v1/, "the unit runs again");
    await leger(host, root, ["remove", "big", "--purge-volumes", "--yes"]);
    await host.sh("umount /mnt/small");
  },
});
