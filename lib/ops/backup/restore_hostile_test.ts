// Hostile backups (issue 11, defect 4 and the hostile-input tier): a backup folder copied in is untrusted.
// Each case forges a copy of a good backup and makes backup.json agree with it again (checksums and
// sizes recomputed), so only the structural checks can stop it; restore must refuse with a clear
// message and change nothing on the host.
import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256, sha256File } from "../../core/fs.ts";
import type { LegerError } from "../../core/errors.ts";
import { listManifests, readManifest } from "../../state/manifest.ts";
import { CACHE_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import {
  backupFolders,
  copyTree,
  fillTree,
  installSet,
  mountpoint,
  type TarBench,
  tarBench,
  treeDigest,
} from "./backup_fixtures_test.ts";
import { makeTar } from "../../backup/tar_fixtures_test.ts";
import { backup, restore } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };
// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function folderSize(dir: string, top = true): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    if (top && e.name === "backup.json") continue;
    const p = join(dir, e.name);
    total += e.isDirectory ? await folderSize(p, false) : (await Deno.lstat(p)).size;
  }
  return total;
}

/** Makes backup.json agree with the folder again: every checksum and size recomputed (what a forger does). */
async function reseal(dir: string, record: Json): Promise<void> {
  for (const v of record.volumes) {
    try {
      v.sha256 = await sha256File(join(dir, v.archive));
      v.sizeBytes = (await Deno.stat(join(dir, v.archive))).size;
    } catch { /* points outside or nowhere: leave it */ }
  }
  for (const b of record.binds) {
    if (b.archive) b.sha256 = await sha256File(join(dir, b.archive)).catch(() => b.sha256);
  }
  for (const f of record.files) f.sha256 = await sha256File(join(dir, "files", f.name)).catch(() => f.sha256);
  record.manifestSha256 = await sha256(await Deno.readFile(join(dir, "manifest.json")));
  record.sizeBytes = await folderSize(dir);
  await Deno.writeTextFile(join(dir, "backup.json"), JSON.stringify(record, null, 2));
}

interface Scene {
  b: TarBench;
  good: { id: string; dir: string };
}

async function scene(): Promise<Scene> {
  const b = await tarBench();
  await installSet(b, "web");
  await installSet(b, "cache", CACHE_SET);
  await fillTree(mountpoint(b, "systemd-web-data"), "v1");
  const saved = await backup(b.engine, "web");
  await Deno.writeTextFile(join(mountpoint(b, "systemd-web-data"), "index.html"), "<h1>now</h1>\n");
  return { b, good: { id: saved.id, dir: saved.dir } };
}

let n = 0;
/** Copies the good backup under a new id, lets `forge` change it, reseals it; returns the new id. */
async function forged(s: Scene, forge: (dir: string, record: Json) => Promise<void> | void): Promise<string> {
  const id = `2030-01-01T00-00-00-${String(++n).padStart(3, "0")}Z`;
  const dir = join(s.good.dir, "..", id);
  await copyTree(s.good.dir, dir);
  const record = JSON.parse(await Deno.readTextFile(join(dir, "backup.json")));
  record.id = id;
  await forge(dir, record);
  await reseal(dir, record);
  return id;
}

async function hostState(s: Scene) {
  return {
    web: await treeDigest(mountpoint(s.b, "systemd-web-data")),
    cache: await treeDigest(mountpoint(s.b, "cache-data")),
    volumes: Object.keys(s.b.host.volumes()).sort(),
    quadlets: s.b.host.quadletFiles(),
    manifests: JSON.stringify(await listManifests(s.b.engine.paths)),
    units: [s.b.host.unit("web.service").active, s.b.host.unit("cache.service").active],
  };
}

const NOT_SAFE = /^Cannot restore web from \S+: the backup is not safe to restore: /;

async function refused(s: Scene, id: string, message: RegExp): Promise<void> {
  const before = await hostState(s);
  const folders = await backupFolders(s.b);
  const calls = s.b.calls.length;
  await assert.rejects(restore(s.b.engine, "web", id, FAST), (e: LegerError) => {
    assert.match(e.message, NOT_SAFE);
    assert.match(e.message, message);
    assert.match(e.hint ?? "", /^Nothing was changed/);
    return true;
  });
  const after = s.b.calls.slice(calls);
  assert.ok(!after.some((c) => / (stop|rm|create|import|install|start) /.test(c)), `changed: ${after.join("; ")}`);
  assert.deepEqual(await hostState(s), before, "nothing on the host changed");
  assert.deepEqual(await backupFolders(s.b), folders, "not even a before-restore backup");
}

Deno.test("hostile backups: a resealed copy with no change restores (the harness refuses only what is forged)", async () => {
  const s = await scene();
  try {
    const id = await forged(s, () => {});
    const r = await restore(s.b.engine, "web", id, FAST);
    assert.ok(r.health.ok);
    assert.match(await Deno.readTextFile(join(mountpoint(s.b, "systemd-web-data"), "index.html")), /v1/);
  } finally {
    await s.b.cleanup();
  }
});

Deno.test("hostile backups: volume names, archive paths and unit files that the set's units do not declare", async () => {
  const s = await scene();
  try {
    // Another set's volume, archive renamed to match.
    await refused(
      s,
      await forged(s, async (dir, r) => {
        await Deno.rename(join(dir, r.volumes[0].archive), join(dir, "volumes/cache-data.tar.zst"));
        r.volumes[0].name = "cache-data";
        r.volumes[0].archive = "volumes/cache-data.tar.zst";
        delete r.volumes[0].unitFile;
      }),
      /the volume "cache-data" is not one the backup's units declare/,
    );
    // The files forged to declare it too: it belongs to the installed set cache.
    await refused(
      s,
      await forged(s, async (dir, r) => {
        const unit = join(dir, "files", "web.container");
        await Deno.writeTextFile(
          unit,
          (await Deno.readTextFile(unit)).replace("[Container]\n", "[Container]\nVolume=cache-data:/steal\n"),
        );
        await Deno.rename(join(dir, r.volumes[0].archive), join(dir, "volumes/cache-data.tar.zst"));
        r.volumes[0].name = "cache-data";
        r.volumes[0].archive = "volumes/cache-data.tar.zst";
        delete r.volumes[0].unitFile;
      }),
      /the volume "cache-data" belongs to the installed set cache/,
    );
    await refused(
      s,
      await forged(s, (_dir, r) => void (r.volumes[0].name = "../../x")),
      /the volume name "..\/..\/x" is not a podman volume name/,
    );
    await refused(
      s,
      await forged(s, (_dir, r) => void (r.volumes[0].unitFile = "cache.container")),
      /the volume "systemd-web-data" is not defined by "cache.container"/,
    );
    for (const path of ["../../../../etc/passwd", "/etc/passwd", "files/web.container"]) {
      await refused(
        s,
        await forged(s, (_dir, r) => void (r.volumes[0].archive = path)),
        /the archive of volume "systemd-web-data" is .*, not where leger puts it/,
      );
    }
    await refused(
      s,
      await forged(s, (_dir, r) => void (r.volumes[0].compression = "gzip")),
      /the archive of volume "systemd-web-data" is "volumes\/systemd-web-data.tar.zst", not where leger puts it/,
    );
    // The archive is a link to a file outside the backup.
    await refused(
      s,
      await forged(s, async (dir, r) => {
        const outside = join(s.b.host.root, "outside.tar.zst");
        await Deno.rename(join(dir, r.volumes[0].archive), outside);
        await Deno.symlink(outside, join(dir, r.volumes[0].archive));
      }),
      /volumes\/systemd-web-data.tar.zst is missing or not a plain file inside the backup/,
    );
  } finally {
    await s.b.cleanup();
  }
});

Deno.test("hostile backups: host paths, files, manifest and the other fields of backup.json", async () => {
  const s = await scene();
  try {
    await refused(
      s,
      await forged(s, async (dir, r) => {
        await Deno.mkdir(join(dir, "binds"));
        await Deno.writeFile(
          join(dir, "binds/0.tar"),
          makeTar([{ name: "etc/passwd", data: "root::0:0::/:/bin/sh\n" }]),
        );
        r.binds.push({
          hostPath: "/etc",
          archived: true,
          archive: "binds/0.tar",
          compression: "none",
          sha256: "0".repeat(64),
        });
      }),
      /the host path "\/etc" is not one the backup's units bind-mount/,
    );
    await refused(
      s,
      await forged(s, (_dir, r) =>
        void r.binds.push({
          hostPath: "/srv/x",
          archived: true,
          archive: "../../../../etc/shadow",
          compression: "none",
          sha256: "0".repeat(64),
        })),
      /the archive of host path "\/srv\/x" is "..\/..\/..\/..\/etc\/shadow", not where leger puts it/,
    );
    await refused(
      s,
      await forged(s, (_dir, r) => void r.files.push({ name: "../../evil.container", sha256: "0".repeat(64) })),
      /the file name "..\/..\/evil.container" leaves files\//,
    );
    await refused(
      s,
      await forged(s, async (dir) => await Deno.writeTextFile(join(dir, "files", "extra.container"), "[Container]\n")),
      /files\/extra.container is not listed in backup.json/,
    );
    await refused(
      s,
      await forged(s, async (dir) => {
        await Deno.rename(join(dir, "files"), join(s.b.host.root, "elsewhere"));
        await Deno.symlink(join(s.b.host.root, "elsewhere"), join(dir, "files"));
      }),
      /files\/ is missing or not a folder/,
    );
    await refused(
      s,
      await forged(s, async (dir) => {
        const m = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
        m.units.push("sshd.service");
        await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(m));
      }),
      /manifest.json names the unit sshd.service, which the backup's files do not define/,
    );
    await refused(
      s,
      await forged(s, async (dir) => {
        const m = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
        m.name = "cache";
        await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(m));
      }),
      /manifest.json is the manifest of "cache"/,
    );
    await refused(
      s,
      await forged(s, (_dir, r) => void (r.stopped = ["sshd.service"])),
      /backup.json says it stopped "sshd.service"/,
    );
    await refused(s, await forged(s, (_dir, r) => void (r.commit = "f".repeat(40))), /different commits/);
    await refused(s, await forged(s, (_dir, r) => void (r.setVersion = "9.9.9")), /different versions/);
    await refused(s, await forged(s, (_dir, r) => void (r.createdAt = "yesterday")), /is not a time/);
    // sizeBytes, like the checksums, is resealed by the forger; here it is left wrong on purpose.
    const id = await forged(s, () => {});
    const file = join(s.good.dir, "..", id, "backup.json");
    const rec = JSON.parse(await Deno.readTextFile(file));
    rec.sizeBytes += 1;
    await Deno.writeTextFile(file, JSON.stringify(rec));
    await refused(s, id, /the backup holds \d+ bytes, backup.json says \d+/);
    // Fields the schema pins: refused when read.
    for (const [key, value] of [["schema", 2], ["reason", "evil"], ["name", "cache"], ["id", "other"]] as const) {
      const bad = await forged(s, (_dir, r) => void (r[key] = value));
      await assert.rejects(restore(s.b.engine, "web", bad, FAST), /Cannot restore web from \S+: /);
    }
  } finally {
    await s.b.cleanup();
  }
});

Deno.test("hostile backups: archives with .., absolute members, links out, devices, truncated", async () => {
  const s = await scene();
  try {
    const withArchive = (tar: Uint8Array) =>
      forged(s, async (dir, r) => {
        await Deno.remove(join(dir, r.volumes[0].archive));
        r.volumes[0].compression = "none";
        r.volumes[0].archive = "volumes/systemd-web-data.tar";
        await Deno.writeFile(join(dir, r.volumes[0].archive), tar);
      });
    const cases: [Uint8Array, RegExp][] = [
      [makeTar([{ name: "../../../.bashrc", data: "evil" }]), /"..\/..\/..\/.bashrc" climbs out with ".."/],
      [makeTar([{ name: "/etc/cron.d/evil", data: "evil" }]), /"\/etc\/cron.d\/evil" is an absolute name/],
      [
        makeTar([{ name: "out", type: "2", linkname: "/etc" }, { name: "out/passwd", data: "x" }]),
        /link to the absolute path "\/etc"/,
      ],
      [makeTar([{ name: "up", type: "2", linkname: "../../.." }]), /"up" is a link out of its folder/],
      [
        makeTar([{ name: "in", type: "2", linkname: "sub" }, { name: "in/x", data: "x" }]),
        /would be written through the link "in"/,
      ],
      [makeTar([{ name: "h", type: "1", linkname: "/etc/shadow" }]), /hard link to "\/etc\/shadow"/],
      [makeTar([{ name: "sda", type: "4" }]), /"sda" is a device file/],
      [makeTar([{ name: "a", data: "x".repeat(3000) }]).slice(0, 1024), /truncated/],
      [makeTar([{ name: "a", data: "x" }], { noEnd: true }), /truncated/],
    ];
    for (const [tar, message] of cases) {
      await refused(s, await withArchive(tar), message);
    }
    // A truncated zstd archive (resealed): the decompressor or the tar reader says so.
    await refused(
      s,
      await forged(s, async (dir, r) => {
        const p = join(dir, r.volumes[0].archive);
        const bytes = await Deno.readFile(p);
        await Deno.writeFile(p, bytes.slice(0, Math.floor(bytes.length / 2)));
      }),
      /volumes\/systemd-web-data.tar.zst \(volume systemd-web-data\): .*(truncated|zstd could not read it)/,
    );
  } finally {
    await s.b.cleanup();
  }
});

Deno.test("hostile backups: a backup of another set put in this set's folder is refused", async () => {
  const s = await scene();
  try {
    const theirs = await backup(s.b.engine, "cache");
    const id = "2030-01-01T00-00-00-999Z";
    await copyTree(theirs.dir, join(s.good.dir, "..", id));
    const dir = join(s.good.dir, "..", id);
    const record = JSON.parse(await Deno.readTextFile(join(dir, "backup.json")));
    Object.assign(record, { id, name: "web" });
    const m = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
    m.name = "web";
    await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(m));
    await reseal(dir, record);
    await refused(s, id, /the volume "cache-data" belongs to the installed set cache.*the unit cache.service belongs/);
    assert.equal((await readManifest(s.b.engine.paths, "cache"))?.name, "cache");
  } finally {
    await s.b.cleanup();
  }
});
