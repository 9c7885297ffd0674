// The stored copy of a set is swapped atomically and durably, and a missing copy is an error (issue 11, defect 3).
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, repoWith, WEB_SET } from "../../tests/fakes/fake_host_fixtures.ts";
import type { LegerError } from "../core/errors.ts";
import { scopePaths } from "../core/paths.ts";
import type { CollectedFile } from "../source/collect.ts";
import { backup, install } from "../../tests/helpers/ops.ts";
import { recoverPending } from "../ops/recover/recover.ts";
import { loadSetFiles, recoverStore, saveSetFiles, setDir, versionsDir, writeFilesTo } from "./store.ts";

const enc = new TextEncoder();
function files(tag: string, n = 5): CollectedFile[] {
  return Array.from({ length: n }, (_, i) => {
    const text = `# ${tag} file ${i}\n${tag.repeat(200)}\n`;
    return { name: i === 0 ? `sub/f${i}.conf` : `f${i}.container`, text, bytes: enc.encode(text) };
  }).sort((a, b) => a.name.localeCompare(b.name));
}
const names = (fs: CollectedFile[]) => fs.map((f) => `${f.name}=${f.text}`);

async function tempPaths() {
  const root = await Deno.makeTempDir({ prefix: "leger-store-" });
  return { root, paths: scopePaths("user", { HOME: root, LEGER_STATE_DIR: join(root, "state") }) };
}
const yes = () => Promise.resolve(true);
const no = () => Promise.resolve(false);

Deno.test("a set's copy is a link to one complete version; a new version replaces it and the old one goes", async () => {
  const { root, paths } = await tempPaths();
  try {
    await saveSetFiles(paths, "web", files("a"));
    assert.ok((await Deno.lstat(setDir(paths, "web"))).isSymlink);
    assert.deepEqual(names(await loadSetFiles(paths, "web")), names(files("a")));
    await saveSetFiles(paths, "web", files("b", 3));
    assert.deepEqual(names(await loadSetFiles(paths, "web")), names(files("b", 3)));
    const versions = await Array.fromAsync(Deno.readDir(versionsDir(setDir(paths, "web"))));
    assert.equal(versions.length, 1, "old versions are deleted after the commit");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a missing copy is an error that says what to do, never an empty set", async () => {
  const { root, paths } = await tempPaths();
  try {
    await assert.rejects(() => loadSetFiles(paths, "web"), (e: LegerError) => {
      assert.match(e.message, /leger's copy of the files of web is missing/);
      assert.match(e.hint ?? "", /leger restore web/);
      return true;
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a backup of a set whose copy went missing is refused instead of saving no files", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    // The link and every version gone (a copy lost by hand or by a disk): nothing to put back.
    await Deno.remove(setDir(b.engine.paths, "web"));
    await Deno.remove(versionsDir(setDir(b.engine.paths, "web")), { recursive: true });
    await assert.rejects(() => backup(b.engine, "web"), /leger's copy of the files of web is missing/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("every state a kill can leave is read as the old or the new version and tidied by the next run", async () => {
  const { root, paths } = await tempPaths();
  try {
    const dir = setDir(paths, "web");
    const versions = versionsDir(dir);
    await saveSetFiles(paths, "web", files("old"));
    const [oldId] = (await Array.fromAsync(Deno.readDir(versions))).map((e) => e.name);
    // Killed while writing the new version, after completing it, and between making the link and renaming it.
    await Deno.mkdir(join(versions, "99999999999999-aaaaaaaa.tmp/sub"), { recursive: true });
    await Deno.writeTextFile(join(versions, "99999999999999-aaaaaaaa.tmp/sub/f0.conf"), "half");
    await Deno.mkdir(join(versions, "99999999999999-bbbbbbbb"));
    await Deno.writeTextFile(join(versions, "99999999999999-bbbbbbbb/x.container"), "uncommitted");
    await Deno.symlink(".web.versions/99999999999999-bbbbbbbb", join(paths.stateDir, "sets", ".web.link-cccccccc"));
    assert.deepEqual(names(await loadSetFiles(paths, "web")), names(files("old")), "readers see the old version");
    assert.deepEqual(await recoverStore(paths, yes), []);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(versions))).map((e) => e.name), [oldId]);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(join(paths.stateDir, "sets")))).map((e) => e.name).sort(),
      [".web.versions", "web"],
    );

    // A fresh install killed before its commit: no link, no manifest: the version goes.
    await Deno.mkdir(join(paths.stateDir, "sets", ".db.versions", "00000000000001-dddddddd"), { recursive: true });
    await recoverStore(paths, no);
    await assert.rejects(() => Deno.lstat(join(paths.stateDir, "sets", ".db.versions")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an old-layout folder is converted; a kill in the middle of it is put right by the next run", async () => {
  const { root, paths } = await tempPaths();
  try {
    const dir = setDir(paths, "web");
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "web.container"), "legacy");
    assert.deepEqual(names(await loadSetFiles(paths, "web")), ["web.container=legacy"]);
    await saveSetFiles(paths, "web", files("new"));
    assert.ok((await Deno.lstat(dir)).isSymlink);
    assert.deepEqual(names(await loadSetFiles(paths, "web")), names(files("new")));

    // Killed after moving the old folder aside and before the link: the next run puts the copy back.
    const versions = versionsDir(dir);
    const [id] = (await Array.fromAsync(Deno.readDir(versions))).map((e) => e.name);
    await Deno.remove(dir);
    await Deno.rename(join(versions, id!), join(versions, "00000000000000-legacy-eeeeeeee"));
    await assert.rejects(() => loadSetFiles(paths, "web"), /missing/);
    assert.deepEqual(await recoverStore(paths, yes), ["leger's copy of the files of web was put back in place"]);
    assert.deepEqual(names(await loadSetFiles(paths, "web")), names(files("new")));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("recoverPending tidies the store under the lock before an operation", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    const versions = versionsDir(setDir(b.engine.paths, "web"));
    await Deno.mkdir(join(versions, "99999999999999-ffffffff.tmp"));
    await recoverPending(b.engine);
    assert.equal((await Array.fromAsync(Deno.readDir(versions))).length, 1);
  } finally {
    await b.cleanup();
  }
});

const WRITER = `
import { writeFilesTo } from ${JSON.stringify(new URL("./store.ts", import.meta.url).href)};
const [dir, mode] = Deno.args;
const enc = new TextEncoder();
const set = (tag, n) => Array.from({ length: n }, (_, i) => {
  const text = "# " + tag + " file " + i + "\\n" + tag.repeat(200) + "\\n";
  return { name: i === 0 ? "sub/f" + i + ".conf" : "f" + i + ".container", text, bytes: enc.encode(text) };
});
console.log("ready");
for (let i = 0; mode === "forever" || i < Number(mode); i++) await writeFilesTo(dir, i % 2 ? set("b", 3) : set("a", 5));
`;

async function writer(root: string, dir: string, mode: string): Promise<Deno.ChildProcess> {
  const script = join(root, "writer.mjs");
  await Deno.writeTextFile(script, WRITER);
  const child = new Deno.Command(Deno.execPath(), {
    // The project's import map: store.ts reaches npm packages (zod) through the set loader.
    args: [
      "run",
      "-A",
      "--no-check",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      script,
      dir,
      mode,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read(); // "ready"
  reader.releaseLock();
  return child;
}

Deno.test("readers never see a gap or a mix while a version is swapped in", async () => {
  const { root, paths } = await tempPaths();
  try {
    const dir = setDir(paths, "web");
    await writeFilesTo(dir, files("a"));
    const child = await writer(root, dir, "300");
    const good = [names(files("a")).join("|"), names(files("b", 3)).join("|")];
    let reads = 0;
    const done = child.status;
    let finished = false;
    done.then(() => finished = true);
    try {
      while (!finished) {
        const seen = names(await loadSetFiles(paths, "web")).join("|");
        assert.ok(good.includes(seen), `read a mix or a gap: ${seen.slice(0, 200)}`);
        reads++;
      }
    } finally {
      if (!finished) child.kill("SIGKILL");
    }
    assert.equal((await done).code, 0);
    assert.ok(reads > 10, `${reads} reads`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a writer killed (SIGKILL) at any moment leaves the old or the new version, tidied by the next run", async () => {
  const { root, paths } = await tempPaths();
  try {
    const dir = setDir(paths, "web");
    await writeFilesTo(dir, files("a"));
    const good = [names(files("a")).join("|"), names(files("b", 3)).join("|")];
    for (let round = 0; round < 8; round++) {
      const child = await writer(root, dir, "forever");
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 150)));
      child.kill("SIGKILL");
      await child.status;
      await recoverStore(paths, yes);
      const seen = names(await loadSetFiles(paths, "web")).join("|");
      assert.ok(good.includes(seen), `round ${round}: ${seen.slice(0, 200)}`);
      const left = (await Array.fromAsync(Deno.readDir(versionsDir(dir)))).map((e) => e.name);
      assert.equal(left.length, 1, `round ${round}: ${left}`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
