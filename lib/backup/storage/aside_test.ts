import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell } from "../../host/shell.ts";
import { asideOf, moveAside, putBack, removeData, waiting } from "./aside.ts";

async function volumes(): Promise<{ dir: string; folder: string }> {
  const dir = await Deno.makeTempDir();
  const folder = join(dir, "web-data");
  await Deno.mkdir(join(folder, "_data/sub"), { recursive: true });
  await Deno.writeTextFile(join(folder, "_data/sub/old.txt"), "old");
  return { dir, folder };
}

Deno.test("a volume's folder goes aside by a rename and comes back exactly, each step safe to repeat", async () => {
  const { dir, folder } = await volumes();
  try {
    const a = asideOf("web-data", folder, "e1");
    assert.equal(a.aside, join(dir, ".leger-aside-e1-web-data"));
    const inode = (await Deno.stat(join(folder, "_data/sub/old.txt"))).ino;
    await moveAside(a);
    await moveAside(a); // replayed after a kill: nothing left to do
    assert.ok(await waiting(a));
    assert.equal((await Deno.stat(join(a.aside, "_data/sub/old.txt"))).ino, inode, "moved, not copied");
    // The restore makes the volume again and fills it.
    await Deno.mkdir(join(folder, "_data"), { recursive: true });
    await Deno.writeTextFile(join(folder, "_data/new.txt"), "new");
    const discard = await putBack(a);
    assert.equal(discard, `${a.aside}.discard`);
    assert.equal(await Deno.readTextFile(join(folder, "_data/sub/old.txt")), "old");
    assert.equal(await Deno.readTextFile(join(discard!, "_data/new.txt")), "new");
    assert.equal(await putBack(a), undefined, "put back already");
    assert.ok(!(await waiting(a)));
    await removeData(createShell(), discard!, false);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["web-data"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("putting back with nothing at the volume's folder (killed before podman made it again) just renames", async () => {
  const { dir, folder } = await volumes();
  try {
    const a = asideOf("web-data", folder, "e2");
    await moveAside(a);
    assert.equal(await putBack(a), undefined);
    assert.equal(await Deno.readTextFile(join(folder, "_data/sub/old.txt")), "old");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("moving aside a volume that has no folder says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      moveAside(asideOf("gone", join(dir, "gone"), "e3")),
      /Cannot move the data of volume gone aside/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a discard folder in the way stops the put-back and names it", async () => {
  const { dir, folder } = await volumes();
  try {
    const a = asideOf("web-data", folder, "e4");
    await moveAside(a);
    await Deno.mkdir(join(folder, "_data"), { recursive: true });
    await Deno.mkdir(`${a.aside}.discard`);
    await assert.rejects(putBack(a), /\.discard is in the way/);
    assert.ok(await waiting(a), "the old data stays where it waits");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("only leger's own asides are ever removed", async () => {
  const { dir, folder } = await volumes();
  try {
    await assert.rejects(removeData(createShell(), folder, false), /not an aside of leger's/);
    assert.equal(await Deno.readTextFile(join(folder, "_data/sub/old.txt")), "old");
    await removeData(createShell(), join(dir, ".leger-aside-x-none"), false); // gone already: fine
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
