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

Deno.test("ansible-doc shows every module of leger.leger with its options and examples", async () => {
  const list = await exec("ansible-doc", ["-t", "module", "-l", "leger.leger"], ansibleEnv());
  assert.equal(list.code, 0, list.stderr);
  for (const m of MODULES) assert.match(list.stdout, new RegExp(`^leger\\.leger\\.${m}\\s+\\S`, "m"));
  const options: Record<string, string[]> = {
    leger_set: ["name", "source", "ref", "state", "scope", "health_timeout", "force", "backup", "purge_volumes"],
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

/** Runs one task of `module` on localhost; returns its result. */
async function task(
  b: Bench,
  module: string,
  args: Record<string, unknown>,
  flags: string[] = [],
): Promise<TaskResult> {
  const dir = b.host.root;
  const book = [{
    hosts: "localhost",
    gather_facts: false,
    tasks: [{ name: "t", [`leger.leger.${module}`]: { scope: "user", executable: join(dir, "leger"), ...args } }],
  }];
  await Deno.writeTextFile(join(dir, "play.yml"), JSON.stringify(book));
  const r = await exec(
    "ansible-playbook",
    [
      "-i",
      "localhost,",
      "-c",
      "local",
      "-e",
      "ansible_python_interpreter=/usr/bin/python3",
      join(dir, "play.yml"),
      ...flags,
    ],
    ansibleEnv(),
  );
  const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  return report.plays[0].tasks[0].hosts.localhost as TaskResult;
}

Deno.test("leger_set through ansible-playbook: install, idempotence, check+diff, update, rollback, removal", async () => {
  const b = await bench({ backend: "files", crashAfterMs: 200 });
  try {
    await legerWrapper(b);
    const { url } = await repoWith(b.host, [
      { folder: "web", files: V1, tag: "v1" },
      { folder: "web", files: V2, tag: "v2" },
      { folder: "web", files: CRASH, tag: "crash" },
    ]);
    const source = `${url}#v1:apps/web`;
    const missing = await task(b, "leger_set", { name: "web" });
    assert.equal(missing.failed, true);
    assert.match(missing.msg!, /Cannot install set web: it is not installed and no source is given/);

    const planned = await task(b, "leger_set", { name: "web", source }, ["--check", "--diff"]);
    assert.equal(planned.changed, true);
    assert.equal(planned.outcome, "installed");
    assert.match(planned.diff?.after ?? "", /web installed from .* at version 1\.0\.0 [0-9a-f]{12}; units: /);
    assert.equal(b.host.unit("web.service").active, "inactive", "check mode installed it");

    const first = await task(b, "leger_set", { name: "web", source });
    assert.equal(first.changed, true, JSON.stringify(first));
    assert.equal(b.host.unit("web.service").active, "active");
    const second = await task(b, "leger_set", { name: "web", source });
    assert.equal(second.changed, false, JSON.stringify(second));

    // --check --diff of a new ref: leger's diff, nothing applied, nothing left staged
    const check = await task(b, "leger_set", { name: "web", source, ref: "v2" }, ["--check", "--diff"]);
    assert.equal(check.changed, true, JSON.stringify(check));
    assert.equal(check.outcome, "updated");
    assert.match(check.diff!.prepared!, /^web: version 1\.0\.0 [0-9a-f]{12} -> version 2\.0\.0 [0-9a-f]{12}$/m);
    assert.match(check.diff!.prepared!, /^-PublishPort=8080:80$/m);
    assert.match(check.diff!.prepared!, /^\+PublishPort=8081:80$/m);
    assert.match(check.diff!.prepared!, /ports added: 8081/);
    assert.match(check.diff!.prepared!, /units to restart: web\.service/);
    const info = await task(b, "leger_info", {});
    const facts = (info.ansible_facts as { leger: Record<string, unknown> }).leger;
    assert.deepEqual(facts.versions, { web: "1.0.0" });
    assert.deepEqual(facts.staged, [], "check mode left a staged version");

    const update = await task(b, "leger_set", { name: "web", source, ref: "v2" });
    assert.equal(update.changed, true, JSON.stringify(update));
    assert.equal((update.apply as Array<{ outcome: string }>)[0]!.outcome, "applied");
    assert.equal((update.set as { version: string }).version, "2.0.0");
    assert.equal((await task(b, "leger_set", { name: "web", source, ref: "v2" })).changed, false);
    // latest at the same ref: stage finds nothing new, nothing changes, nothing stays staged
    const latest = await task(b, "leger_set", { name: "web", source, ref: "v2", state: "latest" });
    assert.equal(latest.changed, false, JSON.stringify(latest));
    const updates = await task(b, "leger_info", { check_updates: true });
    assert.deepEqual((updates.ansible_facts as { leger: { updates: unknown } }).leger.updates, []);
    assert.deepEqual((updates.ansible_facts as { leger: { staged: unknown } }).leger.staged, []);

    // a version that does not come up: leger rolls back, the task fails with its message
    const crash = await task(b, "leger_set", { name: "web", source, ref: "crash", health_timeout: "2s" });
    assert.equal(crash.failed, true, JSON.stringify(crash));
    assert.equal(crash.rolled_back, true);
    assert.match(crash.msg!, /^leger rolled back web: .*rolled back/);
    assert.equal((crash.leger_error as { exitCode: number }).exitCode, 7);
    const after = await task(b, "leger_info", {});
    assert.deepEqual((after.ansible_facts as { leger: { versions: unknown } }).leger.versions, { web: "2.0.0" });

    // backups
    const made = await task(b, "leger_backup", { name: "web", reason: "ansible test" });
    assert.equal(made.changed, true, JSON.stringify(made));
    const listed = await task(b, "leger_backup", { command: "list", name: "web" });
    assert.equal(listed.changed, false);
    const ids = (listed.backups as Array<{ id: string; name: string }>).map((x) => x.id);
    assert.ok(ids.includes((made.backups as Array<{ id: string }>)[0]!.id));
    const restored = await task(b, "leger_backup", { command: "restore", name: "web", id: ids[0] });
    assert.equal(restored.changed, true, JSON.stringify(restored));
    assert.equal((restored.restore as { id: string }).id, ids[0]);

    // removal
    const dry = await task(b, "leger_set", { name: "web", state: "absent" }, ["--check"]);
    assert.equal(dry.changed, true);
    assert.equal(b.host.unit("web.service").active, "active", "check mode removed it");
    const gone = await task(b, "leger_set", { name: "web", state: "absent" });
    assert.equal(gone.changed, true);
    assert.equal((await task(b, "leger_set", { name: "web", state: "absent" })).changed, false);
    const none = await task(b, "leger_info", {});
    assert.deepEqual((none.ansible_facts as { leger: { sets: unknown } }).leger.sets, []);
  } finally {
    await b.cleanup();
  }
});
