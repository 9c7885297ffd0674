/**
 * Test git repositories made inside a booted test host, served by
 * `Host.startGitServer` at `http://127.0.0.1:<port>/<name>.git`.
 *
 * Commits have fixed authors and dates, so the same steps give the same
 * commit ids in every run.
 *
 * @example
 * ```ts
 * const repo = await createRepo(host, "web", [
 *   { message: "first", files: { "web.container": "[Container]\n" }, tag: "v1.0.0" },
 *   { message: "release", files: { "README.md": "hi\n" }, branch: "release/1.0" },
 * ]);
 * const { url } = await host.startGitServer();
 * await host.exec(["git", "clone", `${url}/web.git`, "/tmp/web"], { check: true });
 * ```
 *
 * @module
 */

import type { Host } from "./guest.ts";

/** One commit to make. */
export interface FixtureCommit {
  /** Commit message. */
  message: string;
  /** Files to write (text) or delete (`null`), relative to the repo root. */
  files: Record<string, string | null>;
  /** Tag this commit (lightweight, or annotated when `tagMessage` is set). */
  tag?: string;
  /** Message of an annotated tag. */
  tagMessage?: string;
  /**
   * Branch to commit on (default `main`). A new branch starts from the
   * commit made just before.
   */
  branch?: string;
}

/** A repository made by {@linkcode createRepo}. */
export interface FixtureRepo {
  /** Name; the bare repository is `<root>/<name>.git`. */
  name: string;
  /** Path of the bare repository inside the guest. */
  bare: string;
  /** Path of the working copy the commits are made in. */
  work: string;
  /** Commit ids, in the order of the commits given. */
  commits: string[];
}

/** Where bare repositories are kept (the git server's default root). */
export const GIT_ROOT = "/srv/git";
const WORK_ROOT = "/srv/git-work";
const EPOCH = 1_700_000_000;

/**
 * Creates (or replaces) the bare repository `/srv/git/<name>.git` inside
 * the guest with the given commits, branches and tags. Runs as root.
 */
export async function createRepo(
  host: Host,
  name: string,
  commits: FixtureCommit[],
  opts: { root?: string } = {},
): Promise<FixtureRepo> {
  const root = opts.root ?? GIT_ROOT;
  const repo: FixtureRepo = {
    name,
    bare: `${root}/${name}.git`,
    work: `${WORK_ROOT}/${name}`,
    commits: [],
  };
  await host.exec([
    "sh",
    "-c",
    'set -e; rm -rf "$1" "$2"; mkdir -p "$(dirname "$1")" "$(dirname "$2")"; ' +
    'git init -q -b main "$1"; git init -q --bare -b main "$2"',
    "sh",
    repo.work,
    repo.bare,
  ], { check: true });
  await addCommits(host, repo, commits);
  return repo;
}

/**
 * Adds commits to a repository made by {@linkcode createRepo} and pushes
 * them (all branches and tags) to its bare repository. Appends the new
 * commit ids to `repo.commits` and returns them.
 */
export async function addCommits(
  host: Host,
  repo: FixtureRepo,
  commits: FixtureCommit[],
): Promise<string[]> {
  const added: string[] = [];
  for (const commit of commits) {
    const when = `@${EPOCH + 60 * repo.commits.length} +0000`;
    const env = {
      GIT_AUTHOR_NAME: "Leger Test",
      GIT_AUTHOR_EMAIL: "test@leger.invalid",
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_NAME: "Leger Test",
      GIT_COMMITTER_EMAIL: "test@leger.invalid",
      GIT_COMMITTER_DATE: when,
    };
    await host.exec(
      ["sh", "-c", SWITCH_BRANCH, "sh", commit.branch ?? "main"],
      {
        cwd: repo.work,
        check: true,
      },
    );
    for (const [path, content] of Object.entries(commit.files)) {
      if (content === null) {
        await host.exec(["git", "rm", "-q", "-r", "--", path], {
          cwd: repo.work,
          check: true,
        });
      } else await host.writeFile(`${repo.work}/${path}`, content);
    }
    await host.exec(["git", "add", "-A"], { cwd: repo.work, check: true });
    await host.exec(
      ["git", "commit", "-q", "--allow-empty", "-m", commit.message],
      { cwd: repo.work, env, check: true },
    );
    const id = (await host.exec(["git", "rev-parse", "HEAD"], {
      cwd: repo.work,
      check: true,
    })).stdout.trim();
    if (commit.tag) {
      const tagArgs = commit.tagMessage === undefined ? [commit.tag] : ["-a", "-m", commit.tagMessage, commit.tag];
      await host.exec(["git", "tag", ...tagArgs], {
        cwd: repo.work,
        env,
        check: true,
      });
    }
    repo.commits.push(id);
    added.push(id);
  }
  await host.exec(["git", "push", "-q", "--mirror", repo.bare], {
    cwd: repo.work,
    check: true,
  });
  return added;
}

// $1: branch to commit on; a new one starts from the current HEAD, and on
// an empty repository HEAD is simply pointed at it.
const SWITCH_BRANCH = `set -e
[ "$(git symbolic-ref --short HEAD)" = "$1" ] && exit 0
if git rev-parse -q --verify "refs/heads/$1" >/dev/null; then git checkout -q "$1"
elif git rev-parse -q --verify HEAD >/dev/null; then git checkout -q -b "$1"
else git symbolic-ref HEAD "refs/heads/$1"; fi`;
