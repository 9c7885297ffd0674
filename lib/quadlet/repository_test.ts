import assert from "node:assert/strict";
import { join } from "node:path";
import { flatten, formatRepositoryText } from "./repository.ts";
import { findSetFolders, holdsUnits, validateRepositoryAt } from "../source/validate_path.ts";

const UNIT = "[Container]\nImage=docker.io/library/nginx:1.27\n";

Deno.test("a repository's sets are found, validated alone, and may use each other's units", async () => {
  const root = await Deno.makeTempDir();
  const write = async (name: string, text: string) => {
    await Deno.mkdir(join(root, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, name), text);
  };
  await write("README.md", "catalogue\n");
  await write("apps/web/web.container", UNIT + "Network=shared.network\nPublishPort=8080:80\n");
  await write("apps/blog/blog.container", UNIT + "PublishPort=8080:80\nImag=x\n");
  await write("infra/net/shared.network", "[Network]\n");
  await write("infra/net/docs/notes.container", UNIT); // inside a set: not a set of its own
  await write("\x1b[2Jevil/x.container", UNIT);
  await write(".github/ci/ci.container", UNIT);
  assert.equal(await holdsUnits(root), false);
  assert.deepEqual(await findSetFolders(root), ["\x1b[2Jevil", "apps/blog", "apps/web", "infra/net"]);
  const result = await validateRepositoryAt(root, await findSetFolders(root), { rootless: true, podmanVersion: "5.8" });
  const by = (p: string) => result.sets.find((s) => s.path === p)!.report;
  assert.deepEqual(by("apps/web").diagnostics.map((d) => d.code), ["ref/other-set"]);
  assert.match(by("apps/web").diagnostics[0]!.message, /comes from the set net of this repository/);
  // The two sets publish the same port, but they are a catalogue: no conflict between them.
  assert.deepEqual(by("apps/blog").diagnostics.map((d) => d.code), ["key/unknown"]);
  assert.equal(result.ok, false);
  assert.equal(result.errors, 1);
  const text = formatRepositoryText(result);
  assert.match(text, /^apps\/blog: INVALID, 1 error, 0 warnings$/m);
  assert.match(text, /^ {2}blog\.container:4:1: error key\/unknown/m);
  assert.match(text, /^"\\u001b\[2Jevil": ok$/m);
  assert.ok(!text.includes("\x1b"), "folder names are escaped");
  assert.match(text, /4 sets: 3 ok, 1 invalid; 1 errors, 1 warnings$/); // infra/net: its docs/ subfolder holds a unit
  assert.deepEqual(flatten(result).diagnostics.map((d) => d.file), [
    "apps/blog/blog.container",
    "apps/web/web.container",
    "infra/net/docs/notes.container",
  ]);
  await Deno.remove(root, { recursive: true });
});
