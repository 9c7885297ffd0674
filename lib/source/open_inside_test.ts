import assert from "node:assert/strict";
import { join } from "node:path";
import { readInside } from "./open_inside.ts";

/** A set folder with web.container, and a secret outside it; `info` is what the loader saw before reading. */
async function fixture() {
  const base = Deno.realPathSync(await Deno.makeTempDir({ prefix: "leger-swap-" }));
  const root = join(base, "set");
  await Deno.mkdir(join(root, "sub"), { recursive: true });
  await Deno.mkdir(join(base, "outside"));
  await Deno.writeTextFile(join(base, "outside/web.container"), "root:SECRET:0:0\n");
  await Deno.writeTextFile(join(root, "sub/web.container"), "[Container]\nImage=a\n");
  const path = join(root, "sub/web.container");
  return { base, root, path, info: Deno.lstatSync(path) };
}

const text = (r: ReturnType<typeof readInside>) => ("bytes" in r ? new TextDecoder().decode(r.bytes) : r.problem);

Deno.test("a file read as it was checked gives its bytes", async () => {
  const { base, root, path, info } = await fixture();
  assert.equal(text(readInside(path, root, 1 << 20, info)), "[Container]\nImage=a\n");
  await Deno.remove(base, { recursive: true });
});

Deno.test("a link swapped in for the checked file is not followed", async () => {
  const { base, root, path, info } = await fixture();
  await Deno.remove(path);
  await Deno.symlink(join(base, "outside/web.container"), path);
  assert.match(text(readInside(path, root, 1 << 20, info)), /replaced by a link/);
  await Deno.remove(base, { recursive: true });
});

Deno.test("a parent folder swapped for a link out of the set is seen on the opened file", async () => {
  const { base, root, path, info } = await fixture();
  await Deno.rename(join(root, "sub"), join(root, "sub.old"));
  await Deno.symlink(join(base, "outside"), join(root, "sub"));
  assert.match(text(readInside(path, root, 1 << 20, info)), /moved out of the set/);
  await Deno.remove(base, { recursive: true });
});

Deno.test("another file or a FIFO put in its place is refused, without blocking", async () => {
  const { base, root, path, info } = await fixture();
  await Deno.writeTextFile(path + ".new", "[Container]\nImage=evil\n"); // both exist at once: another inode
  await Deno.rename(path + ".new", path);
  assert.match(text(readInside(path, root, 1 << 20, info)), /replaced while being read/);
  await Deno.remove(path);
  const mk = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.ok(mk.success);
  assert.match(text(readInside(path, root, 1 << 20, Deno.lstatSync(path))), /replaced while being read/);
  await Deno.remove(base, { recursive: true });
});
