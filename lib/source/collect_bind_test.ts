/**
 * A file a unit bind-mounts relative to itself (`Volume=./page.html:...`,
 * as `leger import compose` writes Compose configs) is part of the set:
 * install takes it along, or podman fails to start the unit.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { collectSet } from "./collect.ts";

Deno.test("collectSet takes the files units bind-mount with ./, and no folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "web.container"),
      "[Container]\nImage=x\nVolume=./page.html:/srv/index.html:ro,z\nVolume=./data:/data\nVolume=./missing:/m\n",
    );
    await Deno.writeTextFile(join(dir, "page.html"), "hello\n");
    await Deno.writeTextFile(join(dir, "README.md"), "not part of the set\n");
    await Deno.mkdir(join(dir, "data"));
    const files = await collectSet(dir, "test");
    assert.deepEqual(files.map((f) => f.name), ["page.html", "web.container"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
