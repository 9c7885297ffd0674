/**
 * The shared host's reset (shared_host.ts), on a real host: what one file
 * leaves behind, for root and for alice, is gone before the next file, and
 * what the next file relies on (the git server, leger's config, the test
 * images, a free port) is there.
 *
 * @module
 */
import assert from "node:assert/strict";
import { httpGet, sharedHost, webContainer } from "./helpers.ts";
import { GIT_PORT, resetShared } from "./shared_host.ts";
import type { Host } from "../host/guest.ts";
import type { User } from "../host/guest_exec.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PORT = { root: 18801, alice: 18802 };

async function sh(host: Host, script: string, user: User = "root"): Promise<string> {
  const r = await host.sh(script, { user, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${script}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** What a file of tests might leave behind as `user`. */
async function litter(host: Host, user: User): Promise<void> {
  const ctl = user === "alice" ? "systemctl --user" : "systemctl";
  const dir = user === "alice" ? "/home/alice/.config/containers/systemd" : "/etc/containers/systemd";
  await host.writeFile(`${dir}/litter/litter.container`, webContainer({ port: PORT[user] }), { user });
  await sh(
    host,
    [
      `${ctl} daemon-reload && ${ctl} start litter.service`,
      "podman volume create litter-data >/dev/null",
      "printf s3cret | podman secret create litter-secret - >/dev/null",
      "podman tag localhost/leger-test:v1 localhost/litter:1",
      "mkdir -p ~/sets/litter && echo x > ~/sets/litter/file",
      "echo litter-marker-$(id -un) | systemd-cat -t litter",
    ].join(" && "),
    user,
  );
  assert.match(await httpGet(host, `http://127.0.0.1:${PORT[user]}/`) ?? "", /v1/);
}

Deno.test({
  name:
    "a reset leaves no unit, container, volume, secret, image, file or journal line of the last file, for root and alice",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await Promise.all([litter(host, "root"), litter(host, "alice")]);
    await sh(host, "systemd-run --unit=leger-e2e-litter sleep infinity && mkdir -p /srv/git/litter.git");
    await host.writeFile("/etc/leger/config.yaml", "labels: [litter]\n");

    await resetShared(host);

    for (const user of ["root", "alice"] as const) {
      const ctl = user === "alice" ? "systemctl --user" : "systemctl";
      assert.equal(await sh(host, "podman ps -aq; podman volume ls -q; podman secret ls --noheading", user), "");
      assert.equal(
        (await sh(host, "podman images --format '{{.Repository}}:{{.Tag}}' | sort", user)).trim(),
        "localhost/leger-test:v1\nlocalhost/leger-test:v2",
      );
      assert.match(await sh(host, `${ctl} show -p LoadState,ActiveState litter.service`, user), /LoadState=not-found/);
      assert.equal(await sh(host, "ls -A ~/sets 2>/dev/null; true", user), "");
      assert.equal(await sh(host, `journalctl ${user === "alice" ? "--user" : ""} -q -t litter; true`, user), "");
    }
    assert.match(await sh(host, "systemctl show -p LoadState,ActiveState leger-e2e-litter"), /ActiveState=inactive/);
    assert.equal(await sh(host, "ls -A /srv/git | grep litter; true"), "");
    assert.equal(await host.readFile("/etc/leger/config.yaml"), `forges:\n  127.0.0.1:${GIT_PORT}: gitea\n`);
    assert.equal(
      await host.readFile("/home/alice/.config/leger/config.yaml"),
      `forges:\n  127.0.0.1:${GIT_PORT}: gitea\n`,
    );
    // What the next file needs: the git server, and the ports free again.
    assert.ok(await httpGet(host, `http://127.0.0.1:${GIT_PORT}/_health`), "the git server answers");
    await litter(host, "alice");
    await resetShared(host);
  },
});
