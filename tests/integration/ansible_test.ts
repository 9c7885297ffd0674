/**
 * The Ansible collection `leger.leger` (ansible/): ansible-doc shows every
 * module, the README's rolling-update playbook is the example's, and the
 * modules drive a real `leger` (main.ts against the fake host) through
 * `ansible-playbook` on localhost: idempotence, check and diff mode, a
 * rollback failing the task, backups and facts.
 *
 * Needs Ansible (Debian's `ansible` package; CI installs it).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Bench, bench, NGINX, repoWith } from "../fakes/fake_host_fixtures.ts";
import { needs } from "../helpers/tools.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const COLLECTIONS = join(ROOT, "ansible");
const MODULES = ["leger_set", "leger_backup", "leger_info"];

const V1 = {
  "web.container": `[Container]\nImage=${NGINX}\nPublishPort=8080:80\n`,
  "web-data.volume": "[Volume]\n",
  ".leger.yaml": "version: 1.0.0\n",
};
const V2 = {
  ...V1,
  "web.container": V1["web.container"].replace("8080:80", "8081:80"),
  ".leger.yaml": "version: 2.0.0\n",
};
const CRASH = { ...V2, "web.container": V2["web.container"] + "Exec=/bin/false\n", ".leger.yaml": "version: 3.0.0\n" };

function ansibleEnv(): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    LANG: "C.UTF-8",
    ANSIBLE_COLLECTIONS_PATH: COLLECTIONS,
    ANSIBLE_STDOUT_CALLBACK: "json",
    ANSIBLE_NOCOLOR: "1",
    ANSIBLE_RETRY_FILES_ENABLED: "0",
  };
}

async function exec(cmd: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(cmd, { args, env, clearEnv: true, stdout: "piped", stderr: "piped" }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test({
  name: "ansible-doc shows every module of leger.leger with its options and examples",
  ...needs(
    'the Ansible test "ansible-doc shows every module of leger.leger with its options and examples"',
    "ansible-doc",
  ),
}, async () => {
  const list = await exec("ansible-doc", ["-t", "module", "-l", "leger.leger"], ansibleEnv());
  assert.equal(list.code, 0, list.stderr);
  for (const m of MODULES) assert.match(list.stdout, new RegExp(`^leger\\.leger\\.${m}\\s+\\S`, "m"));
  const options: Record<string, string[]> = {
    leger_set: [
      "name",
      "source",
      "ref",
      "state",
      "scope",
      "health_timeout",
      "force",
      "backup",
      "purge_volumes",
      "policy",
      "policy_follow",
      "policy_interval",
      "policy_window",
    ],
    leger_backup: ["command", "name", "id", "live", "reason", "health_timeout", "scope"],
    leger_info: ["check_updates", "scope"],
  };
  for (const m of MODULES) {
    const doc = await exec("ansible-doc", ["-t", "module", "--json", `leger.leger.${m}`], ansibleEnv());
    assert.equal(doc.code, 0, `${m}: ${doc.stderr}`);
    const parsed = JSON.parse(doc.stdout)[`leger.leger.${m}`];
    assert.ok(parsed.doc.short_description, `${m} has no short description`);
    assert.deepEqual(Object.keys(parsed.doc.options).filter((o) => options[m]!.includes(o)).sort(), options[m]!.sort());
    assert.ok(parsed.examples.includes(`leger.leger.${m}:`), `${m}'s examples do not use it`);
    assert.ok(Object.keys(parsed.return).length > 0, `${m} documents no return values`);
  }
});

Deno.test("the README's rolling-update playbook is examples/fleet/rolling-update.yml", async () => {
  const example = await Deno.readTextFile(join(ROOT, "examples/fleet/rolling-update.yml"));
  const body = example.split("\n").filter((l) => !l.startsWith("#")).join("\n").trim();
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  assert.ok(readme.includes("## Many hosts"));
  assert.ok(readme.includes("```yaml\n" + body + "\n```"), "README's Many hosts playbook differs from the example");
});

/** A leger command for Ansible's `executable`: main.ts against the bench's fake host. */
async function legerWrapper(b: Bench): Promise<string> {
  const env = {
    ...b.host.env(),
    DENO_DIR: Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache/deno"),
    NO_COLOR: "1",
  };
  const quote = (s: string) => `'${s.replaceAll("'", `'"'"'`)}'`;
  const path = join(b.host.root, "leger");
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec env -i ${Object.entries(env).map(([k, v]) => quote(`${k}=${v}`)).join(" ")} ` +
      `${quote(Deno.execPath())} run -A --quiet ${quote(join(ROOT, "main.ts"))} --backend files "$@"\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

interface TaskResult {
  changed?: boolean;
  failed?: boolean;
  msg?: string;
  outcome?: string;
  rolled_back?: boolean;
  diff?: { prepared?: string; before?: string; after?: string };
  [key: string]: unknown;
}

/** One task of the playbook: a name, a module of leger.leger, its arguments, task keywords. */
type Step = [name: string, module: string, args: Record<string, unknown>, keywords?: Record<string, unknown>];

/** Runs the steps as one playbook on localhost; returns each step's result by name. */
async function play(b: Bench, steps: Step[]): Promise<Map<string, TaskResult>> {
  const dir = b.host.root;
  const book = [{
    hosts: "localhost",
    gather_facts: false,
    tasks: steps.map(([name, module, args, keywords]) => ({
      name,
      [`leger.leger.${module}`]: { scope: "user", executable: join(dir, "leger"), ...args },
      register: name.replaceAll("-", "_"),
      ...keywords,
    })),
  }];
  await Deno.writeTextFile(join(dir, "play.yml"), JSON.stringify(book));
  const r = await exec(
    "ansible-playbook",
    ["-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=/usr/bin/python3", join(dir, "play.yml")],
    ansibleEnv(),
  );
  const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  const results = new Map<string, TaskResult>();
  for (const t of report.plays[0].tasks) results.set(t.task.name, t.hosts.localhost as TaskResult);
  assert.equal(results.size, steps.length, `not every step ran:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
  return results;
}

const factsOf = (r: TaskResult | undefined) => (r?.ansible_facts as { leger: Record<string, unknown> }).leger;

Deno.test({
  name: "leger_set, leger_backup and leger_info through ansible-playbook: idempotence, check+diff, rollback",
  ...needs(
    'the Ansible test "leger_set, leger_backup and leger_info through ansible-playbook"',
    "ansible-playbook",
    "python3",
  ),
}, async () => {
  const b = await bench({ backend: "files", crashAfterMs: 200 });
  try {
    await legerWrapper(b);
    const { url } = await repoWith(b.host, [
      { folder: "web", files: V1, tag: "v1" },
      { folder: "web", files: V2, tag: "v2" },
      { folder: "web", files: CRASH, tag: "crash" },
    ]);
    const source = `${url}#v1:apps/web`;
    const checkDiff = { check_mode: true, diff: true };
    const r = await play(b, [
      ["missing", "leger_set", { name: "web" }, { ignore_errors: true }],
      ["plan-install", "leger_set", { name: "web", source }, checkDiff],
      ["info-after-plan", "leger_info", {}],
      ["install", "leger_set", { name: "web", source }],
      ["install-again", "leger_set", { name: "web", source }],
      ["check-v2", "leger_set", { name: "web", source, ref: "v2" }, checkDiff],
      ["info-after-check", "leger_info", {}],
      ["update-v2", "leger_set", { name: "web", source, ref: "v2" }],
      ["update-v2-again", "leger_set", { name: "web", source, ref: "v2" }],
      ["latest-v2", "leger_set", { name: "web", source, ref: "v2", state: "latest" }],
      ["info-updates", "leger_info", { check_updates: true }],
      ["crash", "leger_set", { name: "web", source, ref: "crash", health_timeout: "2s" }, { ignore_errors: true }],
      ["info-after-crash", "leger_info", {}],
      ["backup", "leger_backup", { name: "web", reason: "ansible test" }],
      ["backups", "leger_backup", { command: "list", name: "web" }],
      ["restore", "leger_backup", { command: "restore", name: "web", id: "{{ backup.backups[0].id }}" }],
      ["plan-absent", "leger_set", { name: "web", state: "absent" }, { check_mode: true }],
      ["info-after-plan-absent", "leger_info", {}],
      ["absent", "leger_set", { name: "web", state: "absent" }],
      ["absent-again", "leger_set", { name: "web", state: "absent" }],
      ["info-final", "leger_info", {}],
    ]);
    const get = (name: string) => r.get(name)!;

    assert.equal(get("missing").failed, true);
    assert.match(get("missing").msg!, /Cannot install set web: it is not installed and no source is given/);

    assert.equal(get("plan-install").changed, true);
    assert.equal(get("plan-install").outcome, "installed");
    assert.match(
      get("plan-install").diff?.after ?? "",
      /web installed from .* at version 1\.0\.0 [0-9a-f]{12}; units: /,
    );
    assert.deepEqual(factsOf(get("info-after-plan")).sets, [], "check mode installed it");

    assert.equal(get("install").changed, true, JSON.stringify(get("install")));
    assert.equal((get("install").set as { state: string }).state, "active");
    assert.equal(get("install-again").changed, false, JSON.stringify(get("install-again")));

    // --check --diff of a new ref: leger's diff, nothing applied, nothing left staged
    const check = get("check-v2");
    assert.equal(check.changed, true, JSON.stringify(check));
    assert.equal(check.outcome, "updated");
    assert.match(check.diff!.prepared!, /^web: version 1\.0\.0 [0-9a-f]{12} -> version 2\.0\.0 [0-9a-f]{12}$/m);
    assert.match(check.diff!.prepared!, /^-PublishPort=8080:80$/m);
    assert.match(check.diff!.prepared!, /^\+PublishPort=8081:80$/m);
    assert.match(check.diff!.prepared!, /ports added: 8081/);
    assert.match(check.diff!.prepared!, /units to restart: web\.service/);
    assert.deepEqual(factsOf(get("info-after-check")).versions, { web: "1.0.0" });
    assert.deepEqual(factsOf(get("info-after-check")).staged, [], "check mode left a staged version");

    const update = get("update-v2");
    assert.equal(update.changed, true, JSON.stringify(update));
    assert.equal((update.apply as Array<{ outcome: string }>)[0]!.outcome, "applied");
    assert.equal((update.set as { version: string }).version, "2.0.0");
    assert.equal(get("update-v2-again").changed, false);
    // latest at the same ref: stage finds nothing new, nothing changes, nothing stays staged
    assert.equal(get("latest-v2").changed, false, JSON.stringify(get("latest-v2")));
    assert.deepEqual(factsOf(get("info-updates")).updates, []);
    assert.deepEqual(factsOf(get("info-updates")).staged, []);

    // a version that does not come up: leger rolls back, the task fails with its message
    const crash = get("crash");
    assert.equal(crash.failed, true, JSON.stringify(crash));
    assert.equal(crash.rolled_back, true);
    assert.match(crash.msg!, /^leger rolled back web: .*rolled back/);
    assert.equal((crash.leger_error as { exitCode: number }).exitCode, 7);
    assert.deepEqual(factsOf(get("info-after-crash")).versions, { web: "2.0.0" });
    assert.deepEqual(factsOf(get("info-after-crash")).states, { web: "active" });

    // backups
    assert.equal(get("backup").changed, true, JSON.stringify(get("backup")));
    const made = (get("backup").backups as Array<{ id: string; reason: string }>)[0]!;
    assert.equal(get("backups").changed, false);
    assert.ok((get("backups").backups as Array<{ id: string }>).some((x) => x.id === made.id));
    assert.equal(get("restore").changed, true, JSON.stringify(get("restore")));
    assert.equal((get("restore").restore as { id: string }).id, made.id);

    // removal
    assert.equal(get("plan-absent").changed, true);
    assert.deepEqual(factsOf(get("info-after-plan-absent")).states, { web: "active" }, "check mode removed it");
    assert.equal(get("absent").changed, true);
    assert.equal(get("absent-again").changed, false);
    assert.deepEqual(factsOf(get("info-final")).sets, []);
  } finally {
    await b.cleanup();
  }
});

Deno.test({
  name:
    "leger_set's policy options set the host's override through leger policy set: idempotent, check mode writes nothing",
  ...needs(
    "the Ansible test \"leger_set's policy options set the host's override through leger policy set\"",
    "ansible-playbook",
    "python3",
  ),
}, async () => {
  const b = await bench({ backend: "files" });
  try {
    await legerWrapper(b);
    const { url } = await repoWith(b.host, [{ folder: "web", files: V1, tag: "v1" }]);
    const source = `${url}#v1:apps/web`;
    const config = join(b.host.home, ".config/leger/config.yaml");
    await Deno.mkdir(join(b.host.home, ".config/leger"), { recursive: true });
    await Deno.writeTextFile(config, "# the host owner's notes stay\nhealth-timeout: 40s\n");
    const window = "Sun *-*-* 03:00..05:00";
    const r = await play(b, [
      ["plan", "leger_set", { name: "web", source, policy: "apply", policy_window: window }, { check_mode: true }],
      ["install", "leger_set", { name: "web", source, policy: "apply", policy_window: window }],
      ["again", "leger_set", { name: "web", source, policy: "apply", policy_window: window }],
      ["check-notify", "leger_set", { name: "web", policy: "notify" }, { check_mode: true, diff: true }],
      ["follow-tags", "leger_set", { name: "web", policy: "notify", policy_follow: "tag:v1.*", policy_window: "" }],
      ["bad-window", "leger_set", { name: "web", policy_window: "Someday" }, { ignore_errors: true }],
      ["off", "leger_set", { name: "web", policy: false }],
    ]);
    const get = (name: string) => r.get(name)!;
    const policyOf = (t: TaskResult) => t.policy as { policy: string; changed: boolean; override: unknown };

    assert.equal(get("plan").changed, true);
    assert.equal(policyOf(get("plan")).changed, true, JSON.stringify(get("plan")));
    assert.equal(policyOf(get("plan")).policy, "apply");

    assert.equal(get("install").changed, true, JSON.stringify(get("install")));
    assert.deepEqual(policyOf(get("install")).override, { policy: "apply", window });
    assert.equal(get("again").changed, false, JSON.stringify(get("again")));

    const check = get("check-notify");
    assert.equal(check.changed, true);
    const diffs = check.diff as unknown as Array<{ before: string; after: string }>;
    assert.deepEqual(diffs.at(-1), {
      before_header: "web policy override (before)",
      after_header: "web policy override (after)",
      before: `policy: apply\nwindow: ${window}\n`,
      after: `policy: notify\nwindow: ${window}\n`,
    });

    assert.equal(get("follow-tags").changed, true);
    assert.deepEqual(policyOf(get("follow-tags")).override, { policy: "notify", follow: "tag:v1.*" });

    assert.equal(get("bad-window").failed, true);
    assert.match(get("bad-window").msg!, /Cannot use the update window of web/);
    assert.equal((get("bad-window").leger_error as { exitCode: number }).exitCode, 2);

    // YAML's bare off is false; the module reads it back as "off"
    assert.equal(get("off").changed, true, JSON.stringify(get("off")));
    assert.equal(policyOf(get("off")).policy, "off");

    // config.yaml: the owner's lines kept, the override as the last task left it (the check wrote nothing)
    assert.equal(
      await Deno.readTextFile(config),
      "# the host owner's notes stay\nhealth-timeout: 40s\nupdates:\n  sets:\n    web:\n      policy: off\n" +
        "      follow: tag:v1.*\n",
    );
  } finally {
    await b.cleanup();
  }
});

Deno.test("check mode previews without staging: a version the daemon staged for review stays, a hostile ref never runs", async () => {
  const b = await bench({ backend: "files" });
  try {
    const leger = await legerWrapper(b);
    const { url, dir } = await repoWith(b.host, [{ folder: "web", files: V1 }]);
    const run = (args: string[]) => exec(leger, args, {});
    assert.equal((await run(["install", `${url}#main:apps/web`, "--name", "web"])).code, 0);
    for (const [name, text] of Object.entries(V2)) await Deno.writeTextFile(join(dir, "apps/web", name), text);
    const git = (...args: string[]) => exec("git", ["-C", dir, ...args], ansibleEnv());
    await git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qam", "v2");
    // What the daemon does under policy notify: stage the new version for a person to review.
    assert.equal((await run(["stage", "web"])).code, 0);
    const stagedFile = join(b.engine.paths.stagingDir, "web", "staged.json");
    const before = await Deno.readTextFile(stagedFile);
    const r = await play(b, [
      ["check-latest", "leger_set", { name: "web", state: "latest" }, { check_mode: true, diff: true }],
      ["check-evil-ref", "leger_set", { name: "web", ref: "--upload-pack=touch pwned;git-upload-pack" }, {
        check_mode: true,
        ignore_errors: true,
      }],
      ["info", "leger_info", {}],
    ]);
    const check = r.get("check-latest")!;
    assert.equal(check.changed, true, JSON.stringify(check));
    assert.match(check.diff!.prepared!, /ports added: 8081:80/);
    assert.equal(await Deno.readTextFile(stagedFile), before, "the daemon's staged version was touched");
    assert.deepEqual((factsOf(r.get("info")).staged as Array<{ name: string }>).map((s) => s.name), ["web"]);
    const evil = r.get("check-evil-ref")!;
    assert.equal(evil.failed, true, JSON.stringify(evil));
    assert.match(evil.msg!, /starts with '-' \(git would read it as an option\)/);
    const found = await exec("find", [b.host.root, "-name", "pwned"], ansibleEnv());
    assert.equal(found.stdout.trim(), "", "the ref ran as an option of git");
  } finally {
    await b.cleanup();
  }
});
