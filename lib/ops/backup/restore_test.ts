import assert from "node:assert/strict";
import { join } from "node:path";
import { ExitCode, type LegerError } from "../../core/errors.ts";
import { beginEntry, pendingEntries } from "../../state/journal.ts";
import { listManifests, readManifest } from "../../state/manifest.ts";
import { CACHE_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import { listBackups } from "../../backup/info.ts";
import {
  backupFolders,
  copyTree,
  fillTree,
  installSet,
  mountpoint,
  tarBench,
  treeDigest,
} from "./backup_fixtures_test.ts";
import { recoverPending } from "../recover/recover.ts";
import { backup, remove, restore } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };

for (const backend of ["files", "native"] as const) {
  Deno.test(`restore (${backend}) serves the exact previous content again: files, modes, symlink, empty folder`, async () => {
    const b = await tarBench({ backend });
    try {
      await installSet(b, "web");
      const vol = mountpoint(b, "systemd-web-data");
      await fillTree(vol, "v1");
      const before = await treeDigest(vol);
      assert.ok(
        before.some((l) => l.startsWith("empty d 700")) && before.some((l) => l === "link l nested/deeper/data.bin"),
      );
      const saved = await backup(b.engine, "web");

      // change, add and delete data
      await Deno.writeTextFile(join(vol, "index.html"), "<h1>v2</h1>\n");
      await Deno.remove(join(vol, "nested"), { recursive: true });
      await Deno.remove(join(vol, "empty"));
      await Deno.chmod(join(vol, "secret.txt"), 0o644);
      await Deno.writeTextFile(join(vol, "new.txt"), "added after the backup");
      assert.notDeepEqual(await treeDigest(vol), before);

      const r = await restore(b.engine, "web", saved.id, FAST);
      assert.equal(r.id, saved.id);
      assert.ok(r.health.ok);
      assert.deepEqual(await treeDigest(mountpoint(b, "systemd-web-data")), before, "exactly the backup's content");
      assert.equal(b.host.unit("web.service").active, "active");
      assert.ok(
        b.calls.includes("podman volume rm --force -- systemd-web-data"),
        "the volume was recreated, not merged into",
      );

      const pre = (await listBackups(b.engine, "web")).find((x) => x.id === r.preRestoreBackup);
      assert.equal(pre?.reason, "before-restore");
      assert.deepEqual(await pendingEntries(b.engine.paths), []);
      const m = await readManifest(b.engine.paths, "web");
      assert.equal(m?.backend, backend);
    } finally {
      await b.cleanup();
    }
  });
}

Deno.test("restore without an id takes the newest backup", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const vol = mountpoint(b, "systemd-web-data");
    await Deno.writeTextFile(join(vol, "a"), "1");
    await backup(b.engine, "web");
    await Deno.writeTextFile(join(vol, "a"), "2");
    const newest = await backup(b.engine, "web");
    await Deno.writeTextFile(join(vol, "a"), "3");
    const r = await restore(b.engine, "web", undefined, { ...FAST, skipPreBackup: true });
    assert.equal(r.id, newest.id);
    assert.equal(r.preRestoreBackup, undefined);
    assert.equal(await Deno.readTextFile(join(mountpoint(b, "systemd-web-data"), "a")), "2");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a backup with one corrupted byte is refused before anything is touched", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const vol = mountpoint(b, "systemd-web-data");
    await fillTree(vol, "v1");
    const saved = await backup(b.engine, "web");
    await Deno.writeTextFile(join(vol, "index.html"), "<h1>current</h1>\n");
    const current = await treeDigest(vol);
    const archive = join(saved.dir, saved.volumes[0]!.archive);
    const bytes = await Deno.readFile(archive);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await Deno.writeFile(archive, bytes);
    const folders = await backupFolders(b);
    const callsBefore = b.calls.length;

    await assert.rejects(restore(b.engine, "web", saved.id, FAST), (e: LegerError) => {
      assert.match(
        e.message,
        /^Cannot restore web from \S+: the backup is damaged: volumes\/systemd-web-data\.tar\.zst is damaged \(sha256/,
      );
      assert.match(e.hint ?? "", /^Nothing was changed/);
      return true;
    });
    const after = b.calls.slice(callsBefore);
    assert.ok(!after.some((c) => / (stop|rm|create|import|install) /.test(c)), `no change made: ${after.join("; ")}`);
    assert.deepEqual(await treeDigest(vol), current);
    assert.deepEqual(await backupFolders(b), folders, "no before-restore backup either");
    assert.equal(b.host.unit("web.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("disaster recovery: a backup folder copied to a new host restores a set that is not installed", async () => {
  const old = await tarBench();
  const fresh = await tarBench({ backend: "native" });
  try {
    await installSet(old, "web");
    await fillTree(mountpoint(old, "systemd-web-data"), "prod");
    const expected = await treeDigest(mountpoint(old, "systemd-web-data"));
    const saved = await backup(old.engine, "web");
    await copyTree(saved.dir, join(fresh.engine.paths.backupsDir, "web", saved.id));

    assert.deepEqual(await listManifests(fresh.engine.paths), []);
    const r = await restore(fresh.engine, "web", saved.id, FAST);
    assert.equal(r.preRestoreBackup, undefined, "nothing to back up before");
    assert.ok(r.health.ok);
    assert.equal(fresh.host.unit("web.service").active, "active");
    assert.deepEqual(await treeDigest(mountpoint(fresh, "systemd-web-data")), expected);
    const m = await readManifest(fresh.engine.paths, "web");
    assert.equal(m?.backend, "native");
    assert.equal(m?.version, "1.0.0");
    assert.ok(fresh.host.quadletFiles().includes("web.container"));
  } finally {
    await old.cleanup();
    await fresh.cleanup();
  }
});

Deno.test("restore after remove --purge-volumes brings the set and its data back", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "cache", CACHE_SET);
    b.host.addVolume("cache-data", { "dump.rdb": "REDIS" });
    const saved = await backup(b.engine, "cache");
    await remove(b.engine, "cache", { purgeVolumes: true });
    assert.equal(b.host.volumes()["cache-data"], undefined);
    await restore(b.engine, "cache", saved.id, FAST);
    assert.equal(await Deno.readTextFile(join(mountpoint(b, "cache-data"), "dump.rdb")), "REDIS");
    assert.equal(b.host.unit("cache.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("unknown set or id: not found, with the ids there are", async () => {
  const b = await tarBench();
  try {
    await assert.rejects(restore(b.engine, "../etc"), /Cannot use "\.\.\/etc" as a set name/);
    await assert.rejects(restore(b.engine, "web"), (e: LegerError) => {
      assert.equal(e.exitCode, ExitCode.notFound);
      assert.match(e.hint ?? "", /copy the backup folder/);
      return true;
    });
    await installSet(b, "web");
    const saved = await backup(b.engine, "web");
    await assert.rejects(restore(b.engine, "web", "2000-01-01T00-00-00-000Z"), (e: LegerError) => {
      assert.match(e.message, /Cannot find the backup 2000-01-01T00-00-00-000Z of web/);
      assert.match(e.hint ?? "", new RegExp(saved.id));
      return true;
    });
    await Deno.writeTextFile(join(saved.dir, "backup.json"), "{ not json");
    await assert.rejects(
      restore(b.engine, "web", saved.id),
      /Cannot restore web from \S+: Cannot read .*backup\.json: not JSON/,
    );
  } finally {
    await b.cleanup();
  }
});

Deno.test("a restore whose units do not come up puts the state before back (exit 7)", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const vol = mountpoint(b, "systemd-web-data");
    await Deno.writeTextFile(join(vol, "a"), "old");
    const saved = await backup(b.engine, "web");
    await Deno.writeTextFile(join(vol, "a"), "current");
    b.host.crashUnit("web.service");
    await assert.rejects(restore(b.engine, "web", saved.id, { healthTimeoutMs: 3_000 }), (e: LegerError) => {
      assert.equal(e.exitCode, ExitCode.rolledBack);
      assert.match(e.message, /web\.service did not come up/);
      assert.match(e.hint ?? "", /put back as it was before the restore/);
      return true;
    });
    assert.equal(await Deno.readTextFile(join(mountpoint(b, "systemd-web-data"), "a")), "current");
    assert.deepEqual(await pendingEntries(b.engine.paths), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a restore gives the units the health-settle of the config to stay up: one that falls over later is caught", async () => {
  // Over the 1.5 s a restore once waited whatever the config said.
  const b = await tarBench({ crashAfterMs: 1_700 });
  try {
    b.engine.config["health-settle"] = "2s";
    await installSet(b, "web");
    const saved = await backup(b.engine, "web");
    b.host.crashUnit("web.service");
    await assert.rejects(restore(b.engine, "web", saved.id, { healthTimeoutMs: 3_000 }), (e: LegerError) => {
      assert.equal(e.exitCode, ExitCode.rolledBack);
      assert.match(e.message, /web\.service did not come up/);
      return true;
    });
  } finally {
    await b.cleanup();
  }
});

Deno.test("with skipPreBackup (apply rolling back), unhealthy units are reported in health, not thrown", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const saved = await backup(b.engine, "web");
    b.host.crashUnit("web.service");
    const r = await restore(b.engine, "web", saved.id, { healthTimeoutMs: 3_000, skipPreBackup: true });
    assert.equal(r.health.ok, false);
    assert.deepEqual(r.health.failed.map((f) => f.unit), ["web.service"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("an import that fails midway puts the state before back", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const vol = mountpoint(b, "systemd-web-data");
    await Deno.writeTextFile(join(vol, "a"), "old");
    const saved = await backup(b.engine, "web");
    await Deno.writeTextFile(join(vol, "a"), "current");
    b.faults.importFails = 1;
    await assert.rejects(restore(b.engine, "web", saved.id, FAST), (e: LegerError) => {
      assert.match(e.message, /podman volume import failed: Error: extracting archive/);
      assert.equal(e.exitCode, ExitCode.rolledBack);
      assert.match(e.hint ?? "", /is back as it was before the restore/);
      return true;
    });
    assert.equal(await Deno.readTextFile(join(mountpoint(b, "systemd-web-data"), "a")), "current");
    assert.equal(b.host.unit("web.service").active, "active");

    b.faults.importFails = 2;
    await assert.rejects(restore(b.engine, "web", saved.id, FAST), (e: LegerError) => {
      assert.equal(e.exitCode, ExitCode.failure);
      assert.match(e.hint ?? "", /putting back the state before failed too/);
      assert.match(e.hint ?? "", /leger restore web \S+ \(the state before\)/);
      return true;
    });
    // the before-restore backup is there to restore by hand
    const pre = (await listBackups(b.engine, "web")).find((x) => x.reason === "before-restore")!;
    await restore(b.engine, "web", pre.id, { ...FAST, skipPreBackup: true });
    assert.equal(await Deno.readTextFile(join(mountpoint(b, "systemd-web-data"), "a")), "current");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a restore cut short (leger killed) is finished by the next run", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const vol = mountpoint(b, "systemd-web-data");
    await fillTree(vol, "v1");
    const expected = await treeDigest(vol);
    const saved = await backup(b.engine, "web");
    await Deno.remove(join(vol, "nested"), { recursive: true });
    await b.engine.systemd.stop(["web.service"]);
    const entry = await beginEntry(b.engine.paths, "restore", "web", { id: saved.id, dir: saved.dir });
    entry.pid = -1;
    await Deno.writeTextFile(join(b.engine.paths.journalDir, `${entry.id}.json`), JSON.stringify(entry));
    const done = await recoverPending(await b.another());
    assert.deepEqual(done, [`the restore of web from ${saved.id} was finished`]);
    assert.deepEqual(await treeDigest(mountpoint(b, "systemd-web-data")), expected);
    assert.equal(b.host.unit("web.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a killed restore whose backup is gone goes back to the before-restore backup", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const vol = mountpoint(b, "systemd-web-data");
    await Deno.writeTextFile(join(vol, "a"), "before");
    const pre = await backup(b.engine, "web", { reason: "before-restore" });
    await Deno.writeTextFile(join(vol, "a"), "half-way");
    const entry = await beginEntry(b.engine.paths, "restore", "web", {
      id: "gone",
      dir: join(b.host.root, "gone"),
      preDir: pre.dir,
    });
    entry.pid = -1;
    await Deno.writeTextFile(join(b.engine.paths.journalDir, `${entry.id}.json`), JSON.stringify(entry));
    const done = await recoverPending(await b.another());
    assert.deepEqual(done, [`web was put back as before the interrupted restore (${pre.id})`]);
    assert.equal(await Deno.readTextFile(join(mountpoint(b, "systemd-web-data"), "a")), "before");

    const lost = await beginEntry(b.engine.paths, "restore", "web", { id: "gone", dir: join(b.host.root, "gone") });
    lost.pid = -1;
    await Deno.writeTextFile(join(b.engine.paths.journalDir, `${lost.id}.json`), JSON.stringify(lost));
    // It cannot be finished: it blocks web (and says so) but not the scope.
    await assert.rejects(
      () => recoverPending(b.engine, ["web"]),
      /an interrupted restore of it could not be recovered: neither its backup nor/,
    );
    assert.deepEqual(await recoverPending(b.engine, ["other"]), []);
    assert.equal((await pendingEntries(b.engine.paths)).length, 1);
  } finally {
    await b.cleanup();
  }
});

for (const compression of ["gzip", "none"] as const) {
  Deno.test(`backup-compression ${compression} round-trips too`, async () => {
    const b = await tarBench();
    try {
      b.engine.config["backup-compression"] = compression;
      await installSet(b, "web");
      const vol = mountpoint(b, "systemd-web-data");
      await fillTree(vol, compression);
      const expected = await treeDigest(vol);
      const saved = await backup(b.engine, "web");
      assert.equal(saved.volumes[0]!.compression, compression);
      assert.equal(saved.volumes[0]!.archive, `volumes/systemd-web-data${compression === "gzip" ? ".tar.gz" : ".tar"}`);
      await Deno.remove(join(vol, "nested"), { recursive: true });
      await restore(b.engine, "web", saved.id, { ...FAST, skipPreBackup: true });
      assert.deepEqual(await treeDigest(mountpoint(b, "systemd-web-data")), expected);
    } finally {
      await b.cleanup();
    }
  });
}

Deno.test("archived bind mounts are put back by restore (merged into the folder)", async () => {
  const b = await tarBench();
  try {
    const bindDir = join(b.host.root, "srv-conf");
    await Deno.mkdir(bindDir);
    await Deno.writeTextFile(join(bindDir, "app.conf"), "port=1\n");
    await installSet(b, "cache", {
      ...CACHE_SET,
      "cache.container": CACHE_SET["cache.container"] + `Volume=${bindDir}:/conf:ro\n`,
    });
    const saved = await backup(b.engine, "cache", { includeBinds: true });
    await Deno.writeTextFile(join(bindDir, "app.conf"), "port=2\n");
    await restore(b.engine, "cache", saved.id, { ...FAST, skipPreBackup: true });
    assert.equal(await Deno.readTextFile(join(bindDir, "app.conf")), "port=1\n");
  } finally {
    await b.cleanup();
  }
});
