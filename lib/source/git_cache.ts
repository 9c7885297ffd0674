/**
 * The git cache the fetcher works in: one bare repository per URL under
 * `<cacheDir>/git`, what git's refusals mean, and reading a commit's tree
 * and blobs out of it. The fetcher (fetch.ts) decides what to fetch and
 * when; this module knows how git keeps and answers it.
 *
 * @module
 */
import { join } from "node:path";
import { LegerError, NotFoundError } from "../core/errors.ts";
import { ensurePrivateDir, sha256 } from "../core/fs.ts";
import { run, type RunResult, type Shell } from "../host/shell.ts";
import type { SignedObject } from "./signed_object.ts";

/**
 * The transports leger hands to git (`GIT_ALLOW_PROTOCOL`): those a source
 * may name (decision 14). Anything else a remote, a submodule or a URL
 * rewrite could bring in (`ext::`, `fd::`, ...) is refused by git itself.
 */
export const GIT_PROTOCOLS = "https:http:ssh:git:file";

/** The environment of every git leger runs: no prompt, stable messages, only leger's transports. */
export const GIT_ENV: Record<string, string> = {
  GIT_TERMINAL_PROMPT: "0",
  LC_ALL: "C",
  GIT_ALLOW_PROTOCOL: GIT_PROTOCOLS,
};

/** Runs git with leger's environment (GIT_ENV) plus `env`, in `cwd`. */
export type Git = (args: string[], cwd?: string, env?: Record<string, string>) => Promise<RunResult>;

/** What git's stderr says went wrong with a remote, as an error that says what to check. */
export function gitError(stderr: string, url: string, ref: string): LegerError {
  const text = stderr.trim();
  if (/couldn't find remote ref|not our ref|unadvertised object|invalid refspec/i.test(text)) {
    return new NotFoundError(
      `Cannot fetch ${url}: the ref "${ref}" does not exist there`,
      "Check the branch, tag or commit name (git ls-remote shows what exists).",
    );
  }
  if (
    /not found|does not exist|does not appear to be a git repository|Could not read from remote|repository .* not found|returned error: 404/i
      .test(text)
  ) {
    return new NotFoundError(
      `Cannot fetch ${url}: no repository there (${text.split("\n").pop()})`,
      "Check the URL, and that your git credentials can read it.",
    );
  }
  return new LegerError(`Cannot fetch ${url}: git failed: ${text.split("\n").slice(-3).join(" ")}`, {
    hint: "Run the same git command by hand to see more; check network and credentials.",
  });
}

/**
 * The cache's bare repository for `url`, made on first use (private,
 * a promisor of its remote without blobs), atomically: two runs making it
 * at once both end up with the one repository.
 */
export async function cacheRepo(git: Git, cacheDir: string, url: string): Promise<string> {
  const dir = join(cacheDir, "git", (await sha256(url)).slice(0, 16) + ".git");
  try {
    await Deno.stat(join(dir, "HEAD"));
  } catch {
    await ensurePrivateDir(join(cacheDir, "git"));
    const tmp = `${dir}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    // --shared=0600: git's own files private whatever the umask (the folder is 0700 too).
    const init = await git(["init", "-q", "--bare", "--shared=0600", "--end-of-options", tmp]);
    if (init.code !== 0) throw new LegerError(`Cannot create the git cache in ${dir}: ${init.stderr.trim()}`);
    await git(["config", "--end-of-options", "remote.origin.url", url], tmp);
    await git(["config", "remote.origin.promisor", "true"], tmp);
    await git(["config", "remote.origin.partialclonefilter", "blob:none"], tmp);
    await Deno.rename(tmp, dir).catch(async (e) => {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      if (!(e instanceof Deno.errors.AlreadyExists) && !(await Deno.stat(dir).catch(() => undefined))) throw e;
    });
  }
  return dir;
}

/**
 * Whether FETCH_HEAD came from a tag (its line says `tag 'NAME' of URL`)
 * and, for an annotated tag, the tag object's id.
 */
export async function fetchedTag(repo: string, commit: string): Promise<SignedObject["tag"]> {
  const head = await Deno.readTextFile(join(repo, "FETCH_HEAD")).catch(() => "");
  const line = head.split("\n")[0] ?? "";
  const name = /^[0-9a-f]{40,64}\t[^\t]*\ttag '(.+)' of /.exec(line)?.[1];
  if (name === undefined) return undefined;
  const object = line.slice(0, line.indexOf("\t"));
  return object === commit ? { name } : { name, object };
}

/** The commits this cache fetched before (refs/leger/*): present without asking the promisor remote. */
export async function cachedCommits(git: Git, repo: string): Promise<Set<string>> {
  const r = await git(["for-each-ref", "--format=%(objectname)", "refs/leger/"], repo);
  return new Set(r.code === 0 ? r.stdout.split("\n").filter(Boolean) : []);
}

/** Refuses a source whose folder is not a tree at the commit; returns the tree-ish `COMMIT:FOLDER`. */
export async function folderAt(
  git: Git,
  repo: string,
  at: { input: string; ref: string; commit: string; subpath: string },
): Promise<string> {
  const treeish = `${at.commit}:${at.subpath}`; // "COMMIT:" is the commit's top folder (the commit itself is no tree)
  const kind = await git(["cat-file", "-t", "--end-of-options", treeish], repo);
  if (kind.code !== 0 || kind.stdout.trim() !== "tree") {
    throw new NotFoundError(
      `Cannot use ${at.input}: there is no folder "${at.subpath}" at ${at.ref || "HEAD"} (${at.commit.slice(0, 12)})`,
      "Check the folder part of the source.",
    );
  }
  return treeish;
}

/** Every path below a tree-ish (names only: trees are always in the cache), and which of them are links. */
export async function listTree(
  git: Git,
  repo: string,
  treeish: string,
  input: string,
): Promise<{ paths: string[]; links: string[] }> {
  const names = await git(["ls-tree", "-r", "-z", "--end-of-options", treeish], repo);
  if (names.code !== 0) throw new LegerError(`Cannot list ${input}: ${names.stderr.trim()}`);
  const paths: string[] = [];
  const links: string[] = [];
  for (const record of names.stdout.split("\0")) {
    // "<mode> <type> <object>\t<path>"; 120000 is a symbolic link (its text is where it points).
    const tab = record.indexOf("\t");
    if (tab < 0) continue;
    paths.push(record.slice(tab + 1));
    if (record.startsWith("120000 ")) links.push(record.slice(tab + 1));
  }
  return { paths, links };
}

/**
 * The text of each object (`COMMIT:PATH`) that is a blob of at most
 * `maxBytes`: sizes are asked first, in one batch (fetching from the
 * promisor remote with `env`'s credential), so a large file is never read.
 */
export async function readBlobs(
  git: Git,
  $: Shell,
  repo: string,
  objects: Map<string, string>, // path -> object name
  maxBytes: number,
  remote: { url: string; ref: string; env: Record<string, string> },
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  if (objects.size === 0) return files;
  const sizes = await run($, ["git", "cat-file", "--batch-check=%(objecttype) %(objectsize)"], {
    cwd: repo,
    env: { ...GIT_ENV, ...remote.env },
    stdin: [...objects.values()].join("\n") + "\n",
  });
  if (sizes.code !== 0) throw gitError(sizes.stderr, remote.url, remote.ref || "HEAD");
  const lines = sizes.stdout.split("\n");
  for (const [i, [path, object]] of [...objects].entries()) {
    const [type, size] = (lines[i] ?? "").split(" ");
    if (type !== "blob" || Number(size) > maxBytes) continue;
    const blob = await git(["cat-file", "blob", "--end-of-options", object], repo);
    if (blob.code === 0) files.set(path, blob.stdout);
  }
  return files;
}
