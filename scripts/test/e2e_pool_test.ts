import assert from "node:assert/strict";
import type { Host } from "../../tests/host/guest.ts";
import type { Suite } from "../../tests/host/rootfs.ts";
import type { E2eJob } from "./e2e_plan.ts";
import { HostPool, runJobs } from "./e2e_pool.ts";

/** A stand-in for a booted host: its suite, whether it runs, and what was done to it. */
interface FakeHost {
  id: string;
  suite: Suite;
  running: boolean;
  resets: number;
  stopped: boolean;
}

function world(opts: { max: number; resetFails?: (h: FakeHost) => boolean }) {
  const hosts: FakeHost[] = [];
  const lines: string[] = [];
  let queued: E2eJob[] = [];
  const asHost = (f: FakeHost) =>
    ({
      id: f.id,
      suite: f.suite,
      alive: () => f.running,
      stop: () => {
        f.stopped = true;
        f.running = false;
        return Promise.resolve();
      },
      consoleTail: () => Promise.resolve("(console)"),
    }) as unknown as Host;
  const pool = new HostPool({
    max: opts.max,
    log: (l) => lines.push(l),
    left: (suite) => queued.filter((j) => j.shared && j.suite === suite).length,
    boot: (suite) => {
      const f: FakeHost = { id: `${suite}-${hosts.length + 1}`, suite, running: true, resets: 0, stopped: false };
      hosts.push(f);
      return new Promise((r) => setTimeout(() => r(asHost(f)), 5));
    },
    reset: (h) => {
      const f = hosts.find((x) => x.id === h.id)!;
      f.resets++;
      return opts.resetFails?.(f) ? Promise.reject(new Error(`${f.id} not clean`)) : Promise.resolve();
    },
  });
  return { pool, hosts, lines, setQueue: (jobs: E2eJob[]) => queued = jobs };
}

const job = (suite: Suite, file: string, shared = true): E2eJob => ({ suite, file, shared });

Deno.test("files of a suite follow each other on its host, put back in between; a suite with no file left loses its host", async () => {
  const w = world({ max: 3 });
  const jobs = [job("sid", "a"), job("sid", "b"), job("trixie", "c"), job("sid", "d")];
  w.setQueue(jobs);
  await w.pool.preboot(["sid", "trixie"]);
  const ran: string[] = [];
  let running = 0, most = 0;
  await runJobs(jobs, 2, w.pool, async (j, host) => {
    running++;
    most = Math.max(most, running);
    assert.equal(host?.suite, j.suite);
    ran.push(`${j.file}@${host!.id}`);
    await new Promise((r) => setTimeout(r, 10));
    running--;
  });
  assert.equal(most, 2, "two at a time");
  assert.deepEqual(ran.map((r) => r.split("@")[0]).sort(), ["a", "b", "c", "d"]);
  // Two sid files may overlap, so a second sid host may boot, but never more than the cap.
  assert.ok(w.hosts.length <= 3, JSON.stringify(w.hosts));
  // Every host was put back after a file whose suite still had files, and each ended stopped.
  assert.ok(w.hosts.filter((h) => h.suite === "sid").some((h) => h.resets >= 1));
  await w.pool.stopAll();
  assert.ok(w.hosts.every((h) => h.stopped));
  // The trixie host went as soon as its one file ended: no reset for nobody.
  assert.equal(w.hosts.find((h) => h.suite === "trixie")!.resets, 0);
});

Deno.test("a host that died, or that its reset could not clean, is stopped and replaced, saying so", async () => {
  const w = world({ max: 2, resetFails: (h) => h.id === "sid-1" });
  const jobs = [job("sid", "a"), job("sid", "b"), job("sid", "c")];
  w.setQueue(jobs);
  const seen: string[] = [];
  await runJobs(jobs, 1, w.pool, (j, host) => {
    seen.push(`${j.file}@${host!.id}`);
    // The host of the second file dies during it.
    if (j.file === "b") w.hosts.find((h) => h.id === host!.id)!.running = false;
    return Promise.resolve();
  });
  assert.deepEqual(seen, ["a@sid-1", "b@sid-2", "c@sid-3"]);
  assert.ok(w.hosts[0]!.stopped && w.hosts[1]!.stopped);
  assert.ok(
    w.lines.some((l) => /sid-1 not clean\nstopping it; the next file gets a new host/.test(l)),
    w.lines.join("\n"),
  );
  assert.ok(w.lines.some((l) => /leger-sid-2 died during the file:\n\(console\)/.test(l)), w.lines.join("\n"));
  await w.pool.stopAll();
});

Deno.test("files with hosts of their own take no shared host; a closed pool starts no more files and resets nothing", async () => {
  const w = world({ max: 1 });
  const jobs = [job("sid", "own", false), job("sid", "a"), job("sid", "b")];
  w.setQueue(jobs);
  const ran: string[] = [];
  await runJobs(jobs, 2, w.pool, (j, host) => {
    ran.push(`${j.file}:${host ? host.id : "own"}`);
    if (j.file === "a") w.pool.close();
    return Promise.resolve();
  });
  assert.deepEqual(ran.sort(), ["a:sid-1", "own:own"]);
  assert.equal(w.hosts[0]!.resets, 0);
  await w.pool.stopAll();
});

Deno.test("a pool closed while it boots ahead boots no further host, and nothing waits on the boots it gave up", async () => {
  const w = world({ max: 4 });
  w.setQueue([job("sid", "a"), job("sid-podman6", "b"), job("trixie", "c")]);
  const booting = w.pool.preboot(["sid", "sid-podman6", "trixie"]);
  // Interrupted while the first host boots.
  w.pool.close();
  await booting;
  assert.deepEqual(w.hosts.map((h) => h.id), ["sid-1"]);
  assert.equal(w.pool.ready("trixie"), true, "no boot ahead is still counted as coming");
  await w.pool.stopAll();
  assert.ok(w.hosts.every((h) => h.stopped));
});
