import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell } from "../host/shell.ts";
import { git, makeRepo } from "../../tests/helpers/git_repo.ts";
import { LegerError } from "../core/errors.ts";
import { createFetcher } from "./fetch.ts";
import { parseSource } from "./spec.ts";
import { EXTRACT_LIMITS } from "./tree_limits.ts";

const WEB = "[Container]\nImage=localhost/leger-test:v1\n";

/** A repository with apps/web, then `extra` applied to it in a second commit. */
async function hostileRepo(extra: (repo: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "leger-limits-test-" });
  const repo = join(root, "repo");
  await makeRepo(repo, [{ message: "v1", files: { "apps/web/web.container": WEB } }]);
  await extra(repo);
  return { root, url: `file://${repo}` };
}

/** Fetches and returns the error, counting the extraction folders made meanwhile. */
async function refusal(root: string, url: string): Promise<{ error: LegerError; extractions: number }> {
  let extractions = 0;
  const d = Deno as unknown as Record<string, unknown>;
  const makeTempDir = Deno.makeTempDir;
  d.makeTempDir = (options?: Deno.MakeTempOptions) => {
    if (options?.prefix === "leger-src-") extractions++;
    return makeTempDir(options);
  };
  try {
    const fetcher = createFetcher({ $: createShell(), cacheDir: join(root, "cache") });
    const error = await fetcher.fetch(parseSource(`${url}#main:apps/web`)).then(() => undefined, (e) => e);
    assert.ok(error instanceof LegerError, `expected a refusal, got ${error}`);
    return { error, extractions };
  } finally {
    d.makeTempDir = makeTempDir;
  }
}

Deno.test("a folder with more entries than leger extracts is refused before anything is extracted", async () => {
  const { root, url } = await hostileRepo(async (repo) => {
    // The same small file under 20,001 names: cheap for git, and the loader would never read that folder.
    const oid = await git(repo, "hash-object", "-w", "apps/web/web.container");
    const lines = Array.from({ length: EXTRACT_LIMITS.entries + 1 }, (_, i) => `100644 ${oid}\tapps/web/junk/f${i}\n`);
    const p = new Deno.Command("git", { args: ["-C", repo, "update-index", "--index-info"], stdin: "piped" }).spawn();
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(lines.join("")));
    await w.close();
    assert.equal((await p.status).code, 0);
    await git(repo, "commit", "-qm", "many files");
  });
  try {
    const { error, extractions } = await refusal(root, url);
    assert.equal(error.exitCode, 3);
    assert.match(error.message, /holds 20003 entries, more than the 20000 extracted from a repository/);
    assert.equal(extractions, 0, "nothing was extracted");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a file larger than leger extracts is refused by name before anything is extracted", async () => {
  const { root, url } = await hostileRepo(async (repo) => {
    const big = await Deno.open(join(repo, "apps/web/big.bin"), { write: true, create: true });
    await big.truncate(EXTRACT_LIMITS.fileBytes + 1);
    big.close();
    await git(repo, "add", "-A");
    await git(repo, "commit", "-qm", "a big file");
  });
  try {
    const { error, extractions } = await refusal(root, url);
    assert.equal(error.exitCode, 3);
    assert.match(error.message, new RegExp(`big\\.bin is ${EXTRACT_LIMITS.fileBytes + 1} bytes, more than the`));
    assert.match(error.hint ?? "", /Keep large files out/);
    assert.equal(extractions, 0, "nothing was extracted");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
