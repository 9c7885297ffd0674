/**
 * Test helper: builds real Git repositories with the host's git.
 *
 * @module
 */
import { dirname, join } from "node:path";

/** One commit of a fixture repository. */
export interface FixtureCommit {
  /** Commit message. */
  message: string;
  /** Files to write (string) or delete (null), relative to the repository. */
  files: Record<string, string | null>;
  /** Tag to put on the commit. */
  tag?: string;
  /** Branch to commit on (created from the current HEAD when new). */
  branch?: string;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args,
    cwd,
    env: {
      GIT_AUTHOR_NAME: "Test",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "Test",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).trim();
}

/** Creates a work repository at `dir` with the commits; returns their ids. */
export async function makeRepo(dir: string, commits: FixtureCommit[]): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  await git(dir, "init", "-q", "-b", "main");
  const ids: string[] = [];
  for (const c of commits) {
    if (c.branch) {
      const exists = await git(dir, "branch", "--list", c.branch);
      await git(dir, "checkout", "-q", ...(exists ? [] : ["-b"]), c.branch);
    }
    for (const [path, content] of Object.entries(c.files)) {
      const abs = join(dir, path);
      if (content === null) await Deno.remove(abs, { recursive: true });
      else {
        await Deno.mkdir(dirname(abs), { recursive: true });
        await Deno.writeTextFile(abs, content);
      }
    }
    await git(dir, "add", "-A");
    await git(dir, "commit", "-q", "--allow-empty", "-m", c.message);
    ids.push(await git(dir, "rev-parse", "HEAD"));
    if (c.tag) await git(dir, "tag", c.tag);
  }
  await git(dir, "checkout", "-q", "main");
  return ids;
}

/** Runs git in a repository (for tests that change it later). */
export { git };
