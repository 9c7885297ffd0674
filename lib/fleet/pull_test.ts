import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, CACHE_SET, NGINX, WEB_SET } from "../../tests/fakes/fake_host_fixtures.ts";
import { git, makeRepo } from "../../tests/helpers/git_repo.ts";
import type { UpdateEvent } from "../gitops/updater.ts";
import { runUpdatesCycle } from "../daemon/updates_cycle.ts";
import { createLeger } from "../leger.ts";
import { listManifests } from "../state/manifest.ts";
import { syncFleet } from "./pull.ts";
import { readFleetRecord } from "../state/fleet_record.ts";

const under = (folder: string, files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([k, v]) => [`${folder}/${k}`, v]));
const CRASH = { "crash.container": `[Container]\nImage=${NGINX}\nExec=/bin/false\n` };

/** A fake host named web-1 whose config follows a fleet repository, and a clock for the ticks. */
async function fleetHost(hostsFile: string, fleetConfig = "") {
  const b = await bench({ backend: "files", crashAfterMs: 100 });
  const dir = join(b.host.root, "fleet-repo");
  await makeRepo(dir, [{
    message: "fleet",
    files: {
      "leger-hosts.yaml": hostsFile,
      ...under("apps/web", WEB_SET),
      ...under("apps/cache", CACHE_SET),
      ...under("apps/crash", CRASH),
    },
  }]);
  const url = `file://${dir}`;
  await Deno.mkdir(join(b.host.home, ".config/leger"), { recursive: true });
  await Deno.writeTextFile(
    join(b.host.home, ".config/leger/config.yaml"),
    `host-name: web-1\nhealth-settle: 300ms\nfleet:\n  source: ${url}\n  ref: main\n  interval: 5m\n${fleetConfig}`,
  );
  const engine = await b.another();
  const events: UpdateEvent[] = [];
  let clock = Date.parse("2026-11-30T10:00:00Z");
  const tick = async (minutes = 6, force = false) => {
    clock += minutes * 60_000;
    engine.fetcher.forget(); // a new tick asks the remote again, as the updater's cycle does
    return await syncFleet(engine, createLeger(engine), {
      now: () => new Date(clock),
      random: () => 0.5,
      force,
      onEvent: (e) => void events.push(e),
    });
  };
  const push = async (files: Record<string, string | null>) => {
    for (const [path, text] of Object.entries(files)) {
      if (text === null) await Deno.remove(join(dir, path), { recursive: true });
      else await Deno.writeTextFile(join(dir, path), text);
    }
    await git(dir, "add", "-A");
    await git(dir, "commit", "-qm", "push");
  };
  const installed = async () => (await listManifests(engine.paths)).map((m) => `${m.name} ${m.source.input}`);
  return { b, engine, events, tick, push, installed, url };
}

Deno.test("the daemon's fleet sync installs this host's sets, reads the file again only when the repository moved", async () => {
  const f = await fleetHost("all: [apps/cache]\nhosts:\n  web-1: [apps/web]\n  db-*: [apps/crash]\n");
  try {
    const first = await f.tick();
    assert.equal(first.result, "done", first.error);
    assert.deepEqual(first.assigned.map((a) => [a.name, a.outcome, a.because.join(",")]), [
      ["cache", "installed", "all"],
      ["web", "installed", "host:web-1"],
    ]);
    assert.deepEqual(await f.installed(), [`cache ${f.url}#main:apps/cache`, `web ${f.url}#main:apps/web`]);
    assert.equal(f.b.host.unit("web.service").active, "active");
    assert.deepEqual(f.events.map((e) => [e.kind, e.what, e.set]), [
      ["installed", "assignment", "cache"],
      ["installed", "assignment", "web"],
    ]);
    assert.match(
      f.events[1]!.message,
      /web: installed from .*#main:apps\/web at [0-9a-f]{12} \(assigned to this host by host:web-1\)/,
    );

    // not due before the interval; when due and the repository did not move: no fetch, nothing done
    assert.equal((await f.tick(1)).result, "not-due");
    const fetches = f.engine.fetcher.stats.fetches;
    const quiet = await f.tick();
    assert.deepEqual(quiet.assigned.map((a) => a.outcome), ["present", "present"]);
    assert.equal(f.engine.fetcher.stats.fetches, fetches, "a repository that did not move is not fetched");
    assert.equal(f.events.length, 2);

    // a label given to the host in its config counts at the next tick (the file is the one parsed before)
    f.engine.config.labels = ["db"];
    f.engine.config["host-name"] = "db-7";
    const relabelled = await f.tick();
    assert.deepEqual(relabelled.assigned.map((a) => [a.path, a.outcome]), [
      ["apps/cache", "present"],
      ["apps/crash", "failed"],
    ]);
    assert.equal(f.engine.fetcher.stats.fetches, fetches + 1, "only the assigned set was fetched");
  } finally {
    await f.b.cleanup();
  }
});

Deno.test("a set that does not come up is reported once and tried again only when the repository moves", async () => {
  const f = await fleetHost("all: [apps/crash]\n");
  try {
    const first = await f.tick();
    assert.deepEqual(first.assigned.map((a) => [a.path, a.outcome]), [["apps/crash", "failed"]]);
    assert.deepEqual(await f.installed(), [], "the unhealthy set was removed again by install");
    assert.deepEqual(f.events.map((e) => [e.kind, e.set]), [["failed", "crash"]]);
    assert.match(f.events[0]!.message, /crash: cannot install the set assigned to this host at [0-9a-f]{12}: /);
    const record = await readFleetRecord(f.engine.paths, `${f.url}#main`);
    assert.equal(record.failed[0]?.path, "apps/crash");

    assert.deepEqual((await f.tick()).assigned.map((a) => a.outcome), ["known-failed"]);
    assert.equal(f.events.length, 1, "a known failure is not tried or announced again");
    // leger update --now (force) tries it again
    assert.deepEqual((await f.tick(0, true)).assigned.map((a) => a.outcome), ["failed"]);
    // a fixed version is pushed: tried again, installed
    await f.push({ "apps/crash/crash.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n` });
    assert.deepEqual((await f.tick()).assigned.map((a) => a.outcome), ["installed"]);
    assert.equal(f.events.at(-1)?.kind, "installed");
  } finally {
    await f.b.cleanup();
  }
});

Deno.test("sets no longer assigned are reported once and left installed; fleet.remove removes them, never all", async () => {
  const f = await fleetHost("all: [apps/cache]\nhosts:\n  web-1: [apps/web]\n");
  try {
    await f.tick();
    await f.push({ "leger-hosts.yaml": "all: [apps/cache]\n" });
    const r = await f.tick();
    assert.deepEqual(r.unassigned, ["web"]);
    assert.deepEqual(r.removed, []);
    assert.equal(f.events.at(-1)?.kind, "unassigned");
    assert.match(
      f.events.at(-1)!.message,
      /web: leger-hosts\.yaml of .* no longer assigns it to this host; left installed/,
    );
    assert.equal(f.b.host.unit("web.service").active, "active");
    const count = f.events.length;
    assert.deepEqual((await f.tick()).unassigned, ["web"]);
    assert.equal(f.events.length, count, "reported once");

    // fleet.remove: true, but a file that gives this host nothing removes nothing
    f.engine.config.fleet!.remove = true;
    await f.push({ "leger-hosts.yaml": "hosts:\n  db-1: [apps/cache]\n" });
    const nothing = await f.tick();
    assert.equal(nothing.result, "done", nothing.error);
    assert.deepEqual(nothing.removed, []);
    assert.equal((await f.installed()).length, 2);
    assert.match(f.events.at(-1)!.message, /cache: .*it assigns nothing to this host, so nothing is removed/);

    await f.push({ "leger-hosts.yaml": "hosts:\n  web-1: [apps/cache]\n" });
    const removed = await f.tick();
    assert.deepEqual(removed.removed, ["web"]);
    assert.deepEqual(await f.installed(), [`cache ${f.url}#main:apps/cache`]);
    assert.equal(f.events.at(-1)?.kind, "removed");
  } finally {
    await f.b.cleanup();
  }
});

Deno.test("a broken or missing leger-hosts.yaml is reported as a failure, and nothing changes", async () => {
  const f = await fleetHost("all: [apps/cache]\n");
  try {
    await f.push({ "leger-hosts.yaml": "all: apps/cache\n" });
    const broken = await f.tick();
    assert.equal(broken.result, "failed");
    assert.match(broken.error!, /leger-hosts\.yaml of .*:1:\d+: all: /);
    assert.deepEqual(await f.installed(), []);
    assert.equal(f.events.at(-1)?.kind, "failed");
    assert.equal(f.events.at(-1)?.set, "fleet");

    await f.push({ "leger-hosts.yaml": null });
    assert.match((await f.tick()).error!, /has no leger-hosts\.yaml/);
  } finally {
    await f.b.cleanup();
  }
});

Deno.test("the daemon's update cycle runs the fleet sync when fleet: is configured (leger update --now asks at once)", async () => {
  const f = await fleetHost("all: [apps/cache]\n");
  try {
    const reply = await runUpdatesCycle(f.engine, createLeger(f.engine), { now: [] }, (e) => void f.events.push(e));
    assert.deepEqual(await f.installed(), [`cache ${f.url}#main:apps/cache`]);
    assert.deepEqual(f.events.filter((e) => e.kind === "installed").map((e) => e.set), ["cache"]);
    assert.equal(reply.fleet?.assigned[0]?.name, "cache");
    assert.equal(reply.followed, true);
    // The fleet repository is looked at again within a minute, as the daemon's tick always did.
    assert.ok(reply.nextDueMs !== undefined && reply.nextDueMs <= 60_000, String(reply.nextDueMs));
    // A tick right after: the fleet is not due, nothing is installed twice.
    await runUpdatesCycle(f.engine, createLeger(f.engine), {}, (e) => void f.events.push(e));
    assert.deepEqual(f.events.filter((e) => e.kind === "installed").map((e) => e.set), ["cache"]);
  } finally {
    await f.b.cleanup();
  }
});
