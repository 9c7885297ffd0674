/**
 * Many hosts: three real test hosts booted at once, driven by
 * `ansible-playbook` from this process through community.docker's nsenter
 * connection (no SSH), with the leger.leger collection of `ansible/` and
 * the playbooks of `examples/fleet/`. One Git repository on the build
 * machine is bound into every host and fetched over `file://`; a "push"
 * is a commit in it.
 *
 * Runs once, on the sid suite (podman 5.8): it is about many hosts, not
 * about a podman version.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bootHost, hostAvailable, PROJECT_ROOT } from "../host/host.ts";
import type { Host } from "../host/guest.ts";
import { needs } from "../helpers/tools.ts";
import { git, makeRepo } from "../helpers/git_repo.ts";
import { ansibleEnv, E2E_SUITE, httpGet, webContainer } from "./helpers.ts";

const NAMES = ["fleet-1", "fleet-2", "fleet-3"] as const;
const REPO_IN_GUEST = "/srv/fleet/repo";
const SET_SOURCE = `file://${REPO_IN_GUEST}#main:apps/web`;
const WEB_PORT = 18700;
const SYSTEM = { user: "root", scope: "system" } as const;

const HOSTS_FILE = `# which host runs which set
all: [apps/web]
hosts:
  fleet-1: [apps/api]
labels:
  edge: [apps/proxy]
`;

const web = (image: string, version: string, broken = false) => ({
  "apps/web/web.container": broken
    ? webContainer({ image, port: WEB_PORT }).replace(/^Exec=.*$/m, `Exec=/bin/sh -c "echo broken; exit 3"`)
    : webContainer({ image, port: WEB_PORT }),
  "apps/web/.leger.yaml": `name: web\nversion: ${version}\n`,
});

/** What `ansible-playbook` did, read from its json callback. */
interface PlaybookRun {
  code: number;
  /** Every task's per-host results, in order (a task appears once per serial batch). */
  tasks: Array<{ name: string; hosts: Record<string, Record<string, unknown>> }>;
  stats: Record<string, { changed: number; failures: number; ok: number; skipped: number }>;
  raw: string;
  stderr: string;
}

class Fleet {
  hosts: Host[] = [];
  work = "";
  repo = "";

  async boot(): Promise<void> {
    const ready = await hostAvailable();
    if (!ready.ok) throw new Error(`Cannot run the fleet tests: missing ${ready.missing.join(", ")}`);
    this.work = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "leger-fleet-" });
    this.repo = join(this.work, "repo");
    await makeRepo(this.repo, [{
      message: "fleet v1",
      files: {
        "leger-hosts.yaml": HOSTS_FILE,
        ...web("localhost/leger-test:v1", "1"),
        "apps/api/api.container": webContainer({ port: 18701 }),
        "apps/proxy/proxy.container": webContainer({ image: "localhost/leger-test:v2", port: 18702 }),
      },
    }]);
    const bind = { host: this.work, guest: "/srv/fleet", readOnly: true };
    this.hosts = await Promise.all(NAMES.map(() => bootHost({ suite: "sid", binds: [bind] })));
    globalThis.addEventListener("unload", () => this.hosts.forEach((h) => h.stopSync()));
    await Promise.all(this.hosts.map(async (host, i) => {
      // The host name leger-hosts.yaml knows it by comes from the system; fleet-3 also has a label.
      await host.exec(["hostname", NAMES[i]!], { check: true });
      if (i === 2) await host.writeFile("/etc/leger/config.yaml", "labels: [edge]\n");
    }));
    const inventory = [
      "[fleet]",
      ...this.hosts.map((h, i) =>
        `${NAMES[i]} ansible_connection=community.docker.nsenter ansible_nsenter_pid=${h.pid1} ` +
        "ansible_python_interpreter=/usr/bin/python3"
      ),
      "",
    ].join("\n");
    await Deno.writeTextFile(join(this.work, "inventory.ini"), inventory);
  }

  /** Commits new files to the repository the hosts fetch from. */
  async push(message: string, files: Record<string, string>): Promise<void> {
    for (const [path, text] of Object.entries(files)) await Deno.writeTextFile(join(this.repo, path), text);
    await git(this.repo, "add", "-A");
    await git(this.repo, "commit", "-q", "-m", message);
  }

  /** Runs an example playbook with extra vars; `taskFilter` picks the task results to keep. */
  async playbook(file: string, vars: Record<string, string>, args: string[] = []): Promise<PlaybookRun> {
    const out = await new Deno.Command("ansible-playbook", {
      args: [
        "-i",
        join(this.work, "inventory.ini"),
        join(PROJECT_ROOT, "examples/fleet", file),
        "-e",
        JSON.stringify(vars),
        ...args,
      ],
      clearEnv: true,
      env: ansibleEnv(PROJECT_ROOT, join(this.work, "ansible-tmp")),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const raw = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    let report: {
      plays: Array<{ tasks: Array<{ task: { name: string }; hosts: Record<string, Record<string, unknown>> }> }>;
      stats: PlaybookRun["stats"];
    };
    try {
      report = JSON.parse(raw.slice(raw.indexOf("{")));
    } catch {
      throw new Error(`ansible-playbook ${file} printed no JSON (exit ${out.code}):\n${raw}\n${stderr}`);
    }
    const tasks = report.plays.flatMap((play) => play.tasks.map((t) => ({ name: t.task.name, hosts: t.hosts })));
    return { code: out.code, tasks, stats: report.stats, raw, stderr };
  }

  /** leger --json in one host, as root in system scope. */
  async leger<T>(i: number, args: string[]): Promise<T> {
    const r = await this.hosts[i]!.exec(["leger", "--json", "--scope", SYSTEM.scope, ...args], { timeoutMs: 240_000 });
    assert.equal(r.code, 0, `leger ${args.join(" ")} on ${NAMES[i]} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** What each host's web set serves (the image's version). */
  served(): Promise<Array<string | undefined>> {
    return Promise.all(this.hosts.map(async (h) => (await httpGet(h, `http://127.0.0.1:${WEB_PORT}/`, 5000))?.trim()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.stop()));
    if (this.work) await Deno.remove(this.work, { recursive: true }).catch(() => {});
  }
}

/** The results of the tasks named like `task` on `host`. */
const resultsOf = (run: PlaybookRun, host: string, task: string) =>
  run.tasks.filter((t) => t.name.includes(task) && t.hosts[host]).map((t) => t.hosts[host]!);
/** The one result of the task named like `task` on `host`. */
const one = (run: PlaybookRun, host: string, task: string) => {
  const r = resultsOf(run, host, task);
  assert.ok(
    r.length === 1,
    `${host}: expected one result of "${task}", got ${JSON.stringify(r)}\n${run.raw.slice(-3000)}`,
  );
  return r[0]!;
};
const rollVars = { set_name: "web", set_source: SET_SOURCE, health_timeout: "20s" };

Deno.test({
  name: "three hosts driven by ansible-playbook: install, idempotence, check+diff, rolling updates, assignment",
  // Ansible on the build machine drives the hosts: without it the test is skipped, saying so.
  ignore: E2E_SUITE !== "sid" || needs("the fleet test", "ansible-playbook", "ansible-doc").ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const fleet = new Fleet();
    try {
      await fleet.boot();

      await t.step("the first run installs the set on all three hosts; a second run changes nothing", async () => {
        const first = await fleet.playbook("site.yml", { set_name: "web", set_source: SET_SOURCE });
        assert.equal(first.code, 0, first.raw.slice(-4000) + first.stderr);
        for (const name of NAMES) {
          const r = one(first, name, "is installed");
          assert.equal(r.changed, true, `${name}: ${JSON.stringify(r)}`);
          assert.equal(r.outcome, "installed");
        }
        assert.deepEqual(await fleet.served(), ["v1", "v1", "v1"]);
        const second = await fleet.playbook("site.yml", { set_name: "web", set_source: SET_SOURCE });
        assert.equal(second.code, 0, second.raw.slice(-4000));
        for (const name of NAMES) {
          assert.equal(one(second, name, "is installed").changed, false);
          assert.equal(second.stats[name]!.changed, 0, `${name} changed on the second run`);
          // leger_info's facts
          const info = one(second, name, "What runs here") as { ansible_facts?: { leger?: Record<string, unknown> } };
          assert.deepEqual(info.ansible_facts?.leger?.versions, { web: "1" });
          assert.deepEqual(info.ansible_facts?.leger?.states, { web: "active" });
        }
      });

      await fleet.push("web v2", web("localhost/leger-test:v2", "2"));

      await t.step("--check --diff after a push shows leger's diff per host and changes nothing", async () => {
        const check = await fleet.playbook("rolling-update.yml", rollVars, ["--check", "--diff"]);
        assert.equal(check.code, 0, check.raw.slice(-4000) + check.stderr);
        for (const name of NAMES) {
          const r = one(check, name, "Update web");
          assert.equal(r.changed, true);
          const prepared = (r.diff as { prepared?: string } | undefined)?.prepared ?? "";
          assert.match(prepared, /^web: version 1 [0-9a-f]{12} -> version 2 [0-9a-f]{12}$/m);
          assert.match(prepared, /^-Image=localhost\/leger-test:v1$/m);
          assert.match(prepared, /^\+Image=localhost\/leger-test:v2$/m);
          assert.match(prepared, /image web\.container: localhost\/leger-test:v1 -> localhost\/leger-test:v2/);
          assert.match(prepared, /units to restart: web\.service/);
        }
        assert.deepEqual(await fleet.served(), ["v1", "v1", "v1"]);
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(
            (await fleet.leger<{ sets: unknown[] }>(i, ["staged"])).sets,
            [],
            `${NAMES[i]} kept a staged version`,
          );
          const [row] = (await fleet.leger<{ sets: Array<{ version?: string }> }>(i, ["list"])).sets;
          assert.equal(row?.version, "1");
        }
      });

      await t.step("a rolling update (serial: 1) of a good version reaches all three hosts", async () => {
        const roll = await fleet.playbook("rolling-update.yml", rollVars);
        assert.equal(roll.code, 0, roll.raw.slice(-4000) + roll.stderr);
        for (const name of NAMES) {
          const r = one(roll, name, "Update web");
          assert.equal(r.changed, true);
          assert.equal(r.outcome, "updated");
          assert.equal((r.apply as Array<{ outcome: string }>)[0]?.outcome, "applied");
        }
        assert.deepEqual(await fleet.served(), ["v2", "v2", "v2"]);
        const again = await fleet.playbook("rolling-update.yml", rollVars);
        assert.equal(again.code, 0, again.raw.slice(-4000));
        for (const name of NAMES) assert.equal(one(again, name, "Update web").changed, false);
      });

      await fleet.push("web v3 (broken)", web("localhost/leger-test:v1", "3", true));

      await t.step(
        "a broken version rolls back on the first host and stops the play; the others are untouched",
        async () => {
          const roll = await fleet.playbook("rolling-update.yml", { ...rollVars, health_timeout: "10s" });
          assert.equal(roll.code, 2, `the play should fail\n${roll.raw.slice(-4000)}`);
          const first = one(roll, "fleet-1", "Update web");
          assert.equal(first.failed, true);
          assert.equal(first.rolled_back, true);
          assert.match(String(first.msg), /^leger rolled back web: .*web\.service did not come up; rolled back/);
          assert.deepEqual(resultsOf(roll, "fleet-2", "Update web"), [], "fleet-2 must not be reached");
          assert.deepEqual(resultsOf(roll, "fleet-3", "Update web"), [], "fleet-3 must not be reached");
          assert.deepEqual(await fleet.served(), ["v2", "v2", "v2"]);
          const versions = await Promise.all([0, 1, 2].map(async (i) => {
            const [row] = (await fleet.leger<{ sets: Array<{ version?: string; state: string }> }>(i, ["list"])).sets;
            return `${row?.version} ${row?.state}`;
          }));
          assert.deepEqual(versions, ["2 active", "2 active", "2 active"]);
          // Only the first host ever saw v3.
          assert.deepEqual((await fleet.leger<{ sets: unknown[] }>(1, ["staged"])).sets, []);
          assert.deepEqual((await fleet.leger<{ sets: unknown[] }>(2, ["staged"])).sets, []);
        },
      );

      await t.step(
        "leger-hosts.yaml puts different sets on different hosts (leger install <repo> on each)",
        async () => {
          const vars = { fleet_repo: `file://${REPO_IN_GUEST}#main` };
          const run = await fleet.playbook("site.yml", vars);
          assert.equal(run.code, 0, run.raw.slice(-4000) + run.stderr);
          const sets = await Promise.all(
            [0, 1, 2].map(async (i) =>
              (await fleet.leger<{ sets: Array<{ name: string; state: string }> }>(i, ["list"])).sets.map((r) =>
                `${r.name} ${r.state}`
              )
            ),
          );
          assert.deepEqual(sets, [
            ["api active", "web active"],
            ["web active"],
            ["proxy active", "web active"],
          ]);
          for (const name of NAMES) {
            assert.equal(one(run, name, "leger-hosts.yaml assigns").changed, name !== "fleet-2");
          }
          // web was left as it was (installed from the same source): still v2 everywhere.
          assert.deepEqual(await fleet.served(), ["v2", "v2", "v2"]);
          assert.equal((await httpGet(fleet.hosts[2]!, "http://127.0.0.1:18702/", 5000))?.trim(), "v2");
          const again = await fleet.playbook("site.yml", vars);
          for (const name of NAMES) {
            assert.equal(one(again, name, "leger-hosts.yaml assigns").changed, false);
          }
        },
      );

      await t.step("leger_set's policy reaches every host through leger policy set", async () => {
        const run = await fleet.playbook("site.yml", { set_name: "web", set_source: SET_SOURCE, set_policy: "notify" });
        assert.equal(run.code, 0, run.raw.slice(-4000) + run.stderr);
        for (let i = 0; i < 3; i++) {
          const r = one(run, NAMES[i]!, "is installed");
          assert.equal(r.changed, true, `${NAMES[i]}: ${JSON.stringify(r)}`);
          const shown =
            (await fleet.leger<{ policy: { policy: string; override: unknown } }>(i, ["policy", "show", "web"]))
              .policy;
          assert.equal(shown.policy, "notify");
          assert.deepEqual(shown.override, { policy: "notify" });
        }
      });

      await t.step("the daemon (system unit) installs a set leger-hosts.yaml newly assigns to its host", async () => {
        const host = fleet.hosts[1]!; // fleet-2: web only so far
        await host.writeFile(
          "/etc/leger/config.yaml",
          `fleet:\n  source: file://${REPO_IN_GUEST}\n  ref: main\n  interval: 3s\n`,
        );
        const started = await host.exec(["leger", "--scope", "system", "daemon", "install", "--now"]);
        assert.equal(started.code, 0, started.stdout + started.stderr);
        await fleet.push("fleet-2 runs the api too", {
          "leger-hosts.yaml": HOSTS_FILE.replace(
            "  fleet-1: [apps/api]\n",
            "  fleet-1: [apps/api]\n  fleet-2: [apps/api]\n",
          ),
        });
        const deadline = Date.now() + 150_000;
        let sets: string[] = [];
        while (Date.now() < deadline) {
          sets = (await fleet.leger<{ sets: Array<{ name: string; state: string }> }>(1, ["list"])).sets.map((r) =>
            `${r.name} ${r.state}`
          );
          if (sets.includes("api active")) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
        const journal = (await host.exec(["journalctl", "-u", "leger-daemon", "--no-pager", "-o", "cat"])).stdout;
        assert.deepEqual(sets, ["api active", "web active"], journal.slice(-3000));
        assert.match(
          journal,
          /api: installed from file:\/\/\/srv\/fleet\/repo#main:apps\/api at [0-9a-f]{12} \(assigned to this host by host:fleet-2\)/,
        );
        const status = await fleet.leger<{ daemon?: { updates?: { fleet?: { assigned: Array<{ name?: string }> } } } }>(
          1,
          ["daemon", "status"],
        );
        assert.deepEqual(status.daemon?.updates?.fleet?.assigned.map((a) => a.name), ["web", "api"]);
        assert.equal((await httpGet(host, "http://127.0.0.1:18701/", 5000))?.trim(), "v1");
        // the other hosts do not follow the repository: fleet-3 is as it was
        const other = (await fleet.leger<{ sets: Array<{ name: string }> }>(2, ["list"])).sets.map((r) => r.name);
        assert.deepEqual(other, ["proxy", "web"]);
      });
    } finally {
      await fleet.stop();
    }
  },
});
