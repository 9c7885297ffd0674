/**
 * `leger import compose` on a real host (sid: podman 5.8; sid-podman6:
 * podman 6.1): podman's own generator accepts every set of the corpus
 * (tests/fixtures/compose/*\/expected), and the five end-to-end projects
 * are imported in the guest by the real CLI, installed as they are
 * (alice, rootless, native backend), come up healthy and serve; a service
 * that waits for another's health or completion starts after it, by
 * systemd's own timestamps.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sharedHost, unitJournal, type Who } from "./helpers.ts";
import type { Host } from "../host/guest.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const CORPUS = new URL("../fixtures/compose/", import.meta.url).pathname;
const GUEST_CORPUS = "/leger/tests/fixtures/compose";
const ALICE: Who = { user: "alice", scope: "user", backend: "native" };

/** Runs leger as alice in the guest, with extra environment variables. */
function legerAs(host: Host, args: string[], env: Record<string, string> = {}) {
  return host.exec(["leger", "--scope", "user", "--backend", "native", ...args], {
    user: "alice",
    env,
    timeoutMs: 300_000,
  });
}

/** systemd's monotonic timestamp of a unit property, in microseconds. */
async function stamp(host: Host, unit: string, prop: string): Promise<number> {
  const r = await host.exec(["systemctl", "--user", "show", unit, "-p", prop, "--value"], { user: "alice" });
  assert.equal(r.code, 0, r.stderr);
  const n = Number(r.stdout.trim());
  assert.ok(n > 0, `${unit} has no ${prop} (${r.stdout.trim()})`);
  return n;
}

async function get(host: Host, url: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (true) {
    const r = await host.exec(["busybox", "wget", "-qO-", url], { user: "alice", timeoutMs: 10_000 });
    if (r.code === 0) return r.stdout;
    if (Date.now() > deadline) assert.fail(`GET ${url}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

let projects: Promise<string> | undefined;

/**
 * A folder for alice's copies of the projects, on a file system podman's build can overlay: podman 6.1 mounts an
 * overlay over the build context with its upper layer in /var/tmp, which fails ("mounting an overlay over build
 * context directory ... invalid argument") on the test host's overlay root (and on its read-only bind of the
 * project). A real host has plain file systems there; tmpfs stands in for them here.
 */
function projectsDir(host: Host): Promise<string> {
  projects ??= (async () => {
    const dir = "/srv/compose-projects";
    const r = await host.sh(
      `mkdir -p ${dir} && (mountpoint -q ${dir} || mount -t tmpfs -o mode=0755 tmpfs ${dir}) && chown alice: ${dir}` +
        " && (mountpoint -q /var/tmp || mount -t tmpfs -o mode=1777 tmpfs /var/tmp)",
    );
    assert.equal(r.code, 0, `tmpfs for the projects and /var/tmp: ${r.stderr}`);
    return dir;
  })();
  return projects;
}

/** Imports an e2e project in the guest and installs it; returns the import's report. */
async function importAndInstall(
  host: Host,
  name: string,
  env: Record<string, string>,
  before?: (report: { todo: string[] }) => Promise<void>,
): Promise<{ todo: string[]; services: { unit: string }[] }> {
  const out = `/home/alice/compose-sets/${name}`;
  const project = `${await projectsDir(host)}/${name}`;
  const cp = await host.sh(`mkdir -p /home/alice/compose-sets && cp -r ${GUEST_CORPUS}/e2e-${name} ${project}`, {
    user: "alice",
  });
  assert.equal(cp.code, 0, cp.stderr);
  const imp = await legerAs(host, ["--json", "import", "compose", project, "--out", out], env);
  assert.equal(imp.code, 0, `import ${name}: ${imp.stdout}\n${imp.stderr}`);
  const report = JSON.parse(imp.stdout);
  assert.equal(report.written, true);
  if (before) await before(report);
  const inst = await legerAs(host, ["install", out, "--health-timeout", "180s"]);
  if (inst.code !== 0) {
    const journals = await Promise.all(
      report.services.map((s: { unit: string }) =>
        unitJournal(host, ALICE, s.unit.replace(/\.container$/, ".service"))
      ),
    );
    assert.fail(`install ${name} exited ${inst.code}\n${inst.stdout}\n${inst.stderr}\n${journals.join("\n")}`);
  }
  return report;
}

Deno.test("podman's generator accepts every set the import writes", opts, async () => {
  const host = await sharedHost();
  const cases: string[] = [];
  for await (const e of Deno.readDir(CORPUS)) {
    if (!e.isDirectory) continue;
    const files = [...Deno.readDirSync(join(CORPUS, e.name, "expected"))].map((f) => f.name);
    if (files.length <= 1) continue; // refused: report.txt only
    cases.push(e.name);
    for (const f of files) {
      if (f === "report.txt") continue;
      const text = Deno.readTextFileSync(join(CORPUS, e.name, "expected", f)).replaceAll(
        "$PROJECT",
        `${GUEST_CORPUS}/${e.name}`,
      );
      await host.writeFile(`/home/alice/generator/${e.name}/${f}`, text, { user: "alice" });
    }
  }
  assert.ok(cases.length >= 20, `only ${cases.length} written sets in the corpus`);
  // One shell for all: the generator's messages except its "Loading" lines, then its exit code.
  const r = await host.sh(
    `cd /home/alice/generator && for d in *; do echo "=== $d"; QUADLET_UNIT_DIRS=$PWD/$d /usr/libexec/podman/quadlet -dryrun -user >/tmp/gen-$d.out 2>/tmp/gen-$d.err; rc=$?; grep -v 'Loading source unit file' /tmp/gen-$d.err; echo "exit $rc"; done`,
    { user: "alice" },
  );
  assert.equal(r.code, 0, r.stderr);
  const blocks = r.stdout.split("=== ").filter(Boolean);
  const failed = blocks.filter((block) => !/^[^\n]+\nexit 0\n?$/.test(block));
  assert.deepEqual(failed, [], `the generator refused or warned:\n${failed.join("\n")}`);
  assert.equal(blocks.length, cases.length);
  // What podman makes of the trickier values: health-gated start, a multi-line script, literal $ and %.
  const webdb = (await host.sh("cat /tmp/gen-e2e-webdb.out", { user: "alice" })).stdout;
  assert.match(webdb, /--sdnotify=healthy/);
  assert.match(webdb, /wget -qO \/tmp\/www\/db\.txt http:\/\/db:5432\/status \|\| exit 1/);
  const interp = (await host.sh("cat /tmp/gen-interpolation.out", { user: "alice" })).stdout;
  assert.match(interp, /echo \$\$HOSTNAME/, "systemd gets $$, which it turns into the $ the container's shell expands");
  assert.match(
    interp,
    /--env-file [^\n]*interpolation-web\.env/,
    "values travel in the env file, not on the command line",
  );
});

Deno.test(
  "five imported Compose projects install as they are, come up healthy, and start in dependency order",
  opts,
  async () => {
    const host = await sharedHost();
    // web + database: the web reads the database at start and exits otherwise.
    await importAndInstall(host, "webdb", { WEB_PORT: "18480" });
    assert.equal((await get(host, "http://127.0.0.1:18480/db.txt")).trim(), "rows=42");
    const healthy = await stamp(host, "webdb-db.service", "ActiveEnterTimestampMonotonic");
    const webStart = await stamp(host, "webdb-web.service", "InactiveExitTimestampMonotonic");
    assert.ok(webStart >= healthy, `web started at ${webStart}, before db was healthy at ${healthy}`);
    const dbStart = await stamp(host, "webdb-db.service", "InactiveExitTimestampMonotonic");
    assert.ok(healthy - dbStart >= 2_000_000, "db counted as started only once healthy (after its 3 s start)");
    const health = await host.exec(["podman", "healthcheck", "run", "systemd-webdb-db"], { user: "alice" });
    assert.equal(health.code, 0, `db's healthcheck: ${health.stdout}${health.stderr}`);

    // a one-shot seeding job completes before the worker starts.
    await importAndInstall(host, "queue", { QUEUE_PORT: "18484" });
    assert.ok((await get(host, "http://127.0.0.1:18484/seeded")).trim().length > 0);
    const seeded = await stamp(host, "queue-seed.service", "ActiveEnterTimestampMonotonic");
    const workerStart = await stamp(host, "queue-worker.service", "InactiveExitTimestampMonotonic");
    assert.ok(workerStart >= seeded, "the worker started after the seed job completed");

    // a config kept as a file of the set, bind-mounted from beside the unit.
    await importAndInstall(host, "static", { SITE_PORT: "18481" });
    assert.equal((await get(host, "http://127.0.0.1:18481/")).trim(), "hello from a compose config");
    const title = await host.exec(["podman", "exec", "systemd-static-site", "cat", "/tmp/title"], { user: "alice" });
    assert.equal(title.stdout.trim(), "My 100% static site", "the env file reached the container as written");

    // a file secret: the steps the report lists, then install.
    await importAndInstall(host, "wiki", { WIKI_PORT: "18482" }, async (report) => {
      assert.equal(report.todo.length, 1);
      const r = await host.sh(report.todo[0]!, { user: "alice" });
      assert.equal(r.code, 0, `${report.todo[0]}: ${r.stderr}`);
    });
    assert.equal((await get(host, "http://127.0.0.1:18482/token")).trim(), "token-for-tests-only");

    // an image built by the .build unit from the project's Containerfile.
    const cache = await importAndInstall(host, "cache", { CACHE_PORT: "18483" });
    assert.deepEqual(cache.services.map((s) => s.unit), ["cache.container"], "the debug profile is left out");
    assert.equal((await get(host, "http://127.0.0.1:18483/")).trim(), "built-by-podman");

    const list = JSON.parse((await legerAs(host, ["--json", "list"])).stdout) as {
      sets: { name: string; state: string }[];
    };
    for (const name of ["webdb", "queue", "static", "wiki", "cache"]) {
      const row = list.sets.find((s) => s.name === name);
      assert.ok(row, `${name} is installed`);
    }
    for (const name of ["webdb", "queue", "static", "wiki", "cache"]) {
      const r = await legerAs(host, ["--yes", "remove", name, "--purge-volumes"]);
      assert.equal(r.code, 0, `remove ${name}: ${r.stderr}`);
    }
  },
);
