import assert from "node:assert/strict";
import { join } from "node:path";
import { type Bench, bench, NGINX } from "../../../tests/fakes/fake_host_fixtures.ts";
import { atomicWriteJson } from "../../core/fs.ts";
import { withLock } from "../../core/lock.ts";
import type { JournalEntry } from "../../state/journal.ts";
import { readManifest } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";
import { recoverPending } from "../recover/recover.ts";
import { readStaged } from "./stage.ts";
import { apply, backup, discard, stage } from "../../../tests/helpers/ops.ts";
import { FAST, installed, restarts, V1 } from "./apply_fixtures_test.ts";

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
