import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell, type FakeCall } from "../../host/shell.ts";
import { listVolumes, probeVolumes, reflinkWorks, type VolumeRow } from "./probe.ts";

const podmanSays = (stdout: string, code = 0) =>
  createShell({ fakes: { podman: (_c: FakeCall) => ({ stdout, code, stderr: code ? "boom" : "" }) } });

Deno.test("podman's volume list is read field by field", async () => {
  const rows = await listVolumes(podmanSays(JSON.stringify([
    { Name: "a", Driver: "local", Mountpoint: "/v/a/_data", Options: {} },
    { Name: "b", Driver: "local", Mountpoint: "/v/b/_data", Options: { device: "/dev/sdb1", type: "ext4" } },
  ])));
  assert.deepEqual(rows[1], {
    name: "b",
    driver: "local",
    mountpoint: "/v/b/_data",
    options: { device: "/dev/sdb1", type: "ext4" },
  });
  assert.deepEqual(await listVolumes(podmanSays("null")), []);
  await assert.rejects(listVolumes(podmanSays('[{"Driver":"local"}]')), /a row without a name/);
  await assert.rejects(listVolumes(podmanSays('{"Name":"a"}')), /did not print a list/);
  await assert.rejects(listVolumes(podmanSays("", 125)), /podman said: boom/);
});

Deno.test("only a plain local volume in podman's folder is movable; ext4 keeps today's stream", async () => {
  const dir = await Deno.makeTempDir(); // the build machine's disk: ext4
  try {
    await Deno.mkdir(join(dir, "volumes/plain/_data"), { recursive: true });
    await Deno.mkdir(join(dir, "elsewhere"), { recursive: true });
    await Deno.symlink(join(dir, "elsewhere"), join(dir, "volumes/linked"));
    const rows: VolumeRow[] = [
      { name: "plain", driver: "local", mountpoint: join(dir, "volumes/plain/_data"), options: {} },
      { name: "nfs", driver: "local", mountpoint: join(dir, "volumes/nfs/_data"), options: { type: "nfs" } },
      { name: "remote", driver: "rclone", mountpoint: "/mnt/remote", options: {} },
      { name: "odd", driver: "local", mountpoint: join(dir, "volumes/other/_data"), options: {} },
      { name: "linked", driver: "local", mountpoint: join(dir, "volumes/linked/_data"), options: {} },
    ];
    const [plain, nfs, remote, odd, linked] = await probeVolumes(createShell(), rows);
    const fs = (await new Deno.Command("stat", { args: ["-f", "-c", "%T", dir] }).output()).stdout;
    if (new TextDecoder().decode(fs).trim() === "ext2/ext3") {
      assert.deepEqual(plain, {
        name: "plain",
        mountpoint: join(dir, "volumes/plain/_data"),
        folder: join(dir, "volumes/plain"),
        volumesDir: join(dir, "volumes"),
        fs: "ext2/ext3",
        movable: true,
        path: "stream",
        why: "ext4 has no reflink copies",
      });
    }
    assert.equal(nfs!.path, "stream");
    assert.equal(nfs!.movable, false);
    assert.match(nfs!.why, /mounted with options \(type\)/);
    assert.match(remote!.why, /volume driver rclone/);
    assert.match(odd!.why, /not where podman keeps local volumes/);
    assert.equal(linked!.movable, false, "a link is not podman's folder");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the reflink trial leaves nothing behind and a folder that cannot be written is a no", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await reflinkWorks(createShell(), dir);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
    assert.equal(await reflinkWorks(createShell(), join(dir, "missing")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
