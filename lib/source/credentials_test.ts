import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell } from "../host/shell.ts";
import { makeRepo } from "../../tests/helpers/git_repo.ts";
import { serveGit } from "../../tests/host/git_http_server.ts";
import { credentialsDir, loadCredential, removeCredential, saveCredential } from "./credentials.ts";
import { createFetcher } from "./fetch.ts";
import { parseSource } from "./spec.ts";
import type { LegerError } from "../core/errors.ts";

const TOKEN = "glpat-S3cr3tT0k3n";

/** A forge that wants `user:TOKEN`, serving one repository with a set in web/. */
async function forge() {
  const root = await Deno.makeTempDir({ prefix: "leger-cred-" });
  await makeRepo(join(root, "work"), [{ message: "v1", files: { "web/web.container": "[Container]\nImage=a\n" } }]);
  const clone = await new Deno.Command("git", {
    args: ["clone", "-q", "--bare", join(root, "work"), join(root, "srv/web.git")],
  }).output();
  assert.ok(clone.success);
  const server = serveGit({ root: join(root, "srv"), port: 0, auth: `user:${TOKEN}` });
  const port = (server.addr as Deno.NetAddr).port;
  return {
    root,
    base: `http://127.0.0.1:${port}/web.git`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** Every file under `dir` whose bytes hold the token. */
async function holding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && new TextDecoder().decode(await Deno.readFile(p)).includes(needle)) found.push(p);
    }
  };
  await walk(dir);
  return found;
}

Deno.test("a token in a source URL reaches git by a credential helper and nowhere else", async () => {
  await using f = await forge();
  const cache = join(f.root, "cache");
  const fetcher = createFetcher({ $: createShell(), cacheDir: cache });
  const spec = parseSource(f.base.replace("://", `://user:${TOKEN}@`) + "#main:web");
  assert.ok(spec.kind === "git");
  assert.equal(spec.url, f.base);
  assert.ok(!spec.input.includes(TOKEN));
  const set = await fetcher.fetch(spec);
  assert.deepEqual(set.files.map((x) => x.name), ["web.container"]);
  assert.deepEqual(set.credential, { username: "user", password: TOKEN });
  assert.ok(!JSON.stringify(set.source).includes(TOKEN));
  assert.deepEqual(await holding(cache, TOKEN), []);
  // An error names the URL without the token.
  await assert.rejects(
    fetcher.fetch(parseSource(f.base.replace("://", `://user:${TOKEN}@`) + "#nope:web")),
    (e: LegerError) => {
      assert.match(e.message, /the ref "nope" does not exist/);
      assert.ok(!`${e.message} ${e.hint}`.includes(TOKEN));
      return true;
    },
  );
});

Deno.test("the git cache and leger's credential store are private whatever the umask", async () => {
  await using f = await forge();
  const cache = join(f.root, "cache");
  const store = credentialsDir(join(f.root, "state"));
  Deno.umask(0o000);
  try {
    const fetcher = createFetcher({ $: createShell(), cacheDir: cache });
    await fetcher.fetch(parseSource(f.base.replace("://", `://user:${TOKEN}@`) + "#main:web"));
    await saveCredential(store, f.base, { username: "user", password: TOKEN });
  } finally {
    Deno.umask(0o022);
  }
  const loose: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      const mode = (await Deno.lstat(p)).mode! & 0o777;
      if (e.isDirectory) {
        if (mode !== 0o700) loose.push(`${p} ${mode.toString(8)}`);
        await walk(p);
      } else if (e.isFile && e.name !== "FETCH_HEAD" && (mode & 0o077) !== 0) loose.push(`${p} ${mode.toString(8)}`);
    }
  };
  await walk(join(cache, "git"));
  await walk(store);
  assert.deepEqual(loose, []);
  assert.equal((await Deno.stat(join(cache, "git"))).mode! & 0o777, 0o700);
});

Deno.test("a URL without user info uses the credential leger kept for it, and fails without one", async () => {
  await using f = await forge();
  const store = credentialsDir(join(f.root, "state"));
  const plain = parseSource(`${f.base}#main:web`);
  const without = createFetcher({ $: createShell(), cacheDir: join(f.root, "cache1"), credentialsDir: store });
  await assert.rejects(without.fetch(plain), /Cannot fetch/);
  await saveCredential(store, f.base, { username: "user", password: TOKEN });
  assert.deepEqual(await loadCredential(store, f.base), { username: "user", password: TOKEN });
  const withStore = createFetcher({ $: createShell(), cacheDir: join(f.root, "cache2"), credentialsDir: store });
  assert.equal((await withStore.fetch(plain)).files.length, 1);
  await removeCredential(store, f.base);
  assert.equal(await loadCredential(store, f.base), undefined);
});
