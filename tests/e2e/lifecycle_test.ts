/**
 * The install lifecycle on a real systemd + podman host: install from a
 * git server over HTTP (forge tree URL and plain git URL), status, logs,
 * stop/start/restart, remove; a custom workflow; bad input. Rootless
 * (alice, user scope) and root (system scope), native and file backends.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createRepo } from "../host/git_fixture.ts";
import { httpGet, leger, legerJson, portFor, sharedHost, unitJournal, webContainer, WHO, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface ListRow {
  name: string;
  state: string;
  commit?: string;
  units: { unit: string; active: string }[];
}

/**
 * `leger list`'s text as main.ts prints it before commander (busctl asked
 * for the states: decision 46) is the text of commander's `list` (short
 * options run together go to commander, which asks `systemctl show`).
 */
async function sameListBothWays(host: Awaited<ReturnType<typeof sharedHost>>, who: Who, row: RegExp) {
  const quick = await leger(host, who, ["list"]);
  const full = await leger(host, who, ["-yq", "list"]);
  assert.equal(quick.code, 0, quick.stderr);
  assert.match(quick.stdout, row);
  assert.equal(quick.stdout, full.stdout);
}

async function repoFor(who: Who) {
  const host = await sharedHost();
  // Forges put repositories under an owner: /OWNER/REPO.
  const name = `homelab/sets-${who.user}-${who.backend}`;
  const repo = await createRepo(host, name, [
    {
      message: "web v1",
      files: {
        "apps/web/web.container": webContainer({ port: portFor(who, 1), volume: "web-data.volume" }),
        "apps/web/web-data.volume": "[Volume]\n",
        "apps/web/README.md": "not a quadlet\n",
        "apps/web/.leger.yaml": "version: 1.0.0\ndescription: e2e web\n",
      },
      tag: "v1",
    },
    {
      message: "release branch",
      branch: "release/2.0",
      files: { "apps/api/api.container": webContainer({ port: portFor(who, 2) }) },
    },
  ]);
  return { host, repo, url: `http://127.0.0.1:8418/${name}.git` };
}

for (const who of WHO) {
  const label = `${who.user} (${who.scope} scope, ${who.backend} backend)`;
  const set = `web-${who.backend}`;

  Deno.test({
    name: `${label}: install from a forge tree URL starts the units and serves the port`,
    ...opts,
    fn: async () => {
      const { host, repo, url } = await repoFor(who);
      // A Gitea-style tree URL on the loopback forge declared in the config.
      const tree = url.replace(/\.git$/, "") + "/src/branch/main/apps/web";
      const r = await leger(host, who, ["install", tree, "--name", set]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(await httpGet(host, `http://127.0.0.1:${portFor(who, 1)}/`) ?? "", /v1/);
      const rows = (await legerJson<{ sets: ListRow[] }>(host, who, ["list"])).sets;
      const row = rows.find((x) => x.name === set)!;
      assert.equal(row.state, "active");
      assert.equal(row.commit, repo.commits[0]);
      assert.deepEqual(row.units.map((u) => u.unit).sort(), ["web-data-volume.service", "web.service"]);
      // README is not installed; the quadlets are where podman reads them.
      const inspect =
        (await legerJson<{ set: { manifest: { files: { name: string }[] } } }>(host, who, ["inspect", set])).set;
      assert.deepEqual(inspect.manifest.files.map((f) => f.name).sort(), [
        ".leger.yaml",
        "web-data.volume",
        "web.container",
      ]);
    },
  });

  Deno.test({
    name: `${label}: installing the same name again is refused without --replace`,
    ...opts,
    fn: async () => {
      const { host, url } = await repoFor(who);
      const r = await leger(host, who, ["install", `${url}#main:apps/web`, "--name", set]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`a set with that name is installed`));
      assert.match(r.stderr, /pass --replace to replace it/);
    },
  });

  Deno.test({
    name: `${label}: a plain git URL with a slashed branch and a subfolder installs`,
    ...opts,
    fn: async () => {
      const { host, repo, url } = await repoFor(who);
      const r = await leger(host, who, ["install", `${url}#release/2.0:apps/api`, "--name", `api-${who.backend}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(await httpGet(host, `http://127.0.0.1:${portFor(who, 2)}/`) ?? "", /v1/);
      const rows = (await legerJson<{ sets: ListRow[] }>(host, who, ["list"])).sets;
      assert.equal(rows.find((x) => x.name === `api-${who.backend}`)?.commit, repo.commits[1]);
      assert.equal((await leger(host, who, ["remove", `api-${who.backend}`])).code, 0);
    },
  });

  Deno.test({
    name: `${label}: status, logs, stop, start and restart act on the real units`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      const status = await leger(host, who, ["status", set]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /web\.service\s+active\/running/);
      const logs = await leger(host, who, ["logs", set, "-n", "200"]);
      assert.match(logs.stdout, /hello-from-leger-e2e/);
      const stopped = await leger(host, who, ["stop", set]);
      assert.equal(stopped.code, 0, `stop: ${stopped.stdout}\n${stopped.stderr}`);
      assert.equal(await httpGet(host, `http://127.0.0.1:${portFor(who, 1)}/`, 1500), undefined);
      const listed = (await legerJson<{ sets: ListRow[] }>(host, who, ["list"])).sets;
      assert.equal(listed.find((x) => x.name === set)?.state, "inactive");
      await sameListBothWays(host, who, new RegExp(`^${set}\\s+inactive\\s+2\\s`, "m"));
      const started = await leger(host, who, ["start", set]);
      assert.equal(
        started.code,
        0,
        `start: ${started.stdout}\n${started.stderr}\n${await unitJournal(host, who, "web.service")}`,
      );
      assert.match(await httpGet(host, `http://127.0.0.1:${portFor(who, 1)}/`) ?? "", /v1/);
      await sameListBothWays(host, who, new RegExp(`^${set}\\s+active\\s+2\\s`, "m"));
      const restarted = await leger(host, who, ["restart", set]);
      assert.equal(restarted.code, 0, `restart: ${restarted.stdout}\n${restarted.stderr}`);
      assert.match(await httpGet(host, `http://127.0.0.1:${portFor(who, 1)}/`) ?? "", /v1/);
    },
  });

  Deno.test({
    name: `${label}: a custom workflow uses $ to call podman`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      const home = who.user === "alice" ? "/home/alice" : "/root";
      await host.writeFile(
        `${home}/count.ts`,
        `import type { WorkflowContext } from "leger";
export default async function ({ $, leger, args, log }: WorkflowContext) {
  const sets = await leger.list();
  const names = (await $\`podman ps --format \${"{{.Names}}"}\`.text()).split("\\n").filter(Boolean);
  log.info("containers: " + names.join(","));
  return { sets: sets.map((s) => s.name), names, wanted: args[0], running: names.includes(args[0]!) };
}
`,
        { user: who.user },
      );
      const { result: out } = await legerJson<{ result: { sets: string[]; running: boolean } }>(host, who, [
        "run",
        `${home}/count.ts`,
        "systemd-web",
      ]);
      assert.ok(out.sets.includes(set));
      assert.equal(out.running, true, JSON.stringify(out));
    },
  });

  Deno.test({
    name: `${label}: a missing image fails the install with the unit's journal, and nothing stays installed`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      const dir = who.user === "alice" ? "/home/alice/broken" : "/root/broken";
      await host.writeFile(
        `${dir}/broken.container`,
        webContainer({ image: "localhost/does-not-exist:1", port: portFor(who, 3) }),
        { user: who.user },
      );
      const r = await leger(host, who, ["install", dir, "--name", `broken-${who.backend}`]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /broken\.service/);
      assert.match(r.stderr, /journal:/);
      assert.match(r.stderr, /does-not-exist/);
      const rows = (await legerJson<{ sets: ListRow[] }>(host, who, ["list"])).sets;
      assert.equal(rows.find((x) => x.name === `broken-${who.backend}`), undefined);
      const left = await host.sh(
        `ls -R ${
          who.scope === "user" ? "/home/alice/.config/containers/systemd" : "/etc/containers/systemd"
        } | grep -c broken || true`,
      );
      assert.equal(left.stdout.trim(), "0");
    },
  });

  Deno.test({
    name: `${label}: a repository that does not exist is reported and changes nothing`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      const r = await leger(host, who, ["install", "http://127.0.0.1:8418/nope.git#main:x", "--name", "nope"]);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, /no repository there/);
    },
  });

  Deno.test({
    name: `${label}: remove stops the units and keeps the volume; --purge-volumes deletes it`,
    ...opts,
    fn: async () => {
      const { host, url } = await repoFor(who);
      const r = await leger(host, who, ["remove", set]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /volumes kept: systemd-web-data/);
      assert.equal(await httpGet(host, `http://127.0.0.1:${portFor(who, 1)}/`, 1500), undefined);
      const vols = await host.exec(["podman", "volume", "ls", "--format", "{{.Name}}"], { user: who.user });
      assert.match(vols.stdout, /systemd-web-data/);
      assert.equal(
        (await legerJson<{ sets: ListRow[] }>(host, who, ["list"])).sets.find((x) => x.name === set),
        undefined,
      );
      // Install again and purge: the volume goes too.
      assert.equal((await leger(host, who, ["install", `${url}#v1:apps/web`, "--name", set])).code, 0);
      const purge = await leger(host, who, ["--yes", "remove", set, "--purge-volumes"]);
      assert.equal(purge.code, 0, purge.stderr);
      const after = await host.exec(["podman", "volume", "ls", "--format", "{{.Name}}"], { user: who.user });
      assert.doesNotMatch(after.stdout, /systemd-web-data/);
    },
  });
}
