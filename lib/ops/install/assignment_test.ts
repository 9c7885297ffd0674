import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, CACHE_SET, WEB_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import { makeRepo } from "../../../tests/helpers/git_repo.ts";
import { createLeger } from "../../leger.ts";
import type { LegerError } from "../../core/errors.ts";
import install from "../../../workflows/install.ts";
import type { WorkflowContext } from "../../workflow/run.ts";

const HOSTS = `all: [apps/cache]
hosts:
  web-1: [apps/web]
labels:
  edge: [{ path: apps/web, name: edge-web }]
`;

const under = (folder: string, files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([k, v]) => [`${folder}/${k}`, v]));

async function fleetBench(config: string) {
  const b = await bench({ backend: "files" });
  const dir = join(b.host.root, "fleet-repo");
  const ids = await makeRepo(dir, [{
    message: "fleet",
    files: { "leger-hosts.yaml": HOSTS, ...under("apps/web", WEB_SET), ...under("apps/cache", CACHE_SET) },
    tag: "v1",
  }]);
  await Deno.mkdir(join(b.host.home, ".config/leger"), { recursive: true });
  await Deno.writeTextFile(join(b.host.home, ".config/leger/config.yaml"), config);
  const engine = await b.another();
  return { b, engine, leger: createLeger(engine), url: `file://${dir}`, dir, ids };
}

function run(leger: ReturnType<typeof createLeger>, source: string, flags: Record<string, string | boolean> = {}) {
  const ctx = { leger, args: [source], flags, log: { info() {}, warn() {}, step() {} }, dryRun: false };
  return install(ctx as unknown as WorkflowContext);
}

Deno.test("a repository's leger-hosts.yaml picks this host's sets by host name, and the sources name their folders", async () => {
  const { b, leger, url, ids } = await fleetBench("host-name: web-1\n");
  try {
    const plan = await leger.assignment(url);
    assert.ok(plan);
    assert.deepEqual(plan.host, { name: "web-1", labels: [] });
    assert.equal(plan.commit, ids[0]);
    assert.deepEqual(plan.sets.map((s) => [s.path, s.source]), [
      ["apps/cache", `${url}#:apps/cache`],
      ["apps/web", `${url}#:apps/web`],
    ]);
    // at a ref, the sources keep it
    const atTag = await leger.assignment(url, { ref: "v1" });
    assert.deepEqual(atTag?.sets.map((s) => s.source), [`${url}#v1:apps/cache`, `${url}#v1:apps/web`]);
    // a folder without the file is a single set
    assert.equal(await leger.assignment(`${url}#main:apps/web`), undefined);
  } finally {
    await b.cleanup();
  }
});

Deno.test("install from a fleet repository installs this host's sets once; a second run leaves them alone", async () => {
  const { b, leger, url } = await fleetBench("host-name: db-1\nlabels: [edge]\n");
  try {
    const first = await run(leger, url);
    assert.ok("sets" in first);
    assert.deepEqual(first.sets.map((s) => [s.name, s.outcome, s.because]), [
      ["cache", "installed", ["all"]],
      ["edge-web", "installed", ["label:edge"]],
    ]);
    assert.deepEqual((await leger.list()).map((r) => [r.name, r.state]), [["cache", "active"], ["edge-web", "active"]]);
    assert.equal(b.host.unit("web.service").active, "active");
    const second = await run(leger, url);
    assert.ok("sets" in second);
    assert.deepEqual(second.sets.map((s) => s.outcome), ["present", "present"]);
    await assert.rejects(() => run(leger, url, { name: "x" }), /--name does not apply/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a host the repository gives nothing, and a broken leger-hosts.yaml, fail before anything is installed", async () => {
  const { b, leger, url, dir } = await fleetBench("host-name: mail\n");
  try {
    await Deno.writeTextFile(join(dir, "leger-hosts.yaml"), "hosts:\n  web-1: [apps/web]\n");
    await assert.rejects(() => leger.assignment(dir), (e: LegerError) => {
      assert.equal(e.exitCode, 5);
      assert.match(e.message, /no set is assigned to host mail \(labels: none\)/);
      return true;
    });
    await Deno.writeTextFile(join(dir, "leger-hosts.yaml"), "hosts: {web-1: apps/web}\n");
    await assert.rejects(() => run(leger, dir), (e: LegerError) => {
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /leger-hosts\.yaml of .*:1:\d+: hosts\.web-1: /);
      return true;
    });
    assert.deepEqual(await leger.list(), []);
    // the committed file still assigns cache to every host
    const plan = await leger.assignment(url);
    assert.deepEqual(plan?.sets.map((s) => s.path), ["apps/cache"]);
  } finally {
    await b.cleanup();
  }
});
