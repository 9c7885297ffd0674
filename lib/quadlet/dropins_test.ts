import assert from "node:assert/strict";
import { dropinDirsFor, isDropinDir, planDropins } from "./dropins.ts";

Deno.test("drop-in folders are searched most specific first, as podman does", () => {
  assert.deepEqual(dropinDirsFor("foo-bar-baz.container"), [
    "foo-bar-baz.container.d",
    "foo-bar-.container.d",
    "foo-.container.d",
    "container.d",
  ]);
  assert.deepEqual(dropinDirsFor("a-b@x.volume"), [
    "a-b@x.volume.d",
    "a-b@.volume.d",
    "a-@.volume.d",
    "a-.volume.d",
    "volume.d",
  ]);
  assert.deepEqual(dropinDirsFor("sleep@.container"), ["sleep@.container.d", "container.d"]);
});

Deno.test("planDropins merges by name in order; specific files hide general ones", () => {
  const plan = planDropins([
    "app-web.container",
    "container.d/10-a.conf",
    "container.d/30-c.conf",
    "app-.container.d/10-a.conf",
    "app-web.container.d/20-b.conf",
    "app-web.container.d/notes.txt",
    "db.volume.d/10.conf",
    "assets/logo.png",
  ]);
  assert.deepEqual(plan.byUnit.get("app-web.container"), [
    "app-.container.d/10-a.conf",
    "app-web.container.d/20-b.conf",
    "container.d/30-c.conf",
  ]);
  assert.deepEqual(plan.shadowed, [{
    unit: "app-web.container",
    file: "container.d/10-a.conf",
    by: "app-.container.d/10-a.conf",
  }]);
  assert.deepEqual(plan.orphanDirs, ["db.volume.d"]);
  assert.deepEqual(plan.ignored, ["app-web.container.d/notes.txt"]);
});

Deno.test("isDropinDir knows type-level and unit folders only", () => {
  assert.ok(isDropinDir("container.d"));
  assert.ok(isDropinDir("web.pod.d"));
  assert.ok(!isDropinDir("conf.d"));
  assert.ok(!isDropinDir("a/web.container.d"));
});
