import assert from "node:assert/strict";
import { join } from "node:path";
import type { LegerError } from "../core/errors.ts";
import { collectSet } from "./collect.ts";

Deno.test("a link the units use whose target is missing is refused, never dropped silently", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "web.container"), "[Container]\nImage=x\nEnvironmentFile=web.env\n");
    await Deno.symlink("gone.env", join(dir, "web.env"));
    await assert.rejects(collectSet(dir, "./set"), (e: LegerError) => {
      assert.equal(e.message, "Cannot use ./set: web.env is a link to nothing");
      assert.equal(e.exitCode, 3);
      return true;
    });
    await Deno.remove(join(dir, "web.env"));
    await Deno.symlink("/nonexistent/secret.env", join(dir, "web.env"));
    // A link out is refused without reading or showing where it points.
    await assert.rejects(collectSet(dir, "./set"), (e: LegerError) => {
      assert.equal(
        e.message,
        "Cannot use ./set: web.env points outside the set: leger does not follow links out of a set",
      );
      assert.ok(!e.message.includes("secret.env"));
      return true;
    });
    // A file that is not there at all is left to the validator (ref/missing-file names it).
    await Deno.remove(join(dir, "web.env"));
    assert.deepEqual((await collectSet(dir, "./set")).map((f) => f.name), ["web.container"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
