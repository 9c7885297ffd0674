import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256 } from "../core/fs.ts";
import { type BackupInfo, newBackupId, readBackup, scanBackups, toRecord, verifyBackup } from "./info.ts";

async function sample(dir: string): Promise<BackupInfo> {
  const manifest = JSON.stringify({ not: "a manifest" });
  await Deno.mkdir(join(dir, "files"), { recursive: true });
  await Deno.mkdir(join(dir, "volumes"), { recursive: true });
  await Deno.writeTextFile(join(dir, "manifest.json"), manifest);
  await Deno.writeTextFile(join(dir, "files/web.container"), "[Container]\n");
  await Deno.writeTextFile(join(dir, "volumes/v.tar"), "tar bytes");
  return {
    id: "2026-01-01T00-00-00-000Z",
    name: "web",
    reason: "manual",
    createdAt: "2026-01-01T00:00:00.000Z",
    legerVersion: "0.1.0",
    dir,
    sizeBytes: 1,
    volumes: [{
      name: "v",
      archive: "volumes/v.tar",
      sha256: await sha256("tar bytes"),
      sizeBytes: 9,
      compression: "none",
    }],
    binds: [{ hostPath: "/srv", archived: true, archive: "binds/0.tar", sha256: await sha256("x") }],
    files: [{ name: "web.container", sha256: await sha256("[Container]\n") }],
    manifestSha256: await sha256(manifest),
  };
}

Deno.test("verifyBackup names every missing, resized, damaged file and an unreadable manifest", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const info = await sample(dir);
    const r = await verifyBackup(info);
    assert.equal(r.ok, false);
    assert.deepEqual(r.problems.slice(0, 1), ["binds/0.tar is missing"]);
    assert.match(r.problems[1]!, /manifest\.json: schema/);
    assert.deepEqual((await verifyBackup(info, { quick: true })).problems, ["binds/0.tar is missing"]);

    await Deno.writeTextFile(join(dir, "volumes/v.tar"), "tar bytez");
    await Deno.writeTextFile(join(dir, "files/web.container"), "[Container]\nImage=x\n");
    const damaged = await verifyBackup({ ...info, binds: [] });
    assert.match(
      damaged.problems[0]!,
      /^volumes\/v\.tar is damaged \(sha256 [0-9a-f]{12}\.\.\., [0-9a-f]{12}\.\.\. expected\)$/,
    );
    assert.match(damaged.problems[1]!, /^files\/web\.container is damaged/);
    await Deno.writeTextFile(join(dir, "volumes/v.tar"), "short");
    assert.deepEqual((await verifyBackup({ ...info, binds: [] }, { quick: true })).problems, [
      "volumes/v.tar has 5 bytes, 9 expected",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scanBackups lists readable backups newest first and reports the rest", async () => {
  const root = await Deno.makeTempDir();
  try {
    const older = await sample(join(root, "web", "2026-01-01T00-00-00-000Z"));
    await Deno.writeTextFile(join(older.dir, "backup.json"), JSON.stringify(toRecord(older)));
    const newer = { ...older, id: "2026-02-01T00-00-00-000Z", dir: join(root, "web", "2026-02-01T00-00-00-000Z") };
    await Deno.mkdir(newer.dir, { recursive: true });
    await Deno.writeTextFile(join(newer.dir, "backup.json"), JSON.stringify(toRecord(newer)));
    await Deno.mkdir(join(root, "web", "x.partial"));
    await Deno.mkdir(join(root, "web", "empty"));
    await Deno.mkdir(join(root, "web", "bad"));
    await Deno.writeTextFile(join(root, "web", "bad", "backup.json"), JSON.stringify({ schema: 1, id: "bad" }));
    await Deno.mkdir(join(root, "web", "moved"));
    await Deno.writeTextFile(join(root, "web", "moved", "backup.json"), JSON.stringify(toRecord(older)));
    const scan = await scanBackups(root);
    assert.deepEqual(scan.backups.map((b) => b.id), [newer.id, older.id]);
    assert.deepEqual(await readBackup(older.dir), { ...older, stopped: [], live: false });
    const problems = Object.fromEntries(scan.unreadable.map((u) => [u.dir.slice(root.length + 5), u.problem]));
    assert.equal(problems["x.partial"], "unfinished backup");
    assert.equal(problems["empty"], "no backup.json");
    assert.equal(problems["moved"], "backup.json names another backup");
    assert.match(problems["bad"]!, /backup\.json: name: /);
    assert.deepEqual((await scanBackups(join(root, "none"))).backups, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("backup ids sort as time does", () => {
  assert.equal(newBackupId(new Date("2026-05-01T10:00:00.000Z")), "2026-05-01T10-00-00-000Z");
  assert.ok(newBackupId(new Date("2026-05-01T10:00:00.001Z")) > newBackupId(new Date("2026-05-01T10:00:00.000Z")));
});
