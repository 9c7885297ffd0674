import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, CACHE_SET, logged, repoWith, WEB_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import { atomicWriteJson } from "../../core/fs.ts";
import type { Engine } from "../../engine.ts";
import { withLock } from "../../core/lock.ts";
import type { JournalEntry } from "../../state/journal.ts";
import { listManifests, readManifest } from "../../state/manifest.ts";
import { recoverPending } from "./recover.ts";
import { install, remove } from "../../../tests/helpers/ops.ts";

/** What `leger recover` does. */
const recover = (engine: Engine) => withLock(engine.paths.lockFile, () => recoverPending(engine));

const FAST = { healthTimeoutMs: 5_000 };
// A pid that is not this process: recoverPending skips entries of its own pid.
const DEAD_PID = 2_000_000_000;

async function leaveEntry(dir: string, entry: Omit<JournalEntry, "id" | "pid" | "startedAt">): Promise<void> {
  const full: JournalEntry = {
    ...entry,
    id: `${Date.now()}-${entry.op}-${entry.name}`,
    pid: DEAD_PID,
    startedAt: new Date().toISOString(),
  };
  await atomicWriteJson(join(dir, `${full.id}.json`), full);
}

for (const backend of ["native", "files"] as const) {
  Deno.test(`an install (${backend}) killed after its files step is undone by the next operation, which says so`, async () => {
    const b = await bench({ backend });
    try {
      const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }, {
        folder: "cache",
        files: CACHE_SET,
      }]);
      // What a killed `leger install web` left: the entry at step "files", the files in place, units started.
      const planned = [".leger.yaml", "web-data.volume", "web.container"];
      const stage = join(b.host.root, "stage", "web");
      await Deno.mkdir(stage, { recursive: true });
      for (const f of planned.slice(1)) await Deno.writeTextFile(join(stage, f), WEB_SET[f as keyof typeof WEB_SET]);
      if (backend === "native") {
        assert.equal(
          b.host.run("podman", { args: ["quadlet", "install", stage], stdin: new Uint8Array(), env: {}, cwd: "/" })
            .code ?? 0,
          0,
        );
      } else {
        await Deno.mkdir(join(b.host.quadletDir, "web"));
        for (const f of planned.slice(1)) await Deno.copyFile(join(stage, f), join(b.host.quadletDir, "web", f));
        b.host.run("systemctl", { args: ["--user", "daemon-reload"], stdin: new Uint8Array(), env: {}, cwd: "/" });
      }
      b.host.run("systemctl", { args: ["--user", "start", "web.service"], stdin: new Uint8Array(), env: {}, cwd: "/" });
      assert.equal(b.host.unit("web.service").active, "active");
      await leaveEntry(b.engine.paths.journalDir, {
        op: "install",
        name: "web",
        step: "files",
        data: { planned, hadPrevious: false, records: [] },
      });

      await install(b.engine, `${url}#main:apps/cache`, FAST);
      const warnings = logged(b.log.events, "warn");
      assert.ok(
        warnings.some((w) => /found an interrupted install of web .*stopped at step "files"/.test(w)),
        warnings.join("\n"),
      );
      assert.ok(warnings.includes("recovered: the partial install of web was removed"), warnings.join("\n"));
      assert.ok(!b.host.quadletFiles().some((f) => f.includes("web")), `${b.host.quadletFiles()}`);
      assert.equal(b.host.unit("web.service").load, "not-found");
      assert.ok(!b.host.containers()["systemd-web"]);
      assert.deepEqual((await listManifests(b.engine.paths)).map((m) => m.name), ["cache"]);
      assert.deepEqual((await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir))).map((e) => e.name), []);
    } finally {
      await b.cleanup();
    }
  });
}

Deno.test("an update killed half way is undone and the previous version comes back", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    const m = (await readManifest(b.engine.paths, "web"))!;
    const file = m.files.find((f) => f.name === "web.container")!.path;
    await Deno.writeTextFile(file, WEB_SET["web.container"].replace("8080:80", "9999:80"));
    await leaveEntry(b.engine.paths.journalDir, {
      op: "install",
      name: "web",
      step: "files",
      data: { planned: [".leger.yaml", "web-data.volume", "web.container"], hadPrevious: true, records: [] },
    });
    const done = await recover(await b.another());
    assert.deepEqual(done, ["the install of web was undone; the previous version is back"]);
    assert.match(await Deno.readTextFile(file), /8080:80/);
    assert.equal(b.host.unit("web.service").active, "active");
    assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8080:80"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("an install whose manifest was written before the kill is left as it is", async () => {
  const b = await bench();
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await leaveEntry(b.engine.paths.journalDir, {
      op: "install",
      name: "web",
      step: "files",
      data: { planned: [], hadPrevious: false },
    });
    await new Promise((r) => setTimeout(r, 5));
    // the install itself recovers the entry first: its manifest is older, so it is undone (nothing to undo)
    await install(b.engine, `${url}#main:apps/web`, FAST);
    await leaveEntry(b.engine.paths.journalDir, {
      op: "install",
      name: "web",
      step: "files",
      data: { planned: ["web.container"], hadPrevious: false },
    });
    const entry = (await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir)))[0]!;
    const text = JSON.parse(await Deno.readTextFile(join(b.engine.paths.journalDir, entry.name)));
    text.startedAt = new Date(Date.now() - 60_000).toISOString();
    await Deno.writeTextFile(join(b.engine.paths.journalDir, entry.name), JSON.stringify(text));
    const done = await recover(b.engine);
    assert.deepEqual(done, ["the install of web had completed"]);
    assert.equal(b.host.unit("web.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a removal killed after stopping the units is completed by the next operation", async () => {
  const b = await bench({ backend: "native" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }, { folder: "cache", files: CACHE_SET }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    await install(b.engine, `${url}#main:apps/cache`, FAST);
    const manifest = (await readManifest(b.engine.paths, "web"))!;
    await b.engine.systemd.stop(["web.service"]);
    await leaveEntry(b.engine.paths.journalDir, {
      op: "remove",
      name: "web",
      step: "stopped",
      data: { manifest, purgeVolumes: true },
    });
    await remove(b.engine, "cache");
    const warnings = logged(b.log.events, "warn");
    assert.ok(warnings.includes("recovered: the removal of web was completed"), warnings.join("\n"));
    assert.deepEqual(await listManifests(b.engine.paths), []);
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.ok(!b.host.volumes()["systemd-web-data"], "the interrupted removal purged volumes: it still does");
  } finally {
    await b.cleanup();
  }
});

Deno.test("an entry whose recovery fails is left in place with the error (its kind's handler is loaded for it)", async () => {
  const b = await bench();
  try {
    // A restore entry without its backups: restore's own handler runs (loaded on demand) and cannot finish it.
    await leaveEntry(b.engine.paths.journalDir, { op: "restore", name: "web", step: "begin", data: {} });
    assert.deepEqual(await recover(b.engine), []);
    assert.match(
      logged(b.log.events, "error").join("\n"),
      /could not recover the interrupted restore of web: neither its backup nor the before-restore backup is readable/,
    );
    assert.equal((await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir))).length, 1);
  } finally {
    await b.cleanup();
  }
});
