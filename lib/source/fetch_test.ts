import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell } from "../host/shell.ts";
import { makeRepo } from "../../tests/helpers/git_repo.ts";
import { createFetcher } from "./fetch.ts";
import { parseSource } from "./spec.ts";
import type { LegerError } from "../core/errors.ts";

const web = (v: string) => `[Container]\nImage=localhost/leger-test:${v}\nPublishPort=8080:8080\n`;

async function fixture() {
  const root = await Deno.makeTempDir({ prefix: "leger-fetch-test-" });
  const repo = join(root, "repo");
  const ids = await makeRepo(repo, [
    {
      message: "v1",
      files: {
        "apps/web/web.container": web("v1"),
        "apps/web/README.md": "hi",
        "apps/web/.leger.yaml": "version: 1\n",
      },
      tag: "v1",
    },
    { message: "v2", files: { "apps/web/web.container": web("v2") } },
    { message: "rel", branch: "release/1.0", files: { "apps/web/web.container": web("rel") } },
  ]);
  return { root, repo, ids, url: `file://${repo}` };
}

Deno.test("fetches a subfolder at a ref and takes only the set's files", async () => {
  const { root, url, ids } = await fixture();
  const fetcher = createFetcher({ $: createShell(), cacheDir: join(root, "cache") });
  const set = await fetcher.fetch(parseSource(`${url}#v1:apps/web`));
  assert.equal(set.source.commit, ids[0]);
  assert.deepEqual(set.files.map((f) => f.name), [".leger.yaml", "web.container"]);
  assert.match(set.files[1]!.text, /leger-test:v1/);
  const head = await fetcher.fetch(parseSource(`${url}#main:apps/web`));
  assert.equal(head.source.commit, ids[1]);
  assert.equal(fetcher.stats.fetches, 2);
  // the same repository and ref again is not fetched twice in one run
  await fetcher.fetch(parseSource(`${url}#main:apps/web`));
  assert.equal(fetcher.stats.fetches, 2);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a tree URL whose branch holds a slash resolves by asking the remote", async () => {
  const { root, url, ids } = await fixture();
  const fetcher = createFetcher({ $: createShell(), cacheDir: join(root, "cache") });
  // Declare the file URL's "host" as a forge is impossible, so parse by hand:
  const spec = parseSource(url);
  assert.equal(spec.kind, "git");
  if (spec.kind !== "git") return;
  const set = await fetcher.fetch({ ...spec, refAndPath: "release/1.0/apps/web" });
  assert.equal(set.source.ref, "release/1.0");
  assert.equal(set.source.subpath, "apps/web");
  assert.equal(set.source.commit, ids[2]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a missing ref, folder or repository is reported with what to check", async () => {
  const { root, url } = await fixture();
  const fetcher = createFetcher({ $: createShell(), cacheDir: join(root, "cache") });
  await assert.rejects(fetcher.fetch(parseSource(`${url}#nope:apps/web`)), (e: LegerError) => {
    assert.match(e.message, /the ref "nope" does not exist/);
    assert.equal(e.exitCode, 5);
    return true;
  });
  await assert.rejects(fetcher.fetch(parseSource(`${url}#main:apps/db`)), /no folder "apps\/db"/);
  await assert.rejects(fetcher.fetch(parseSource(`file://${root}/missing#main`)), /no repository there/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a link that leaves the set is refused", async () => {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(join(root, "set"));
  await Deno.writeTextFile(join(root, "secret.txt"), "x");
  await Deno.writeTextFile(join(root, "set/web.container"), "[Container]\nImage=a\nEnvironmentFile=env\n");
  await Deno.symlink(join(root, "secret.txt"), join(root, "set/env"));
  const fetcher = createFetcher({ $: createShell(), cacheDir: join(root, "cache") });
  await assert.rejects(fetcher.fetch(parseSource(join(root, "set"))), /points outside the set/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a set at the top of a repository is fetched (the commit's top folder)", async () => {
  const root = await Deno.makeTempDir({ prefix: "leger-fetch-test-" });
  const repo = join(root, "repo");
  await makeRepo(repo, [{ message: "top", files: { "web.container": web("v1"), "README.md": "hi" } }]);
  const fetcher = createFetcher({ $: createShell(), cacheDir: join(root, "cache") });
  const set = await fetcher.fetch(parseSource(`file://${repo}`));
  assert.deepEqual(set.files.map((f) => f.name), ["web.container"]);
  assert.equal(set.source.subpath, "");
  await Deno.remove(root, { recursive: true });
});
