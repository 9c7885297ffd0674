import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX, repoWith } from "../../../tests/fakes/fake_host_fixtures.ts";
import { ExitCode, type LegerError } from "../../core/errors.ts";
import { readManifest } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";
import { listBackups } from "../../backup/info.ts";
import { readStaged } from "./stage.ts";
import { apply, install, stage } from "../../../tests/helpers/ops.ts";
import { FAST, installed, restarts, V1, V2, V3 } from "./apply_fixtures_test.ts";

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
