import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell, type FakeCall } from "../host/shell.ts";
import { makeRepo } from "../../tests/helpers/git_repo.ts";
import { newestTag } from "../gitops/tags.ts";
import { createFetcher } from "./fetch.ts";
import { parseSource } from "./spec.ts";

// The review's strings: each ran `touch` through git's --upload-pack on main.
const FRAGMENT = "--upload-pack=touch pwned;git-upload-pack";
const TAG = "--upload-pack=touch${IFS}pwned;git-upload-pack;v9.9.9";

async function fixture() {
  const root = await Deno.makeTempDir({ prefix: "leger-hostile-ref-" });
  const repo = join(root, "repo");
  await makeRepo(repo, [{ message: "v1", files: { "web/web.container": "[Container]\nImage=a\n" }, tag: "v1.0.0" }]);
  // git tag refuses such a name; update-ref does not, and a remote advertises it like any tag.
  const r = await new Deno.Command("git", { args: ["update-ref", `refs/tags/${TAG}`, "HEAD"], cwd: repo }).output();
  assert.ok(r.success);
  return { root, repo, url: `file://${repo}` };
}

/** Every file named "pwned" under `dir` (git ran the command in the cache or the remote). */
async function pwned(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.name === "pwned") found.push(join(d, e.name));
      if (e.isDirectory) await walk(join(d, e.name));
    }
  };
  await walk(dir);
  return found;
}

Deno.test("a ref that git would take for an option never runs: #REF, --ref, a tree URL", async () => {
  const { root, url } = await fixture();
  const fetcher = createFetcher({ $: createShell({ cwd: root }), cacheDir: join(root, "cache") });
  assert.throws(() => parseSource(`${url}#${FRAGMENT}:web`), /starts with '-'/);
  await assert.rejects(fetcher.fetch(parseSource(`${url}#main:web`), FRAGMENT), /\(--ref\).*starts with '-'/);
  const spec = parseSource(url);
  assert.ok(spec.kind === "git");
  await assert.rejects(fetcher.fetch({ ...spec, refAndPath: `${FRAGMENT}/web` }), /tree URL.*starts with '-'/);
  await assert.rejects(fetcher.readFile(spec, "leger-hosts.yaml", FRAGMENT), /starts with '-'/);
  assert.deepEqual(await pwned(root), []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a tag named like an option is never offered, so the newest-tag choice cannot pick it", async () => {
  const { root, url } = await fixture();
  const fetcher = createFetcher({ $: createShell({ cwd: root }), cacheDir: join(root, "cache") });
  const spec = parseSource(`${url}#main:web`);
  const tags = await fetcher.remoteTags(spec);
  assert.deepEqual(tags, ["v1.0.0"]);
  assert.equal(newestTag("*", tags), "v1.0.0");
  assert.equal(await fetcher.remoteCommit(spec, TAG), undefined);
  const set = await fetcher.fetch(spec, newestTag("*", tags));
  assert.equal(set.source.ref, "v1.0.0");
  assert.deepEqual(await pwned(root), []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("every git call puts its repository and refs after -- or --end-of-options, and allows only leger's transports", async () => {
  const calls: FakeCall[] = [];
  const sha = "0123456789abcdef0123456789abcdef01234567";
  const root = await Deno.makeTempDir({ prefix: "leger-git-argv-" });
  const $ = createShell({
    fakes: {
      git: (call) => {
        calls.push(call);
        const [cmd] = call.args;
        if (cmd === "init") Deno.mkdirSync(call.args.at(-1)!, { recursive: true });
        if (cmd === "init") Deno.writeTextFileSync(join(call.args.at(-1)!, "HEAD"), "ref: refs/heads/main\n");
        if (cmd === "ls-remote") return { stdout: `${sha}\tHEAD\n${sha}\trefs/heads/main\n` };
        if (cmd === "rev-parse") return { stdout: sha + "\n" };
        if (cmd === "cat-file") return { stdout: "tree\n" };
        return {};
      },
    },
  });
  const fetcher = createFetcher({ $, cacheDir: join(root, "cache") });
  await fetcher.remoteTags(parseSource("https://example.org/r.git"));
  await fetcher.readFile(parseSource("https://example.org/r.git#main:web"), "x").catch(() => {});
  const byCmd = (c: string) => calls.find((call) => call.args[0] === c)!.args;
  assert.deepEqual(byCmd("ls-remote").slice(0, 3), ["ls-remote", "--", "https://example.org/r.git"]);
  assert.deepEqual(byCmd("fetch").slice(-3), ["--", "origin", "main"]);
  assert.ok(byCmd("config").includes("--end-of-options"));
  for (const c of ["init", "rev-parse", "update-ref", "cat-file"]) {
    assert.ok(byCmd(c).includes("--end-of-options"), c);
  }
  for (const call of calls) assert.equal(call.env.GIT_ALLOW_PROTOCOL, "https:http:ssh:git:file");
  await Deno.remove(root, { recursive: true });
});

Deno.test("a repository URL that starts with '-' is refused before git runs", () => {
  assert.throws(() => parseSource("-oProxyCommand@host:repo"), /may not start with '-'/);
  assert.throws(() => parseSource("https://host/r.git\n#main"), /control characters/);
});
