/**
 * Unattended updates on a real systemd + podman host: the leger daemon runs
 * as alice's user unit (`leger daemon install --now`, no Setec server: the
 * updater alone) and keeps sets at their git source by their policy. v2 is
 * applied within two intervals; a broken v3 is rolled back with its volume
 * data, remembered and not retried; v4 is applied. A notify set is only
 * staged. A closed window defers; opening it in the host's config applies.
 * The daemon killed in the middle of an unattended apply leaves the set at
 * the old or the new version after its next start, never in between.
 *
 * @module
 */
import assert from "node:assert/strict";
import { addCommits, createRepo, type FixtureRepo } from "../host/git_fixture.ts";
import { httpGet, leger, legerJson, movedOn, sharedHost, waitFor, webContainer, WHO, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const alice: Who = WHO.find((w) => w.user === "alice")!;
const URL_BASE = "http://127.0.0.1:8418/homelab";
const INTERVAL = "2s";

interface ListRow {
  name: string;
  commit: string;
  state: string;
}
interface Status {
  updates: {
    policy: string;
    lastCheck?: string;
    lastResult?: string;
    staged?: { commit: string };
    rolledBack: Array<{ commit: string; reason: string; failed: Array<{ unit: string; journal: string }> }>;
  };
}

const yaml = (version: string, updates: string) => `version: ${version}\nupdates:\n${updates}`;

function web(port: number, opts: { image?: string; exec?: string } = {}): string {
  const text = webContainer({ port, volume: "gdata.volume", ...(opts.image ? { image: opts.image } : {}) });
  return opts.exec ? text.replace(/^Exec=.*$/m, `Exec=${opts.exec}`) : text;
}

async function row(name: string): Promise<ListRow | undefined> {
  const host = await sharedHost();
  return (await legerJson<{ sets: ListRow[] }>(host, alice, ["list"])).sets.find((r) => r.name === name);
}

async function status(name: string): Promise<Status> {
  return (await legerJson<{ set: Status }>(await sharedHost(), alice, ["status", name])).set;
}

/** Waits until the daemon has checked `name` `times` more times (its `lastCheck` moved on). */
async function checkedAgain(name: string, times: number): Promise<void> {
  await movedOn(`checks of ${name}`, async () => (await status(name)).updates.lastCheck, times, APPLIED_WITHIN, {
    describe: daemonJournal,
  });
}

async function daemonJournal(): Promise<string> {
  const host = await sharedHost();
  return (await host.exec(["journalctl", "--user", "-u", "leger-daemon", "--no-pager", "-o", "cat"], { user: "alice" }))
    .stdout;
}

let repo: FixtureRepo;
let v2: string;
/** A cycle stages (validator, generator dry run) and applies (backup, restart, health gate): slow on a busy machine. */
const APPLIED_WITHIN = 120_000;

Deno.test({
  name: "gitops: the daemon (as alice's user unit) starts with only the updater when no Setec server is configured",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    repo = await createRepo(host, "homelab/gitops", [{
      message: "v1",
      files: {
        "app/web.container": web(18701),
        "app/gdata.volume": "[Volume]\n",
        "app/.leger.yaml": yaml("1", `  policy: apply\n  interval: ${INTERVAL}\n`),
        "note/note.container": webContainer({ port: 18702 }),
        "note/.leger.yaml": yaml("1", `  policy: notify\n  interval: ${INTERVAL}\n`),
        "win/win.container": webContainer({ port: 18703 }),
        "win/.leger.yaml": yaml("1", `  policy: apply\n  interval: ${INTERVAL}\n  window: "2020-01-01 00:00..00:01"\n`),
      },
    }]);
    for (const [folder, name] of [["app", "gweb"], ["note", "gnote"], ["win", "gwin"]]) {
      const r = await leger(host, alice, ["install", `${URL_BASE}/gitops.git#main:${folder}`, "--name", name!]);
      assert.equal(r.code, 0, r.stderr);
    }
    const marker = await host.exec(["podman", "exec", "systemd-web", "sh", "-c", "echo keep > /data/marker"], {
      user: "alice",
    });
    assert.equal(marker.code, 0, marker.stderr);
    // A user's hook, run by the daemon's cycle child: it writes a file, and prints (which must not be taken for the
    // child's answer to the daemon, and reaches the journal).
    await host.writeFile(
      "/home/alice/.config/leger/workflows/on-update.ts",
      `import type { WorkflowContext } from "leger";
export default async function ({ event }: WorkflowContext) {
  if (!event) return;
  console.log("hook says: " + event.kind + " " + event.set);
  await Deno.writeTextFile("/home/alice/hook-events.txt", event.kind + " " + event.set + "\\n", { append: true });
}
`,
      { user: "alice" },
    );
    const r = await leger(host, alice, ["daemon", "install", "--now"]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor("the daemon to start", async () => /unattended updates only/.test(await daemonJournal()));
    assert.equal((await status("gweb")).updates.policy, "apply");
  },
});

Deno.test({
  name: "gitops: v2 is applied within two intervals; notify only stages; a closed window defers",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    [v2] = (await addCommits(host, repo, [{
      message: "v2",
      files: {
        "app/web.container": web(18701, { image: "localhost/leger-test:v2" }),
        "app/.leger.yaml": yaml("2", `  policy: apply\n  interval: ${INTERVAL}\n`),
        "note/note.container": webContainer({ port: 18702, image: "localhost/leger-test:v2" }),
        "win/win.container": webContainer({ port: 18703, image: "localhost/leger-test:v2" }),
      },
    }])) as [string];
    await waitFor("gweb at v2", async () => (await row("gweb"))?.commit === v2, APPLIED_WITHIN);
    assert.match(await httpGet(host, "http://127.0.0.1:18701/") ?? "", /v2/);
    // The hook ran in the cycle child; what it printed went to the journal, and the cycle still answered.
    await waitFor(
      "the on-update hook",
      async () => /applied gweb/.test(await host.readFile("/home/alice/hook-events.txt").catch(() => "")),
    );
    assert.match(await daemonJournal(), /hook says: applied gweb/);
    const daemon = await legerJson<{ daemon: { updates: { sets: Array<{ name: string; result: string }> } } }>(
      host,
      alice,
      ["daemon", "status"],
    );
    assert.ok(daemon.daemon.updates.sets.some((s) => s.name === "gweb"), JSON.stringify(daemon));
    const note = await waitFor("gnote staged", async () => {
      const s = await status("gnote");
      return s.updates.staged?.commit === v2 ? s : undefined;
    }, APPLIED_WITHIN);
    assert.equal(note.updates.lastResult, "staged");
    // leger update --now asks the running daemon, which runs a cycle child for the set at once.
    const now = await legerJson<{ checked: Array<{ name: string; result: string }> }>(host, alice, [
      "update",
      "--now",
      "gnote",
    ]);
    // (The cycle it runs also checks the other sets that are due, and says so.)
    assert.equal(now.checked.find((c) => c.name === "gnote")?.result, "staged", JSON.stringify(now.checked));
    assert.notEqual((await row("gnote"))?.commit, v2, "notify does not apply");
    assert.match(await httpGet(host, "http://127.0.0.1:18702/") ?? "", /v1/);
    const win = await waitFor("gwin deferred", async () => {
      const s = await status("gwin");
      return s.updates.lastResult === "deferred" ? s : undefined;
    }, APPLIED_WITHIN);
    assert.equal(win.updates.staged?.commit, v2);
    assert.notEqual((await row("gwin"))?.commit, v2);

    // The host owner opens the window in config.yaml: the next cycle applies.
    const config = await host.readFile("/home/alice/.config/leger/config.yaml");
    await host.writeFile(
      "/home/alice/.config/leger/config.yaml",
      `${config}updates:\n  sets:\n    gwin:\n      window: "*-*-* 00:00..23:59"\n`,
      { user: "alice" },
    );
    await waitFor("gwin at v2", async () => (await row("gwin"))?.commit === v2, APPLIED_WITHIN);
    assert.match(await httpGet(host, "http://127.0.0.1:18703/") ?? "", /v2/);
    assert.match(await daemonJournal(), /gweb: updated [0-9a-f]{12} -> [0-9a-f]{12}; all units healthy/);
  },
});

Deno.test({
  name: "gitops: a broken v3 is rolled back with its volume data, remembered, and not retried; v4 is applied",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    assert.equal((await row("gweb"))!.commit, v2);
    const [v3] = await addCommits(host, repo, [{
      message: "v3 breaks",
      files: {
        "app/web.container": web(18701, {
          image: "localhost/leger-test:v2",
          exec: `/bin/sh -c "echo v3-was-here > /data/marker; echo v3-fails; exit 3"`,
        }),
      },
    }]);
    const s = await waitFor("v3 rolled back", async () => {
      const st = await status("gweb");
      return st.updates.rolledBack.some((b) => b.commit === v3) ? st : undefined;
    }, APPLIED_WITHIN);
    const bad = s.updates.rolledBack.find((b) => b.commit === v3)!;
    assert.deepEqual(bad.failed.map((f) => f.unit), ["web.service"]);
    assert.match(bad.failed[0]!.journal, /v3-fails/);
    assert.equal((await row("gweb"))?.commit, v2);
    assert.equal((await row("gweb"))?.state, "active");
    assert.match(await httpGet(host, "http://127.0.0.1:18701/") ?? "", /v2/);
    const marker = await host.exec(["podman", "exec", "systemd-web", "cat", "/data/marker"], { user: "alice" });
    assert.equal(marker.stdout.trim(), "keep", "the volume is as it was before v3");

    // Three more checks: v3 is not tried again.
    await checkedAgain("gweb", 3);
    assert.equal((await row("gweb"))?.commit, v2);
    assert.equal((await daemonJournal()).match(new RegExp(`${v3!.slice(0, 12)} did not come up`, "g"))?.length, 1);

    const [v4] = await addCommits(host, repo, [{
      message: "v4",
      files: { "app/web.container": web(18701, { image: "localhost/leger-test:v1" }) },
    }]);
    await waitFor("gweb at v4", async () => (await row("gweb"))?.commit === v4, APPLIED_WITHIN);
    assert.match(await httpGet(host, "http://127.0.0.1:18701/") ?? "", /v1/);
  },
});

Deno.test({
  name: "gitops: the daemon killed during an unattended apply leaves the set at the old or the new version",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const v4 = (await row("gweb"))!.commit;
    const before = (await daemonJournal()).length;
    const [v5] = await addCommits(host, repo, [{
      message: "v5",
      files: { "app/web.container": web(18701, { image: "localhost/leger-test:v2" }) },
    }]);
    await waitFor(
      "the daemon to start applying v5",
      async () => /Backing up gweb before the update/.test((await daemonJournal()).slice(before)),
      APPLIED_WITHIN,
    );
    /** What a timeout after the kill needs to be understood: the daemon's unit, its journal since v5, gweb's record. */
    const afterKill = async () => {
      const unit = await host.exec(["systemctl", "--user", "status", "--no-pager", "-n", "0", "leger-daemon"], {
        user: "alice",
      });
      const record = await leger(host, alice, ["--json", "status", "gweb"]);
      return `${unit.stdout}\n--- daemon journal since v5 ---\n${
        (await daemonJournal()).slice(before).split("\n").slice(-60).join("\n")
      }\n--- leger status gweb ---\n${record.stdout}${record.stderr}`;
    };
    const kill = await host.exec(["systemctl", "--user", "kill", "-s", "KILL", "leger-daemon"], { user: "alice" });
    assert.equal(kill.code, 0, kill.stderr);
    // systemd restarts the daemon (Restart=on-failure); its first operation recovers the interrupted apply.
    const settled = await waitFor(
      "gweb to settle at v4 or v5",
      async () => {
        const r = await row("gweb");
        const pending = await host.exec(["sh", "-c", "ls ~/.local/share/leger/journal 2>/dev/null | wc -l"], {
          user: "alice",
        });
        return r && r.state === "active" && pending.stdout.trim() === "0" ? r : undefined;
      },
      APPLIED_WITHIN,
      { intervalMs: 1000, describe: afterKill },
    );
    assert.ok([v4, v5].includes(settled.commit), `at ${settled.commit}, neither v4 nor v5`);
    await waitFor("gweb at v5 in the end", async () => (await row("gweb"))?.commit === v5, APPLIED_WITHIN, {
      intervalMs: 1000,
      describe: afterKill,
    });
    assert.match(await httpGet(host, "http://127.0.0.1:18701/") ?? "", /v2/);
  },
});

Deno.test({
  name: "gitops: AutoUpdate=local: a healthy new image is kept; an unhealthy one puts the whole set back",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const podman = async (...args: string[]) => {
      const r = await host.exec(["podman", ...args], { user: "alice", timeoutMs: 60_000 });
      assert.equal(r.code, 0, `podman ${args.join(" ")}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await podman("tag", "localhost/leger-test:v1", "localhost/au:latest");
    await createRepo(host, "homelab/auto", [{
      message: "auto v1",
      files: {
        "au/au.container": [
          "[Container]",
          "Image=localhost/au:latest",
          "AutoUpdate=local",
          "RunInit=true",
          "PublishPort=127.0.0.1:18711:8080",
          "",
          "[Install]",
          "WantedBy=default.target",
          "",
        ].join("\n"),
        "au/.leger.yaml": yaml("1", `  policy: apply\n  interval: ${INTERVAL}\n`),
      },
    }]);
    const r = await leger(host, alice, ["install", `${URL_BASE}/auto.git#main:au`, "--name", "gau"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(await httpGet(host, "http://127.0.0.1:18711/") ?? "", /v1/);

    // A healthy new image under the same tag: the daemon restarts the unit on it and keeps it.
    await podman("tag", "localhost/leger-test:v2", "localhost/au:latest");
    await waitFor(
      "the new image to serve",
      async () => /v2/.test(await httpGet(host, "http://127.0.0.1:18711/", 1000) ?? ""),
      APPLIED_WITHIN,
    );
    await waitFor(
      "the image update in the journal",
      async () => /gau: new image localhost\/au:latest@/.test(await daemonJournal()),
      APPLIED_WITHIN,
    );

    // A new image that cannot start: the set goes back to the v2 image and stays there.
    await podman(
      "import",
      "--change",
      'CMD ["/bin/sh","-c","echo broken-image; exit 3"]',
      "/opt/leger-test/images/leger-test-v1.tar",
      "localhost/au:latest",
    );
    await waitFor(
      "the rollback in the journal",
      async () => /gau: new image .* did not come up; the set was rolled back/.test(await daemonJournal()),
      APPLIED_WITHIN,
    );
    await waitFor(
      "v2 to serve again",
      async () => /v2/.test(await httpGet(host, "http://127.0.0.1:18711/", 1000) ?? ""),
      APPLIED_WITHIN,
    );
    assert.equal((await row("gau"))?.state, "active");
    await checkedAgain("gau", 3);
    assert.equal((await daemonJournal()).match(/gau: new image .* did not come up/g)?.length, 1, "not tried again");
    assert.match(await httpGet(host, "http://127.0.0.1:18711/") ?? "", /v2/);
  },
});
