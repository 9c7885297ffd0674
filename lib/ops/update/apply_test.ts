import assert from "node:assert/strict";
import { join } from "node:path";
import { type Bench, bench, NGINX, repoWith } from "../../../tests/fakes/fake_host_fixtures.ts";
import { ExitCode, type LegerError } from "../../core/errors.ts";
import { atomicWriteJson } from "../../core/fs.ts";
import { withLock } from "../../core/lock.ts";
import type { JournalEntry } from "../../state/journal.ts";
import { readManifest } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";
import { listBackups } from "../../backup/info.ts";
import { recoverPending } from "../recover/recover.ts";
import { readStaged } from "./stage.ts";
import { apply, backup, discard, install, stage } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };

/** web (with a data volume) and a worker beside it. */
const V1 = {
  "web.container": `[Container]\nImage=${NGINX}\nVolume=web-data.volume:/usr/share/nginx/html\nPublishPort=8080:80\n`,
  "web-data.volume": "[Volume]\n",
  "worker.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n`,
  ".leger.yaml": "version: 1.0.0\n",
};
/** v2 changes the volume (so web restarts with it) and publishes another port; the worker is untouched. */
const V2 = {
  ...V1,
  "web.container": V1["web.container"].replace("8080:80", "8081:80"),
  "web-data.volume": "[Volume]\nLabel=app=web\n",
  ".leger.yaml": "version: 2.0.0\n",
};
/** v3's web exits a moment after it starts. */
const V3 = {
  ...V2,
  "web.container": V2["web.container"].replace("PublishPort=8081:80", "PublishPort=8082:80\nExec=/bin/false"),
  ".leger.yaml": "version: 3.0.0\n",
};

const restarts = (b: Bench) => b.host.callLines("systemctl").filter((l) => l.startsWith("--user restart "));

/** Installs `first` from a repository of tagged versions; returns the tags' commits. */
async function installed(b: Bench, versions: Record<string, Record<string, string | null>>, first: string) {
  const tags = Object.keys(versions);
  const { url, ids } = await repoWith(b.host, tags.map((tag) => ({ folder: "web", files: versions[tag]!, tag })));
  await install(b.engine, `${url}#${first}:apps/web`, FAST);
  return Object.fromEntries(tags.map((t, i) => [t, ids[i]!]));
}

Deno.test("apply v1 -> v2 restarts only the changed units and their dependants, records v2 and clears the staged copy", async () => {
  const b = await bench({ backend: "files" });
  try {
    const ids = await installed(b, { v1: V1, v2: V2 }, "v1");
    b.host.addVolume("systemd-web-data", { "index.html": "hello" });
    await stage(b.engine, "web", { ref: "v2" });
    const before = b.host.calls.length;
    const workerPid = b.host.containers()["systemd-worker"]!.id;

    const [r] = await apply(b.engine, "web", FAST);
    assert.equal(r!.outcome, "applied");
    assert.deepEqual(r!.impact, { stop: [], start: [], restart: ["web-data-volume.service", "web.service"] });
    const calls = b.host.calls.slice(before).filter((c) => c.tool === "systemctl").map((c) => c.args.join(" "));
    assert.deepEqual(calls.filter((l) => l.startsWith("--user restart ")), [
      "--user restart -- web-data-volume.service",
      "--user restart -- web.service",
    ]);
    assert.equal(b.host.containers()["systemd-worker"]!.id, workerPid, "the worker kept running, untouched");
    assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8081:80"], "web runs the new config");
    assert.equal(b.host.unit("web.service").active, "active");

    const m = (await readManifest(b.engine.paths, "web"))!;
    assert.equal(m.source.commit, ids.v2);
    assert.equal(m.source.ref, "v2");
    assert.equal(m.version, "2.0.0");
    assert.match(await Deno.readTextFile(join(b.host.quadletDir, "web/web-data.volume")), /Label=app=web/);
    assert.match((await loadSetFiles(b.engine.paths, "web")).find((f) => f.name === "web.container")!.text, /8081/);
    assert.equal(await readStaged(b.engine, "web"), undefined, "the staged copy is cleared");

    const backups = await listBackups(b.engine, "web");
    assert.equal(backups.length, 1);
    assert.equal(backups[0]!.reason, "before-apply");
    assert.equal(backups[0]!.id, r!.backupId);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir)), [], "journal entry ended");
  } finally {
    await b.cleanup();
  }
});

for (const noBackup of [false, true]) {
  Deno.test(`a v3 whose container crashes is rolled back${noBackup ? " (--no-backup: files only)" : " with its volume data"}: exit 7, v2 runs, staged v3 kept`, async () => {
    const b = await bench({ backend: "files", crashAfterMs: 200 });
    try {
      const ids = await installed(b, { v2: V2, v3: V3 }, "v2");
      b.host.addJournal("web.service", "nginx: ready");
      await stage(b.engine, "web", { ref: "v3" });
      const v2Text = await Deno.readTextFile(join(b.host.quadletDir, "web/web.container"));

      await assert.rejects(apply(b.engine, "web", { ...FAST, noBackup }), (e: LegerError) => {
        assert.equal(e.exitCode, ExitCode.rolledBack);
        assert.match(
          e.message,
          /^Cannot apply web: web\.service did not come up; rolled back to the previous version\n/,
        );
        assert.match(e.message, /web\.service is failed\/failed \(exit-code\)/);
        assert.match(e.message, /journal:\n.*web\.service: Main process exited, code=exited, status=1/s);
        assert.match(e.hint ?? "", /The staged version is kept/);
        return true;
      });
      assert.equal(await Deno.readTextFile(join(b.host.quadletDir, "web/web.container")), v2Text, "v2's file is back");
      assert.equal(b.host.unit("web.service").active, "active");
      assert.equal(b.host.unit("web.service").sub, "running");
      assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8081:80"]);
      const m = (await readManifest(b.engine.paths, "web"))!;
      assert.equal(m.source.commit, ids.v2);
      assert.equal((await readStaged(b.engine, "web"))?.record.source.commit, ids.v3, "v3 stays staged");
      assert.equal((await listBackups(b.engine, "web")).length, noBackup ? 0 : 1);
      assert.deepEqual(await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir)), []);

      // The rollback left the set as it was staged against: the same staged copy is refused only for its failure.
      await assert.rejects(
        apply(b.engine, "web", { ...FAST, noBackup: true }),
        (e: LegerError) => e.exitCode === ExitCode.rolledBack,
      );
    } finally {
      await b.cleanup();
    }
  });
}

Deno.test("apply refuses a staged set whose installed version changed since it was staged", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url, ids } = await repoWith(b.host, [{ folder: "web", files: V1, tag: "v1" }, {
      folder: "web",
      files: V2,
      tag: "v2",
    }]);
    await install(b.engine, `${url}#v1:apps/web`, FAST);
    await stage(b.engine, "web", { ref: "v2" });
    // Someone else replaced the installed version in between.
    await install(await b.another(), `${url}#v1:apps/web`, { ...FAST, replace: true });
    const calls = b.host.calls.length;
    await assert.rejects(apply(b.engine, "web", FAST), (e: LegerError) => {
      assert.match(e.message, /^Cannot apply web: the installed version changed since it was staged/);
      assert.equal(e.hint, "Stage it again: leger stage web");
      return true;
    });
    assert.equal(b.host.calls.slice(calls).filter((c) => c.tool === "systemctl" && c.args[1] !== "show").length, 0);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids[0]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("apply refuses to overwrite installed files edited by hand unless --overwrite-edits (accepting warnings is not enough)", async () => {
  const b = await bench({ backend: "files" });
  try {
    const ids = await installed(b, { v1: V1, v2: V2 }, "v1");
    await stage(b.engine, "web", { ref: "v2" });
    const path = join(b.host.quadletDir, "web/worker.container");
    await Deno.writeTextFile(path, V1["worker.container"] + "Environment=DEBUG=1\n");
    await assert.rejects(apply(b.engine, "web", FAST), (e: LegerError) => {
      assert.equal(e.message, "Cannot apply web: installed files were changed by hand: worker.container (changed)");
      assert.match(e.hint ?? "", /--overwrite-edits/);
      return true;
    });
    await assert.rejects(apply(b.engine, "web", { ...FAST, acceptWarnings: true }), /changed by hand/);
    assert.match(await Deno.readTextFile(path), /DEBUG=1/, "the edit is still there");
    const [r] = await apply(b.engine, "web", { ...FAST, overwriteEdits: true });
    assert.equal(r!.outcome, "applied");
    assert.equal(await Deno.readTextFile(path), V2["worker.container"]);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids.v2);
  } finally {
    await b.cleanup();
  }
});

Deno.test("apply --dry-run shows the plan and changes nothing", async () => {
  const b = await bench({ backend: "files" });
  try {
    const ids = await installed(b, { v1: V1, v2: V2 }, "v1");
    await stage(b.engine, "web", { ref: "v2" });
    const files = b.host.quadletFiles();
    const calls = b.host.calls.length;
    const [r] = await apply(b.engine, "web", { ...FAST, dryRun: true });
    assert.equal(r!.outcome, "planned");
    assert.deepEqual(r!.impact.restart, ["web-data-volume.service", "web.service"]);
    assert.deepEqual(b.host.quadletFiles(), files);
    assert.equal(await Deno.readTextFile(join(b.host.quadletDir, "web/web.container")), V1["web.container"]);
    assert.ok(
      !b.host.calls.slice(calls).some((c) => c.tool === "systemctl" && ["restart", "stop"].includes(c.args[1]!)),
    );
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids.v1);
    assert.ok(await readStaged(b.engine, "web"), "still staged");
    assert.deepEqual(await listBackups(b.engine, "web"), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("apply all applies every staged set; a declined confirmation skips one", async () => {
  const b = await bench({ backend: "native" });
  try {
    const cache1 = { "cache.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n` };
    const cache2 = { "cache.container": `[Container]\nImage=${NGINX}\nExec=sleep 1d\n` };
    const { url, ids } = await repoWith(b.host, [
      { folder: "web", files: V1, tag: "w1" },
      { folder: "cache", files: cache1, tag: "c1" },
      { folder: "web", files: V2 },
      { folder: "cache", files: cache2 },
    ]);
    await install(b.engine, `${url}#w1:apps/web`, FAST);
    await install(b.engine, `${url}#c1:apps/cache`, FAST);
    await stage(b.engine, "web", { ref: "main" });
    await stage(b.engine, "cache", { ref: "main" });
    const asked: string[] = [];
    const rs = await apply(b.engine, "all", {
      ...FAST,
      noBackup: true,
      confirm: (name) => (asked.push(name), Promise.resolve(name === "web")),
    });
    assert.deepEqual(asked.sort(), ["cache", "web"]);
    assert.deepEqual(rs.map((r) => [r.name, r.outcome]).sort(), [["cache", "skipped"], ["web", "applied"]]);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids[3]);
    assert.ok(await readStaged(b.engine, "cache"), "the skipped one stays staged");

    const [again] = await apply(b.engine, "all", { ...FAST, noBackup: true });
    assert.equal(again!.name, "cache");
    assert.equal(again!.outcome, "applied");
    assert.equal(b.host.unit("cache.service").active, "active");
    assert.deepEqual(restarts(b).filter((l) => l.includes("cache")), ["--user restart -- cache.service"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("apply waits for a container's healthcheck: healthy applies, unhealthy rolls back", async () => {
  const b = await bench({ backend: "files" });
  try {
    const healthy = { ...V2, "worker.container": V2["worker.container"] + "HealthCmd=curl -f http://localhost/\n" };
    const unhealthy = { ...V2, "worker.container": V2["worker.container"] + "HealthCmd=/bin/false\n" };
    const ids = await installed(b, { v2: V2, healthy, unhealthy }, "v2");
    await stage(b.engine, "web", { ref: "healthy" });
    const [r] = await apply(b.engine, "web", { ...FAST, noBackup: true });
    assert.equal(r!.outcome, "applied");
    assert.ok(
      b.host.callLines("podman").includes("inspect --format {{.State.Health.Status}} -- systemd-worker"),
      "the healthcheck was asked",
    );

    await stage(b.engine, "web", { ref: "unhealthy" });
    await assert.rejects(apply(b.engine, "web", { ...FAST, noBackup: true }), (e: LegerError) => {
      assert.equal(e.exitCode, ExitCode.rolledBack);
      assert.match(
        e.message,
        /worker\.service is active\/running but its healthcheck is unhealthy \(container systemd-worker\)/,
      );
      return true;
    });
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids.healthy);
    assert.equal(b.host.unit("worker.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("an apply that breaks while writing the files puts v1 back and reports the cause", async () => {
  const b = await bench({ backend: "files" });
  try {
    const v2 = { ...V1, "extra.container": `[Container]\nImage=${NGINX}\n`, "web.container": V2["web.container"] };
    const ids = await installed(b, { v1: V1, v2 }, "v1");
    await stage(b.engine, "web", { ref: "v2" });
    // Something in the way: a folder where the new file goes.
    await Deno.mkdir(join(b.host.quadletDir, "web/extra.container"), { recursive: true });
    await Deno.writeTextFile(join(b.host.quadletDir, "web/extra.container/in-the-way"), "x");
    await assert.rejects(apply(b.engine, "web", { ...FAST, noBackup: true }), (e: LegerError) => {
      assert.notEqual(e.exitCode, ExitCode.rolledBack);
      return true;
    });
    assert.ok(
      b.log.events.some((e) =>
        e.level === "warn" && /^apply of web failed \(.*\); putting the previous version back$/.test(e.message)
      ),
    );
    assert.equal(await Deno.readTextFile(join(b.host.quadletDir, "web/web.container")), V1["web.container"]);
    assert.ok(!b.host.quadletFiles().some((f) => f.startsWith("web/extra.container")), `${b.host.quadletFiles()}`);
    assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8080:80"]);
    assert.equal(b.host.unit("web.service").active, "active");
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids.v1);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir)), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("apply of a set with nothing staged says to stage it", async () => {
  const b = await bench({ backend: "files" });
  try {
    await installed(b, { v1: V1 }, "v1");
    await assert.rejects(apply(b.engine, "web", FAST), (e: LegerError) => {
      assert.equal(e.exitCode, ExitCode.notFound);
      assert.equal(e.hint, "Run leger stage web first.");
      return true;
    });
  } finally {
    await b.cleanup();
  }
});

// ---------------------------------------------------------------- recovery after a kill -9

/** v2 for the recovery tests: web changes port, a new `extra` container comes. */
const R2 = {
  ...V1,
  "web.container": V1["web.container"].replace("8080:80", "8081:80"),
  "extra.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n`,
  ".leger.yaml": "version: 2.0.0\n",
};

/** Writes the journal entry a killed `leger apply web` left (as another process: a dead pid). */
async function leaveApplyEntry(
  b: Bench,
  step: string,
  data: Record<string, unknown>,
  startedAt: string,
): Promise<void> {
  const entry: JournalEntry = {
    id: `${Date.now()}-apply-web`,
    op: "apply",
    name: "web",
    step,
    pid: 2_000_000_000,
    startedAt,
    data,
  };
  await atomicWriteJson(join(b.engine.paths.journalDir, `${entry.id}.json`), entry);
}

/** What `leger recover` (and every state-changing command, first) does. */
const recover = async (b: Bench) => {
  const engine = await b.another();
  return await withLock(engine.paths.lockFile, () => recoverPending(engine));
};

async function assertV1Back(b: Bench, ids: Record<string, string>) {
  const m = (await readManifest(b.engine.paths, "web"))!;
  assert.equal(m.source.commit, ids.v1, "manifest names v1");
  assert.deepEqual(
    b.host.quadletFiles(),
    ["web/web-data.volume", "web/web.container", "web/worker.container"],
    "v1's files only",
  );
  assert.equal(await Deno.readTextFile(join(b.host.quadletDir, "web/web.container")), V1["web.container"]);
  assert.equal(
    (await loadSetFiles(b.engine.paths, "web")).find((f) => f.name === "web.container")!.text,
    V1["web.container"],
  );
  assert.equal(b.host.unit("web.service").active, "active");
  assert.equal(b.host.unit("worker.service").active, "active");
  assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8080:80"], "web runs v1's config");
  assert.equal(b.host.unit("extra.service").load, "not-found", "v2's new unit is gone");
  assert.ok(await readStaged(b.engine, "web"), "v2 is still staged: it was not applied");
  assert.deepEqual(await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir)), [], "the entry is ended");
}

/** Installs v1 and stages R2; returns the commits and the staged files. */
async function killedSetup(b: Bench) {
  const ids = await installed(b, { v1: V1, v2: R2 }, "v1");
  await stage(b.engine, "web", { ref: "v2" });
  const st = (await readStaged(b.engine, "web"))!;
  const manifest = (await readManifest(b.engine.paths, "web"))!;
  await new Promise((r) => setTimeout(r, 5));
  return { ids, st, manifest, startedAt: new Date().toISOString() };
}

Deno.test("kill -9 at step 'begin' (during the backup, units stopped): the next operation rolls back and says so", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { ids, startedAt } = await killedSetup(b);
    await b.engine.systemd.stop(["web.service", "worker.service"]); // the backup stopped them for a consistent copy
    await leaveApplyEntry(b, "begin", { timeoutMs: 5_000, noBackup: false }, startedAt);
    const done = await recover(b);
    assert.deepEqual(done, [`the interrupted apply of web was rolled back to ${ids.v1!.slice(0, 12)}`]);
    await assertV1Back(b, ids);
  } finally {
    await b.cleanup();
  }
});

Deno.test("kill -9 at step 'backed-up' (files half written): the next operation removes them and v1 comes back", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { ids, st, startedAt } = await killedSetup(b);
    const info = await backup(b.engine, "web", { reason: "before-apply" });
    // apply had written two of the staged files when it was killed
    for (const name of ["extra.container", "web.container"]) {
      await Deno.writeTextFile(join(b.host.quadletDir, "web", name), st.files.find((f) => f.name === name)!.text);
    }
    await leaveApplyEntry(b, "backed-up", { timeoutMs: 5_000, noBackup: false, backupId: info.id }, startedAt);
    const stage2 = await b.another();
    // any state-changing command recovers first: here a discard of something else
    await assert.rejects(discard(stage2, "other"), /nothing is staged for it/);
    await assertV1Back(b, ids);
  } finally {
    await b.cleanup();
  }
});

for (const backend of ["files", "native"] as const) {
  Deno.test(`kill -9 at step 'files' (${backend}: v2 installed and running): the next operation rolls back to v1`, async () => {
    const b = await bench({ backend });
    try {
      const { ids, st, manifest, startedAt } = await killedSetup(b);
      const records = await (await b.engine.backend()).install("web", st.files, manifest.files);
      await b.engine.systemd.daemonReload();
      await b.engine.systemd.restart(["web.service"]);
      await b.engine.systemd.start(["extra.service"]);
      assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8081:80"]);
      await leaveApplyEntry(b, "files", { timeoutMs: 5_000, noBackup: true, records }, startedAt);
      const done = await recover(b);
      assert.deepEqual(done, [`the interrupted apply of web was rolled back to ${ids.v1!.slice(0, 12)}`]);
      if (backend === "files") await assertV1Back(b, ids);
      else {
        assert.deepEqual(b.host.quadletFiles(), [".web.app", "web-data.volume", "web.container", "worker.container"]);
        assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8080:80"]);
        assert.equal(b.host.unit("extra.service").load, "not-found");
        assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids.v1);
      }
    } finally {
      await b.cleanup();
    }
  });
}

Deno.test("kill -9 after the manifest was written (step 'files'): the next operation completes the apply", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { ids, startedAt } = await killedSetup(b);
    // Run the real apply, then put back what the kill would have left: the entry, the old stored copy, the staged copy.
    const v1Files = await loadSetFiles(b.engine.paths, "web");
    const st = (await readStaged(b.engine, "web"))!;
    await apply(b.engine, "web", { ...FAST, noBackup: true });
    const { saveSetFiles, writeFilesTo } = await import("../../state/store.ts");
    await saveSetFiles(b.engine.paths, "web", v1Files);
    await writeFilesTo(join(b.engine.paths.stagingDir, "web", "files"), st.files);
    await atomicWriteJson(join(b.engine.paths.stagingDir, "web", "staged.json"), st.record);
    await leaveApplyEntry(b, "files", { timeoutMs: 5_000, noBackup: true, records: [] }, startedAt);

    const done = await recover(b);
    assert.deepEqual(done, [`the apply of web had completed; ${ids.v2!.slice(0, 12)} is installed`]);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids.v2);
    assert.match(
      (await loadSetFiles(b.engine.paths, "web")).find((f) => f.name === "web.container")!.text,
      /8081/,
      "leger's copy caught up",
    );
    assert.equal(await readStaged(b.engine, "web"), undefined, "the staged copy is cleared");
    assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8081:80"], "v2 keeps running");
    assert.equal(b.host.unit("extra.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("kill -9 at step 'committed': the next operation only clears the staged copy", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { ids, startedAt } = await killedSetup(b);
    const st = (await readStaged(b.engine, "web"))!;
    await apply(b.engine, "web", { ...FAST, noBackup: true });
    const { writeFilesTo } = await import("../../state/store.ts");
    await writeFilesTo(join(b.engine.paths.stagingDir, "web", "files"), st.files);
    await atomicWriteJson(join(b.engine.paths.stagingDir, "web", "staged.json"), st.record);
    await leaveApplyEntry(b, "committed", { timeoutMs: 5_000, noBackup: true, records: [] }, startedAt);
    const restartsBefore = restarts(b).length;
    const [r] = await stage(await b.another(), "web");
    assert.equal(r!.changed, false, "v2 is what is installed");
    assert.equal(restarts(b).length, restartsBefore, "nothing restarted");
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids.v2);
    assert.ok(b.log.events.length > 0);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a real `leger apply` killed with SIGKILL after installing the files is rolled back by the next `leger apply`, which then applies", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { ids } = await killedSetup(b);
    const main = new URL("../../../main.ts", import.meta.url).pathname;
    const env = {
      ...b.host.env(),
      DENO_DIR: Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache/deno"),
      NO_COLOR: "1",
    };
    const args = [
      "run",
      "-A",
      "--quiet",
      main,
      "--backend",
      "files",
      "apply",
      "web",
      "--yes",
      "--no-backup",
      "--health-timeout",
      "20s",
    ];
    const child = new Deno.Command(Deno.execPath(), { args, env, stdout: "null", stderr: "null" }).spawn();
    // Wait for the journal entry to reach "files", then kill -9 (the health wait that follows takes seconds).
    let step = "";
    const deadline = Date.now() + 60_000;
    while (step !== "files" && Date.now() < deadline) {
      for (const e of await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir)).catch(() => [])) {
        if (e.name.endsWith(".json")) {
          step = JSON.parse(await Deno.readTextFile(join(b.engine.paths.journalDir, e.name)).catch(() => "{}")).step ??
            "";
        }
      }
      if (step !== "files") await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(step, "files");
    assert.equal(status.signal, "SIGKILL");
    assert.match(
      await Deno.readTextFile(join(b.host.quadletDir, "web/web.container")),
      /8081/,
      "the kill left v2's files",
    );
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids.v1);

    const next = await new Deno.Command(Deno.execPath(), { args, env, stdout: "piped", stderr: "piped" }).output();
    const stderr = new TextDecoder().decode(next.stderr);
    assert.equal(next.code, 0, stderr);
    assert.match(stderr, /found an interrupted apply of web .*stopped at step "files"/);
    assert.match(
      stderr,
      new RegExp(`recovered: the interrupted apply of web was rolled back to ${ids.v1!.slice(0, 12)}`),
    );
    assert.match(new TextDecoder().decode(next.stdout), /web: applied v1\.0\.0 [0-9a-f]{12} -> v2\.0\.0/);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids.v2);
    assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8081:80"]);
    assert.equal(b.host.unit("extra.service").active, "active");
    assert.deepEqual(await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir)), []);
  } finally {
    await b.cleanup();
  }
});
