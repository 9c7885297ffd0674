/**
 * Issue 24 on a real host: a ref or tag that reads like an option of git
 * never runs, whichever way it comes in (the `#REF` of a source, `--ref`, the
 * Ansible module in check mode, a tag the root daemon sees in a followed
 * `file://` repository); Ansible's check mode leaves a version the daemon
 * staged alone; and a token in a source URL reaches git and nothing else
 * (state, cache, config, the journal, text and `--json` output).
 *
 * Runs on sid only: git and leger's parsing, not a podman version.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../host/host.ts";
import { addCommits, createRepo } from "../host/git_fixture.ts";
import { ansibleEnv, leger, sharedHost, waitFor, webContainer, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ROOT: Who = { user: "root", scope: "system", backend: "native" };
const ALICE: Who = { user: "alice", scope: "user", backend: "native" };
const REPO = "hostile/refs";
const URL = `file:///srv/git/${REPO}.git`;
// Each one ran `touch` through git's --upload-pack on main (the review's strings, with a path to look for).
const OPTION = (tag: string) => `--upload-pack=touch /var/lib/leger/pwned-${tag};git-upload-pack`;
const EVIL_TAG = "--upload-pack=touch${IFS}/var/lib/leger/pwned-daemon;git-upload-pack;v9.9.9";

const set = (version: string) => ({
  "web/web.container": webContainer({ port: 19751 }),
  "web/.leger.yaml": `version: ${version}\nupdates:\n  policy: notify\n  follow: "tag:*"\n  interval: 2s\n`,
});

/** Every file a hostile ref would have made. */
async function pwned(): Promise<string> {
  const host = await sharedHost();
  return (await host.exec(["sh", "-c", "ls -d /var/lib/leger/pwned-* /tmp/pwned-* /home/alice/pwned-* 2>/dev/null"]))
    .stdout.trim();
}

let commits: string[] = [];

Deno.test({
  name:
    "hostile refs: the #REF of a source and --ref are refused (exit 2) by validate, install and update; git runs nothing",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    commits = (await createRepo(host, REPO, [{ message: "v1", files: set("1.0.0"), tag: "v1.0.0" }])).commits;
    const attempts = [
      ["validate", "--no-host", `${URL}#${OPTION("validate")}:web`],
      ["install", "--dry-run", `${URL}#${OPTION("install")}:web`],
      ["install", "--dry-run", `${URL}#main:web`, "--ref", OPTION("ref")],
    ];
    for (const args of attempts) {
      const r = await leger(host, ROOT, args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /starts with '-' \(git would read it as an option\)/);
    }
    const installed = await leger(host, ROOT, ["install", `${URL}#v1.0.0:web`, "--name", "hweb"]);
    assert.equal(installed.code, 0, installed.stderr);
    for (
      const args of [["stage", "hweb", "--ref", OPTION("stage")], [
        "update",
        "hweb",
        "--dry-run",
        "--ref",
        OPTION("update"),
      ]]
    ) {
      const r = await leger(host, ROOT, args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    }
    assert.equal(await pwned(), "");
  },
});

Deno.test({
  name: "hostile refs: the root daemon following tags skips a tag named like an option and stages the newest real one",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const repo = { name: REPO, bare: `/srv/git/${REPO}.git`, work: `/srv/git-work/${REPO}`, commits };
    const [v11] = await addCommits(host, repo, [{ message: "v1.1", files: set("1.1.0"), tag: "v1.1.0" }]);
    // git tag refuses such a name; update-ref makes it, and the repository advertises it like any tag.
    await host.exec(["git", "-C", repo.bare, "update-ref", `refs/tags/${EVIL_TAG}`, v11!], { check: true });
    const listed = await host.exec(["git", "ls-remote", "--tags", URL], { check: true });
    assert.ok(listed.stdout.includes(EVIL_TAG), listed.stdout);
    const d = await leger(host, ROOT, ["daemon", "install", "--now"]);
    assert.equal(d.code, 0, d.stderr);
    try {
      await waitFor("the daemon to stage v1.1.0", async () => {
        const r = await leger(host, ROOT, ["--json", "status", "hweb"]);
        return r.code === 0 && JSON.parse(r.stdout).set.updates.staged?.commit === v11 ? true : undefined;
      }, 120_000);
      const status = JSON.parse((await leger(host, ROOT, ["--json", "status", "hweb"])).stdout).set.updates;
      assert.equal(status.staged.ref, "v1.1.0");
      assert.equal(await pwned(), "");
    } finally {
      await host.exec(["systemctl", "disable", "--now", "leger-daemon"]);
    }
  },
});

/** Runs steps of leger.leger against the shared host through community.docker's nsenter connection. */
async function play(steps: Array<[string, Record<string, unknown>]>) {
  const host = await sharedHost();
  const work = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "leger-hostile-ansible-" });
  try {
    await Deno.writeTextFile(
      join(work, "inventory.ini"),
      `guest ansible_connection=community.docker.nsenter ansible_nsenter_pid=${host.pid1} ` +
        "ansible_python_interpreter=/usr/bin/python3\n",
    );
    const book = [{
      hosts: "guest",
      gather_facts: false,
      tasks: steps.map(([name, args]) => ({
        name,
        "leger.leger.leger_set": { scope: "system", ...args },
        check_mode: true,
        diff: true,
        ignore_errors: true,
      })),
    }];
    await Deno.writeTextFile(join(work, "play.yml"), JSON.stringify(book));
    const out = await new Deno.Command("ansible-playbook", {
      args: ["-i", join(work, "inventory.ini"), join(work, "play.yml")],
      clearEnv: true,
      env: ansibleEnv(PROJECT_ROOT, join(work, "tmp")),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const raw = new TextDecoder().decode(out.stdout);
    const report = JSON.parse(raw.slice(raw.indexOf("{")));
    return new Map<string, Record<string, unknown>>(
      report.plays[0].tasks.map((t: { task: { name: string }; hosts: { guest: Record<string, unknown> } }) => [
        t.task.name,
        t.hosts.guest,
      ]),
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test({
  name:
    "hostile refs: the Ansible module in check mode refuses the ref, and previews without touching the daemon's staged version",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const staged = "/var/lib/leger/staged/hweb/staged.json";
    const before = await host.readFile(staged);
    const r = await play([
      ["evil-ref", { name: "hweb", ref: OPTION("ansible") }],
      ["evil-source", { name: "hweb2", source: `${URL}#${OPTION("ansible-source")}:web` }],
      ["latest", { name: "hweb", state: "latest" }],
    ]);
    for (const name of ["evil-ref", "evil-source"]) {
      assert.equal(r.get(name)?.failed, true, JSON.stringify(r.get(name)));
      assert.match(String(r.get(name)?.msg), /starts with '-'/);
    }
    assert.equal(r.get("latest")?.failed, undefined, JSON.stringify(r.get("latest")));
    assert.equal(await host.readFile(staged), before, "check mode touched the version the daemon staged");
    assert.equal(await pwned(), "");
  },
});

Deno.test({
  name: "a token in an https source URL is in no file of leger's, no journal line and no output (text or --json)",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const token = `glpat-${crypto.randomUUID().replaceAll("-", "")}`;
    await createRepo(host, "private/app", [{
      message: "v1",
      files: { "web/web.container": webContainer({ port: 18761 }) },
    }]);
    const { url } = await host.startGitServer({ port: 8419, auth: `deploy:${token}` });
    const source = `${url.replace("://", `://deploy:${token}@`)}/private/app.git`;
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await leger(host, ALICE, args);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const ok = await run(["install", `${source}#main:web`, "--name", "papp"]);
    assert.equal(ok.code, 0, ok.stderr);
    const missing = await run(["--json", "install", `${source}#nope:web`, "--name", "papp2"]);
    assert.equal(missing.code, 5, missing.stderr);
    assert.match(
      JSON.parse(missing.stdout).error.message,
      /Cannot fetch http:\/\/127\.0\.0\.1:8419\/private\/app\.git/,
    );
    const denied = await run(["install", `${source.replace(token, "wrong")}#main:web`, "--name", "papp3"]);
    assert.notEqual(denied.code, 0);
    // A later stage authenticates with the credential leger kept.
    const stage = await run(["stage", "papp"]);
    assert.equal(stage.code, 0, stage.stderr);
    for (const out of outputs) assert.ok(!out.includes(token), out);
    const grep = await host.exec([
      "sh",
      "-c",
      `grep -rl -- "$1" /home/alice/.local/share/leger /home/alice/.cache/leger /home/alice/.config/leger`,
      "sh",
      token,
    ]);
    const files = grep.stdout.trim().split("\n").filter(Boolean);
    const journal = await host.exec(["sh", "-c", `journalctl --no-pager -o cat | grep -F -- "$1"; true`, "sh", token]);
    assert.equal(journal.stdout, "", "the journal holds the token");
    assert.deepEqual(files.map((f) => f.replace(/[0-9a-f]{16}/, "ID")), [
      "/home/alice/.local/share/leger/credentials/ID.json",
    ]);
    const mode = await host.exec(["stat", "-c", "%a", files[0]!], { check: true });
    assert.equal(mode.stdout.trim(), "600");
    const open = await host.exec([
      "find",
      "/home/alice/.local/share/leger",
      "/home/alice/.cache/leger",
      "(",
      "-type",
      "d",
      "-perm",
      "/077",
      ")",
      "-o",
      "(",
      "-type",
      "f",
      "-perm",
      "/077",
      "-not",
      "-name",
      "FETCH_HEAD",
      ")",
    ]);
    assert.equal(open.stdout.trim(), "", "files or folders others may read");
    await run(["remove", "papp"]);
  },
});
