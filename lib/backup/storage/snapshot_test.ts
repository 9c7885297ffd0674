import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell, type FakeCall } from "../../host/shell.ts";
import { dropSnapshots, prepareSnapshots, snapshotName, startCopier } from "./snapshot.ts";
import type { VolumeData } from "./probe.ts";

function fakePodman(dir: string) {
  const calls: string[][] = [];
  const podman = ({ args }: FakeCall) => {
    calls.push(args);
    if (args[1] === "create") {
      Deno.mkdirSync(join(dir, args.at(-1)!, "_data"), { recursive: true });
      return { stdout: args.at(-1) + "\n" };
    }
    // Names stand after `--`, as leger passes them (decision 53).
    if (args[1] === "inspect") {
      return { stdout: args.slice(args.indexOf("--") + 1).map((n) => join(dir, n, "_data")).join("\n") + "\n" };
    }
    return { stdout: "" };
  };
  return { $: createShell({ fakes: { podman } }), calls };
}

const data = (dir: string, name: string): VolumeData => ({
  name,
  mountpoint: join(dir, name, "_data"),
  folder: join(dir, name),
  volumesDir: dir,
  fs: "btrfs",
  movable: true,
  path: "reflink",
  why: "",
});

Deno.test("snapshot volumes are made beside the originals, labelled, and a stale one is removed first", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { $, calls } = fakePodman(dir);
    const snaps = await prepareSnapshots($, [data(dir, "a")], new Set(["a", snapshotName("a")]));
    assert.deepEqual(calls[0], ["volume", "rm", "--force", "--", "leger-snapshot-a"]);
    assert.deepEqual(calls[1], ["volume", "create", "--label", "io.leger.snapshot-of=a", "--", "leger-snapshot-a"]);
    assert.deepEqual(snaps, [{
      volume: "a",
      source: join(dir, "a/_data"),
      copy: "leger-snapshot-a",
      target: join(dir, "leger-snapshot-a/_data"),
    }]);
    await dropSnapshots($, ["leger-snapshot-a"]);
    assert.deepEqual(calls.at(-1), ["volume", "rm", "--force", "--", "leger-snapshot-a"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot volume podman puts elsewhere is refused (a reflink needs the same file system)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const podman = ({ args }: FakeCall) => ({ stdout: args[1] === "inspect" ? "/elsewhere/_data\n" : "" });
    await assert.rejects(
      prepareSnapshots(createShell({ fakes: { podman } }), [data(dir, "a")], new Set()),
      /podman put leger-snapshot-a at \/elsewhere\/_data, not beside it/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the copier copies nothing until told, and nothing at all when cancelled", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { $ } = fakePodman(dir);
    await Deno.mkdir(join(dir, "a/_data"), { recursive: true });
    await Deno.writeTextFile(join(dir, "a/_data/f"), "x");
    const snaps = await prepareSnapshots($, [data(dir, "a")], new Set());
    const copier = startCopier(createShell(), snaps, false);
    await new Promise((r) => setTimeout(r, 100));
    await copier.cancel();
    assert.deepEqual(await Array.fromAsync(Deno.readDir(snaps[0]!.target)), [], "the empty folder podman made");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("told to copy where reflinks do not work (ext4 here), the copier fails and says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { $ } = fakePodman(dir);
    await Deno.mkdir(join(dir, "a/_data"), { recursive: true });
    await Deno.writeTextFile(join(dir, "a/_data/f"), "x".repeat(100_000));
    const snaps = await prepareSnapshots($, [data(dir, "a")], new Set());
    const copier = startCopier(createShell(), snaps, false);
    const fs = new TextDecoder().decode(
      (await new Deno.Command("stat", { args: ["-f", "-c", "%T", dir] }).output()).stdout,
    ).trim();
    if (fs === "ext2/ext3") {
      await assert.rejects(copier.go(), /Cannot make a reflink copy of a:/);
    } else {
      await copier.go(); // a machine whose temporary folder clones (btrfs, xfs)
      assert.equal(await Deno.readTextFile(join(snaps[0]!.target, "f")), "x".repeat(100_000));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
