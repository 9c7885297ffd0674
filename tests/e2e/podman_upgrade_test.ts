/**
 * A host that upgrades podman under installed sets: sets are installed and
 * backed up on podman 5.8 (Debian sid), rootless and root; podman is
 * upgraded to 6.1 in place (the experimental packages the sid-podman6 host
 * keeps, installed with `dpkg -i`); then the sets are listed, stopped and
 * started, updated with stage/apply (which moves each into podman 6's
 * folder), restored from the backup taken before the upgrade, and removed,
 * leaving the quadlet folders empty. Runs once per end-to-end tier (in the
 * sid pass): it is about one upgrade, not about the host under test.
 *
 * @module
 */
import assert from "node:assert/strict";
import { addCommits, createRepo } from "../host/git_fixture.ts";
import { bootHost } from "../host/host.ts";
import type { Host } from "../host/guest.ts";
import { ensureRootfs, rootfsEntry } from "../host/rootfs.ts";
import { httpGet, leger, legerJson, onlyOn, quadletDirOf, webContainer, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const WHO: Who[] = [
  { user: "alice", scope: "user", backend: "native" },
  { user: "root", scope: "system", backend: "native" },
];
const port = (who: Who, n: number) => (who.user === "root" ? 19700 : 18700) + n;

function web(who: Who, image: string): Record<string, string> {
  return {
    "web/web.container": webContainer({ image, port: port(who, 1), volume: "web-data.volume" }),
    "web/web.container.d/10-greeting.conf": "[Container]\nEnvironment=GREETING=hello\n",
    "web/web-data.volume": "[Volume]\n",
    "web/.leger.yaml": `version: ${image.endsWith("v1") ? "1.0.0" : "2.0.0"}\n`,
  };
}

function other(who: Who): Record<string, string> {
  return { "other/other.container": webContainer({ port: port(who, 2) }) };
}

async function boot(): Promise<Host> {
  // The podman 6 packages come from the sid-podman6 host's build.
  await ensureRootfs({ suite: "sid-podman6" });
  const debs = `${await rootfsEntry("sid-podman6")}/rootfs/opt/leger-test/podman6`;
  const host = await bootHost({ suite: "sid", binds: [{ host: debs, guest: "/opt/podman6", readOnly: true }] });
  globalThis.addEventListener("unload", () => host.stopSync());
  await host.startGitServer({ port: 8418 });
  const config = "forges:\n  127.0.0.1:8418: gitea\n";
  await host.writeFile("/etc/leger/config.yaml", config);
  await host.writeFile("/home/alice/.config/leger/config.yaml", config, { user: "alice" });
  return host;
}

async function quadletFolder(host: Host, who: Who): Promise<string[]> {
  const r = await host.exec(["find", quadletDirOf(who), "-mindepth", "1", "-printf", "%P\\n"], { user: who.user });
  return r.stdout.split("\n").filter((l) => l && l !== "users" && !l.startsWith("users/")).sort();
}

async function volumeFile(host: Host, who: Who): Promise<string> {
  return (await host.exec(["podman", "exec", "systemd-web", "cat", "/data/mark"], { user: who.user })).stdout.trim();
}

Deno.test({
  name: "podman 5.8 -> 6.1 in place: sets installed before keep working; apply moves them, restore and remove work",
  ...opts,
  ...onlyOn("sid"),
  fn: async () => {
    const host = await boot();
    try {
      const before = await host.exec(["podman", "--version"], { check: true });
      assert.match(before.stdout, /podman version 5\.8\./);
      const repos = new Map<string, Awaited<ReturnType<typeof createRepo>>>();
      const backups = new Map<string, string>();
      for (const who of WHO) {
        const repo = await createRepo(host, `upgrade/${who.user}`, [
          { message: "v1", files: { ...web(who, "localhost/leger-test:v1"), ...other(who) } },
        ]);
        repos.set(who.user, repo);
        const url = `http://127.0.0.1:8418/upgrade/${who.user}.git`;
        for (const set of ["web", "other"]) {
          const r = await leger(host, who, ["install", `${url}#main:${set}`]);
          assert.equal(r.code, 0, r.stderr);
        }
        await host.exec(["podman", "exec", "systemd-web", "sh", "-c", "echo before-upgrade > /data/mark"], {
          user: who.user,
          check: true,
        });
        const [made] = (await legerJson<{ backups: { id: string }[] }>(host, who, ["backup", "web"])).backups;
        backups.set(who.user, made!.id);
        const files = await quadletFolder(host, who);
        assert.ok(files.includes(".web.app") && files.includes("web.container"), files.join(", "));
      }

      // The upgrade, with the sets' containers running.
      const dpkg = await host.sh("dpkg -i /opt/podman6/*.deb", { timeoutMs: 300_000 });
      assert.equal(dpkg.code, 0, dpkg.stdout + dpkg.stderr);
      assert.match((await host.exec(["podman", "--version"], { check: true })).stdout, /podman version 6\.1\./);

      for (const who of WHO) {
        const rows = (await legerJson<{ sets: { name: string; state: string }[] }>(host, who, ["list"])).sets;
        assert.deepEqual(rows.map((r) => `${r.name}:${r.state}`), ["other:active", "web:active"]);
        const doctor = await legerJson<{ checks: { name: string; detail: string }[] }>(host, who, ["doctor"]);
        const layout = doctor.checks.find((c) => c.name === "layout")!;
        assert.match(layout.detail, /^other, web still in podman 5's layout/);
        assert.match(doctor.checks.find((c) => c.name === "backend")!.detail, /^native \(podman 6\.1\.\d+: one folder/);
        assert.equal((await leger(host, who, ["stop", "web"])).code, 0);
        assert.equal(await httpGet(host, `http://127.0.0.1:${port(who, 1)}/`, 1500), undefined);
        assert.equal((await leger(host, who, ["start", "web"])).code, 0);
        assert.match(await httpGet(host, `http://127.0.0.1:${port(who, 1)}/`) ?? "", /v1/);
        const logs = await leger(host, who, ["logs", "web"]);
        assert.match(logs.stdout, /hello-from-leger-e2e/);

        await addCommits(host, repos.get(who.user)!, [{
          message: "v2",
          files: { ...web(who, "localhost/leger-test:v2"), ...other(who) },
        }]);
        assert.equal((await leger(host, who, ["stage", "web"])).code, 0);
        const apply = await leger(host, who, ["--yes", "apply", "web"]);
        assert.equal(apply.code, 0, apply.stderr);
        assert.match(await httpGet(host, `http://127.0.0.1:${port(who, 1)}/`) ?? "", /v2/);
        const moved = await quadletFolder(host, who);
        for (const f of ["web", "web/web.container", "web/web.container.d/10-greeting.conf", "web/web-data.volume"]) {
          assert.ok(moved.includes(f), `${f} in ${moved.join(", ")}`);
        }
        assert.ok(!moved.includes(".web.app") && !moved.includes("web.container"), moved.join(", "));
        const env = await host.exec(["podman", "exec", "systemd-web", "env"], { user: who.user });
        assert.match(env.stdout, /GREETING=hello/, "the drop-in podman 6 wrote is read");

        const restore = await leger(host, who, ["--yes", "restore", "web", backups.get(who.user)!]);
        assert.equal(restore.code, 0, restore.stderr);
        assert.match(await httpGet(host, `http://127.0.0.1:${port(who, 1)}/`) ?? "", /v1/);
        assert.equal(await volumeFile(host, who), "before-upgrade");

        for (const set of ["web", "other"]) {
          const r = await leger(host, who, ["--yes", "remove", set]);
          assert.equal(r.code, 0, r.stderr);
        }
        assert.deepEqual(await quadletFolder(host, who), [], "the quadlet folder is clean");
        const listed = await host.exec(["podman", "quadlet", "list", "--format", "json"], { user: who.user });
        assert.equal(listed.code, 0, listed.stderr);
        assert.deepEqual(JSON.parse(listed.stdout || "[]"), []);
      }
    } finally {
      await host.stop();
    }
  },
});
