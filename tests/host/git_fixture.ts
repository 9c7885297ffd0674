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
  /**
   * Sign the commit (`git commit -S`) and its annotated tag (`git tag -s`)
   * with these git options (`-c gpg.format=ssh -c user.signingkey=...`)
   * and environment (`GNUPGHOME`); see {@linkcode guestSigners}.
   */
  sign?: GitSigning;
  /** Move `tag` when it exists already (`git tag -f`), as a force-push of a tag does. */
  moveTag?: boolean;
}

/** git options and environment that sign as one key, in the guest. */
export interface GitSigning {
  config: string[];
  env: Record<string, string>;
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
    const sign = commit.sign ?? { config: [], env: {} };
    await host.exec(
      ["git", ...sign.config, "commit", "-q", "--allow-empty", ...(commit.sign ? ["-S"] : []), "-m", commit.message],
      { cwd: repo.work, env: { ...env, ...sign.env }, check: true },
    );
    const id = (await host.exec(["git", "rev-parse", "HEAD"], {
      cwd: repo.work,
      check: true,
    })).stdout.trim();
    if (commit.tag) {
      const kind = commit.tagMessage === undefined ? [] : commit.sign ? ["-s", "-m", commit.tagMessage] : [
        "-a",
        "-m",
        commit.tagMessage,
      ];
      await host.exec(["git", ...sign.config, "tag", ...(commit.moveTag ? ["-f"] : []), ...kind, commit.tag], {
        cwd: repo.work,
        env: { ...env, ...sign.env },
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

/** Signing keys made in the guest by {@linkcode guestSigners} (as root, offline, with the guest's own tools). */
export interface GuestSigners {
  /** Folder holding them (`/srv/keys`). */
  dir: string;
  /** Public key files, to name in config.yaml: `<dir>/<name>.pub` (SSH), `<dir>/<name>.asc` (OpenPGP). */
  publicFile(name: string): string;
  /** git options and environment that sign as `name`. */
  signWith(name: string): GitSigning;
}

/**
 * Makes SSH keys (`ssh-keygen -t ed25519`) and OpenPGP keys (`gpg
 * --quick-gen-key`, no passphrase) inside the guest; each name's identity
 * is `NAME@example.com`.
 */
export async function guestSigners(
  host: Host,
  keys: { ssh: string[]; openpgp: string[] },
  dir = "/srv/keys",
): Promise<GuestSigners> {
  const home = `${dir}/gnupg`;
  const script = `set -e
rm -rf "$1"; mkdir -p "$1"; install -d -m 700 "$1/gnupg"
export GNUPGHOME="$1/gnupg"
shift
for k in $SSH_KEYS; do ssh-keygen -q -t ed25519 -N '' -C "$k@example.com" -f "$DIR/$k"; done
for k in $PGP_KEYS; do
  gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key "$k <$k@example.com>" ed25519 sign 0 2>/dev/null
  gpg --armor --export "$k@example.com" > "$DIR/$k.asc"
done
# Public halves readable by everyone; ssh-keygen -Y sign ignores a private key others can read.
chmod -R a+rX "$DIR"; chmod 700 "$DIR/gnupg"; for k in $SSH_KEYS; do chmod 600 "$DIR/$k"; done`;
  await host.exec(["sh", "-c", script, "sh", dir], {
    env: { DIR: dir, SSH_KEYS: keys.ssh.join(" "), PGP_KEYS: keys.openpgp.join(" ") },
    check: true,
  });
  return {
    dir,
    publicFile: (name) => keys.ssh.includes(name) ? `${dir}/${name}.pub` : `${dir}/${name}.asc`,
    signWith: (name): GitSigning =>
      keys.ssh.includes(name)
        ? {
          config: ["-c", "gpg.format=ssh", "-c", `user.signingkey=${dir}/${name}`],
          env: {} as Record<string, string>,
        }
        : {
          config: ["-c", "gpg.format=openpgp", "-c", `user.signingkey=${name}@example.com`],
          env: { GNUPGHOME: home },
        },
  };
}
