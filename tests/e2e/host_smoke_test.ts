/**
 * Smoke test of the end-to-end test host (tests/host): a booted sid host
 * runs rootless and root quadlets from the local test images and serves
 * git over HTTP; a trixie host has podman without `podman quadlet`.
 *
 * Needs root, debootstrap, systemd-nspawn and overlayfs. Without them it
 * fails and names what is missing: the runner decides whether to run it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { bootHost, hostAvailable, sweepStaleBoots } from "../host/host.ts";
import { makeGuestCgroup, removeGuestCgroup } from "../host/cgroup.ts";
import type { Host } from "../host/guest.ts";
import { createRepo } from "../host/git_fixture.ts";
import type { HostHandle } from "../host/guest.ts";
import { unmountAndRemove } from "../host/process.ts";
import { onlyOn, waitFor } from "./helpers.ts";

async function requireHost(): Promise<void> {
  const available = await hostAvailable();
  if (!available.ok) {
    throw new Error(
      `Cannot run the e2e host tests; missing: ${available.missing.join(", ")}`,
    );
  }
}

function container(image: string, port: number): string {
  return [
    "[Unit]",
    "Description=leger smoke test web server",
    "",
    "[Container]",
    `Image=${image}`,
    "RunInit=true",
    `PublishPort=127.0.0.1:${port}:8080`,
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

async function fetchInGuest(host: Host, port: number): Promise<string> {
  return await waitFor(
    `port ${port} to serve`,
    async () => {
      const r = await host.exec([
        "busybox",
        "wget",
        "-qO-",
        `http://127.0.0.1:${port}/`,
      ]);
      return r.code === 0 && r.stdout ? r.stdout : undefined;
    },
    10_000,
    { intervalMs: 200 },
  ).catch(() => "(nothing served)");
}

Deno.test({ name: "the sid test host runs quadlets as alice and root and serves git", ...onlyOn("sid") }, async (t) => {
  await requireHost();
  const started = Date.now();
  await using host = await bootHost({ suite: "sid" });
  console.log(`sid host ready in ${host.timings.bootMs} ms`);

  await t.step("podman is 5.6 or newer", async () => {
    const { stdout } = await host.exec(["podman", "--version"], {
      check: true,
    });
    const match = /(\d+)\.(\d+)\.(\d+)/.exec(stdout);
    assert(match, `no version in '${stdout}'`);
    const [major, minor] = [Number(match[1]), Number(match[2])];
    assert(major > 5 || (major === 5 && minor >= 6), stdout);
  });

  await t.step("alice installs a quadlet folder and serves v1", async () => {
    await host.writeFile(
      "/home/alice/quadlets/web/web.container",
      container("localhost/leger-test:v1", 18080),
      { user: "alice" },
    );
    await host.exec([
      "podman",
      "quadlet",
      "install",
      "/home/alice/quadlets/web",
    ], {
      user: "alice",
      check: true,
    });
    await host.exec(["systemctl", "--user", "start", "web.service"], {
      user: "alice",
      check: true,
      timeoutMs: 60_000,
    });
    assert.equal((await fetchInGuest(host, 18080)).trim(), "v1");
    const stopped = Date.now();
    await host.exec(["systemctl", "--user", "stop", "web.service"], {
      user: "alice",
      check: true,
    });
    assert(Date.now() - stopped < 8000, "RunInit=true should stop at once");
  });

  await t.step(
    "root installs a quadlet in system scope and serves v2",
    async () => {
      await host.writeFile(
        "/root/quadlets/web2/web2.container",
        container("localhost/leger-test:v2", 18081),
      );
      await host.exec(["podman", "quadlet", "install", "/root/quadlets/web2"], {
        check: true,
      });
      assert(
        (await host.exec([
          "test",
          "-f",
          "/etc/containers/systemd/web2.container",
        ]))
          .code === 0,
      );
      await host.exec(["systemctl", "start", "web2.service"], {
        check: true,
        timeoutMs: 60_000,
      });
      assert.equal((await fetchInGuest(host, 18081)).trim(), "v2");
      const inside = await host.exec(
        ["podman", "exec", "systemd-web2", "cat", "/VERSION"],
        { check: true },
      );
      assert.equal(inside.stdout.trim(), "v2");
    },
  );

  await t.step(
    "the git server clones a fixture as root and alice",
    async () => {
      const repo = await createRepo(host, "fixture", [
        { message: "one", files: { "a.txt": "1\n" }, tag: "v1.0.0" },
        {
          message: "two",
          files: { "a.txt": "2\n", "dir/b.txt": "b\n" },
          tag: "v2.0.0",
          tagMessage: "release 2",
        },
        { message: "three", files: { "a.txt": null }, branch: "release/1.0" },
      ]);
      assert.equal(repo.commits.length, 3);
      const { url } = await host.startGitServer({
        root: "/srv/git",
        port: 8418,
      });
      for (const user of ["root", "alice"] as const) {
        const dir = user === "root" ? "/root/clone" : "/home/alice/clone";
        await host.exec(["git", "clone", "-q", `${url}/fixture.git`, dir], {
          user,
          check: true,
        });
        assert.equal(
          (await host.exec(["git", "-C", dir, "rev-parse", "HEAD"], { user }))
            .stdout.trim(),
          repo.commits[1],
        );
        const refs = await host.exec(
          ["git", "ls-remote", `${url}/fixture.git`],
          {
            user,
            check: true,
          },
        );
        assert.match(
          refs.stdout,
          new RegExp(`${repo.commits[2]}\trefs/heads/release/1.0`),
        );
        assert.match(refs.stdout, /\trefs\/tags\/v2\.0\.0\^\{\}/);
      }
    },
  );
  console.log(`sid smoke test took ${Date.now() - started} ms`);
});

Deno.test({ name: "the trixie test host has podman 5.4 without `podman quadlet`", ...onlyOn("trixie") }, async () => {
  await requireHost();
  await using host = await bootHost({ suite: "trixie", skipImages: true });
  console.log(`trixie host ready in ${host.timings.bootMs} ms`);
  const version = await host.exec(["podman", "--version"], { check: true });
  assert.match(version.stdout, /podman version 5\.[0-5]\./);
  const quadlet = await host.exec(["podman", "quadlet", "list"], {
    user: "alice",
  });
  assert(quadlet.code !== 0, "podman quadlet should not exist on trixie");
  assert.match(quadlet.stderr, /unrecognized command/);
});

Deno.test({
  name: "two test hosts are apart: killing a unit in one leaves the unit of the same name in the other running",
  ...onlyOn("trixie"),
}, async () => {
  // Both guests once shared one cgroup (tests/host/cgroup.ts): `systemctl kill` of a unit in one killed the other's.
  await requireHost();
  await using a = await bootHost({ suite: "trixie", skipImages: true });
  await using b = await bootHost({ suite: "trixie", skipImages: true });
  const cgroup = (h: Host) => Deno.readTextFile(`/proc/${h.pid1}/cgroup`).then((t) => t.match(/^0::(.*)$/m)?.[1]);
  assert.notEqual(await cgroup(a), await cgroup(b), "each guest's systemd has its own cgroup");
  const unit = "leger-apart.service";
  for (const h of [a, b]) await h.exec(["systemd-run", `--unit=${unit}`, "sleep", "600"], { check: true });
  await a.exec(["systemctl", "kill", "--signal=KILL", unit], { check: true });
  await waitFor(
    "the unit killed in the first host to end",
    async () => (await a.exec(["systemctl", "is-active", unit])).stdout.trim() !== "active",
  );
  assert.equal((await b.exec(["systemctl", "is-active", unit])).stdout.trim(), "active", "the other host's unit runs");
});

Deno.test({
  name:
    "another run's sweep leaves a guest cgroup made a moment ago (its guest is about to move in) and removes old ones",
  ...onlyOn("trixie"),
}, async () => {
  const made = await makeGuestCgroup(`sweep-${Deno.pid}`);
  if (!made) return void console.log("SKIP: no cgroup v2 on this machine");
  try {
    await sweepStaleBoots();
    assert.ok((await Deno.stat(made)).isDirectory, "a fresh, still empty guest cgroup was swept");
    // Made two minutes ago, as far as the sweep can tell (no sweep of everything: other runs' guests boot beside).
    const past = new Date(Date.now() - 120_000);
    await Deno.utime(made, past, past);
    await sweepStaleBoots();
    await assert.rejects(Deno.stat(made), Deno.errors.NotFound, "an empty guest cgroup past its minute stays");
  } finally {
    await removeGuestCgroup(`sweep-${Deno.pid}`);
  }
});

Deno.test({
  name: "the sid-podman6 test host has podman 6.1 with --application, and keeps its packages for the upgrade test",
  ...onlyOn("sid-podman6"),
}, async () => {
  await requireHost();
  await using host = await bootHost({ suite: "sid-podman6", skipImages: true });
  const version = await host.exec(["podman", "--version"], { check: true });
  assert.match(version.stdout, /podman version 6\.\d+\.\d+/);
  const help = await host.exec(["podman", "quadlet", "install", "--help"], { user: "alice", check: true });
  assert.match(help.stdout, /--application/);
  const debs = await host.exec(["sh", "-c", "ls /opt/leger-test/podman6/*.deb"], { check: true });
  assert.match(debs.stdout, /\/podman_6\.[^/]*\.deb/);
});

/** Whether a process runs (a zombie waiting to be reaped does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /s.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

/** Boots a sid-podman6 host in another Deno process, which then waits forever; returns it and the host's handle. */
async function bootElsewhere(): Promise<{ owner: Deno.ChildProcess; handle: HostHandle }> {
  const boot = `import { bootHost } from ${JSON.stringify(new URL("../host/host.ts", import.meta.url).href)};\n` +
    `const host = await bootHost({ suite: "sid-podman6", skipImages: true });\n` +
    "console.log(JSON.stringify(host.handle()));\nawait new Promise(() => {});\n";
  const owner = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", boot],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let text = "";
  for await (const chunk of owner.stdout.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (text.includes("\n")) break;
  }
  const handle: HostHandle = JSON.parse(text.split("\n")[0] || "null");
  assert(handle && running(handle.nspawnPid) && running(handle.pid1), `no guest booted: ${text}`);
  return { owner, handle };
}

/** Waits until neither nspawn nor the guest's PID 1 runs; ends them and removes the boot folder in any case. */
async function gone(handle: HostHandle, why: string, ms: number): Promise<void> {
  try {
    await waitFor(
      `the guest leger-${handle.id} to end ${why}`,
      () => Promise.resolve(!running(handle.nspawnPid) && !running(handle.pid1)),
      ms,
      { intervalMs: 200 },
    );
  } finally {
    for (const pid of [handle.pid1, handle.nspawnPid]) {
      if (running(pid)) Deno.kill(pid, "SIGKILL");
    }
    await unmountAndRemove(handle.dir);
  }
}

Deno.test({
  name: "a test host does not outlive the process that booted it, even one killed with SIGKILL",
  ...onlyOn("sid-podman6"),
}, async (t) => {
  await requireHost();
  // A run once killed with `pkill -f` left a sid-podman6 guest running until it was killed by hand.
  await t.step("the owner is killed: the kernel tells nspawn, which halts the guest", async () => {
    const { owner, handle } = await bootElsewhere();
    // Claimed by this process, so that no other process's sweep of stale boots ends it: only the kernel's signal may.
    const record = `${handle.dir}/boot.json`;
    const claimed = { ...JSON.parse(await Deno.readTextFile(record)), ownerPid: Deno.pid };
    await Deno.writeTextFile(record, JSON.stringify(claimed) + "\n");
    owner.kill("SIGKILL");
    await owner.status;
    await gone(handle, "after its owner was killed", 60_000);
  });
  await t.step("nspawn is killed, then the owner: the next sweep ends the guest nspawn left behind", async () => {
    const { owner, handle } = await bootElsewhere();
    Deno.kill(handle.nspawnPid, "SIGKILL");
    owner.kill("SIGKILL");
    await owner.status;
    // SIGKILL to nspawn leaves its guest's systemd running, with no parent but init.
    await waitFor("nspawn to end", () => Promise.resolve(!running(handle.nspawnPid)), 10_000, { intervalMs: 100 });
    assert(running(handle.pid1), "the guest outlived its nspawn (what the sweep is for)");
    await sweepStaleBoots();
    await gone(handle, "after the sweep", 15_000);
  });
});
