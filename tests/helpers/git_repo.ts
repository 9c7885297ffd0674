/**
 * Test helper: builds real Git repositories with the host's git.
 *
 * A repository is written by one `git fast-import` (every commit, branch
 * and tag in one stream) between `git init` and a checkout of main: three
 * git processes, where a git per add, commit, tag and rev-parse made a
 * dozen. The unit tiers build hundreds of these repositories, and starting
 * processes is most of what their tests cost on two cores.
 *
 * @module
 */
import { join } from "node:path";

/** One commit of a fixture repository. */
export interface FixtureCommit {
  /** Commit message. */
  message: string;
  /** Files to write (string) or delete (null, a file or a whole folder), relative to the repository. */
  files: Record<string, string | null>;
  /** Tag to put on the commit. */
  tag?: string;
  /** Branch to commit on (created from the current HEAD when new); later commits stay on it. */
  branch?: string;
}

const IDENTITY = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "t@example.com",
};

async function gitWith(cwd: string, args: string[], stdin?: Uint8Array): Promise<string> {
  const child = new Deno.Command("git", {
    args,
    cwd,
    env: IDENTITY,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  if (!out.success) throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).trim();
}

/** Runs git in a repository (for tests that change it later). */
export function git(cwd: string, ...args: string[]): Promise<string> {
  return gitWith(cwd, args);
}

/** The fast-import stream of `commits`, each commit marked with its index + 1. */
function importStream(commits: FixtureCommit[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const text = (s: string) => parts.push(enc.encode(s));
  const data = (bytes: Uint8Array) => {
    text(`data ${bytes.length}\n`);
    parts.push(bytes);
    text("\n");
  };
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  /** The last commit of each branch, and the branch commits go to. */
  const heads = new Map<string, number>();
  let branch = "main";
  commits.forEach((c, i) => {
    const mark = i + 1;
    const previous = heads.get(branch);
    if (c.branch && c.branch !== branch) {
      const from = heads.get(c.branch) ?? previous;
      branch = c.branch;
      if (from !== undefined) heads.set(branch, from);
    }
    const parent = heads.get(branch);
    text(`commit refs/heads/${branch}\nmark :${mark}\n`);
    text(`author Test <t@example.com> ${when}\ncommitter Test <t@example.com> ${when}\n`);
    data(enc.encode(c.message.endsWith("\n") ? c.message : `${c.message}\n`));
    if (parent !== undefined) text(`from :${parent}\n`);
    for (const [path, content] of Object.entries(c.files)) {
      const quoted = JSON.stringify(path);
      if (content === null) text(`D ${quoted}\n`);
      else {
        text(`M 100644 inline ${quoted}\n`);
        data(enc.encode(content));
      }
    }
    text("\n");
    heads.set(branch, mark);
    if (c.tag) text(`reset refs/tags/${c.tag}\nfrom :${mark}\n\n`);
  });
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Creates a work repository at `dir` with the commits (main checked out); returns their ids. */
export async function makeRepo(dir: string, commits: FixtureCommit[]): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  await git(dir, "init", "-q", "-b", "main");
  const marks = join(dir, ".git", "fixture-marks");
  if (commits.length) {
    await gitWith(dir, ["fast-import", "--quiet", `--export-marks=${marks}`], importStream(commits));
    await git(dir, "reset", "-q", "--hard", "main");
  }
  const ids = new Map(
    (await Deno.readTextFile(marks).catch(() => "")).split("\n").filter(Boolean).map((l) => {
      const [mark, id] = l.split(" ");
      return [Number(mark!.slice(1)), id!] as const;
    }),
  );
  await Deno.remove(marks).catch(() => {});
  return commits.map((_, i) => ids.get(i + 1)!);
}
