/**
 * Fetches a set's source with the host's git into a cache, one bare
 * repository per URL, shallow and (where the server allows it) without
 * blobs outside the set's folder, and extracts the set into a temporary
 * folder.
 *
 * @module
 */
import { join } from "node:path";
import { LegerError, NotFoundError } from "../core/errors.ts";
import { ensurePrivateDir, sha256 } from "../core/fs.ts";
import { withLock } from "../core/lock.ts";
import { run, type RunResult, type Shell } from "../host/shell.ts";
import { redactUrls } from "../core/redact.ts";
import type { ProgressSink } from "../core/progress/meter.ts";
import { gitProgress } from "./git_progress.ts";
import { type CollectedFile, collectSet } from "./collect.ts";
import { credentialEnv, type GitCredential, loadCredential } from "./credentials.ts";
import { checkRef, isSafeRef } from "./ref.ts";
import type { SignedObject } from "./signed_object.ts";
import { type SourceSpec, splitRefAndPath } from "./spec.ts";
import { checkTreeLimits, EXTRACT_LIMITS } from "./tree_limits.ts";

/** A fetched set, ready to validate and install. */
export interface FetchedSet {
  /** Where it came from, resolved. */
  source: {
    kind: "git" | "local";
    input: string;
    url: string;
    ref?: string;
    commit?: string;
    subpath: string;
    forge?: string;
  };
  /** The set's files. */
  files: CollectedFile[];
  /** The credential an https source's URL held (kept by an install for later fetches). */
  credential?: GitCredential;
  /** Where the fetched commit (and tag) are, for the signature check (git sources). */
  signed?: SignedObject;
}

/** A file read by {@linkcode Fetcher.readFile}, with where it was read. */
export interface TopFile {
  /** The file's text; undefined when the folder has no such file. */
  text: string | undefined;
  /** The ref fetched ("" = the remote's HEAD); undefined for a local folder. */
  ref?: string;
  /** The commit read; undefined for a local folder. */
  commit?: string;
  /** The folder inside the repository ("" = its top). */
  subpath: string;
  /** Where the commit read (and its tag) are, for the signature check; undefined for a local folder. */
  signed?: SignedObject;
}

/** Counts what the fetcher did (tests and `stage all` read it). */
export interface FetchStats {
  /** Number of `git fetch` runs. */
  fetches: number;
}

/** Options of {@linkcode createFetcher}. */
export interface FetcherOptions {
  /** The shell git runs in. */
  $: Shell;
  /** Cache folder (git repositories live in `<cacheDir>/git`). */
  cacheDir: string;
  /** leger's credential store (lib/source/credentials.ts), read for URLs that hold no user info. */
  credentialsDir?: string;
  /** Where a fetch's progress goes (the logger: a line on a terminal, events under --json). */
  progress?: ProgressSink;
}

/** Fetches sources; remembers what it fetched in this run so each repository and ref is fetched once. */
export interface Fetcher {
  /** Fetches and extracts the set a source names. */
  fetch(spec: SourceSpec, refOverride?: string): Promise<FetchedSet>;
  /**
   * Reads one file in the folder a source names (undefined when it is not
   * there), without taking the folder as a set. `file` is a plain name.
   */
  readFile(spec: SourceSpec, file: string, refOverride?: string): Promise<TopFile>;
  /** What this fetcher did so far. */
  stats: FetchStats;
  /**
   * The commit a git source's ref points at on the remote, from one
   * `git ls-remote` per repository per run (no fetch); undefined for a
   * local source, a commit id, or a ref the remote does not advertise.
   */
  remoteCommit(spec: SourceSpec, ref: string | undefined): Promise<string | undefined>;
  /** The tags a git source's remote advertises (same `git ls-remote` as remoteCommit); [] for a local source. */
  remoteTags(spec: SourceSpec): Promise<string[]>;
  /** Forgets which refs were fetched, so the next fetch asks the remote again. */
  forget(): void;
  /**
   * The small text files under the folder a source names, for reading many
   * sets at once (lib/catalog/): the ref is asked with one `git ls-remote`
   * and fetched only when the cache lacks that commit.
   */
  readTree(
    spec: Extract<SourceSpec, { kind: "git" }>,
    want: (path: string) => boolean,
    maxBytes: number,
  ): Promise<TreeRead>;
}

/** What {@linkcode Fetcher.readTree} read. */
export interface TreeRead {
  /** The ref read ("" = the remote's HEAD). */
  ref: string;
  /** The commit read. */
  commit: string;
  /** The folder inside the repository ("" = its top). */
  subpath: string;
  /** Whether this call ran `git fetch` (false: the cache had the commit). */
  fetched: boolean;
  /** Every file path below the folder, relative to it (links too). */
  paths: string[];
  /** The paths that are symbolic links (not read). */
  links: string[];
  /** The text of each wanted path no larger than maxBytes. */
  files: Map<string, string>;
}

function gitError(stderr: string, url: string, ref: string): LegerError {
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

/** What one fetch of a ref brought: the commit, and the tag when the ref named one. */
interface Fetched {
  commit: string;
  tag?: SignedObject["tag"];
}

/** Makes a fetcher that shares one cache and remembers fetched refs. */
export function createFetcher(options: FetcherOptions): Fetcher {
  const { $ } = options;
  const stats: FetchStats = { fetches: 0 };
  const fetched = new Map<string, Fetched>(); // url\0ref -> what was fetched
  const git = (args: string[], cwd?: string, env: Record<string, string> = {}) =>
    run($, ["git", ...args], { ...(cwd ? { cwd } : {}), env: { ...GIT_ENV, ...env } });

  // Credentials outlive forget(): they are not answers of the remote.
  const given = new Map<string, GitCredential>(); // url -> the user info a source's URL held, this run
  const stored = new Map<string, Promise<GitCredential | undefined>>(); // url -> leger's store
  /** The environment of a git call that talks to `spec`'s remote: its credential, if any. */
  async function remoteEnv(spec: Extract<SourceSpec, { kind: "git" }>): Promise<Record<string, string>> {
    if (!/^https?:/i.test(spec.url)) return {};
    if (spec.credential) given.set(spec.url, spec.credential);
    let found = given.get(spec.url);
    if (!found && options.credentialsDir) {
      if (!stored.has(spec.url)) stored.set(spec.url, loadCredential(options.credentialsDir, spec.url));
      found = await stored.get(spec.url);
    }
    return found ? credentialEnv(spec.url, found) : {};
  }

  /** `git fetch` (args with `-q`), with its progress read from git's `--progress` lines when someone shows it. */
  async function gitFetch(args: string[], cwd: string, url: string, env: Record<string, string>): Promise<RunResult> {
    const sink = options.progress;
    if (!sink?.progress) return await git(args, cwd, env);
    // The task's name is shown: never a user or password the URL may carry.
    const p = gitProgress(sink, `fetch ${redactUrls(url)}`);
    try {
      const r = await $`git ${args.map((a) => a === "-q" ? "--progress" : a)}`.cwd(cwd)
        .env({ ...GIT_ENV, ...env }).stdin("null").stdout("piped").stderr(p.stderr).noThrow();
      return { code: r.code, stdout: r.stdout, stderr: p.text() };
    } finally {
      p.end();
    }
  }

  async function repoFor(url: string): Promise<string> {
    const dir = join(options.cacheDir, "git", (await sha256(url)).slice(0, 16) + ".git");
    try {
      await Deno.stat(join(dir, "HEAD"));
    } catch {
      await ensurePrivateDir(join(options.cacheDir, "git"));
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

  const advertised = new Map<string, Promise<Map<string, string>>>(); // url -> ref name -> commit
  /** What the remote advertises (HEAD, branches, tags peeled), asked once per repository per run. */
  function advertisedRefs(spec: Extract<SourceSpec, { kind: "git" }>): Promise<Map<string, string>> {
    const url = spec.url;
    let refs = advertised.get(url);
    if (!refs) {
      refs = (async () => {
        const patterns = ["HEAD", "refs/heads/*", "refs/tags/*"];
        const r = await git(["ls-remote", "--", url, ...patterns], undefined, await remoteEnv(spec));
        if (r.code !== 0) throw gitError(r.stderr, url, "");
        const out = new Map<string, string>();
        for (const line of r.stdout.split("\n")) {
          const [sha, name] = line.split("\t");
          if (!sha || !name || !/^[0-9a-f]{40,64}$/.test(sha)) continue;
          // A name git would take for an option (a tag "--upload-pack=...") is never offered as a ref.
          const full = name.replace(/\^\{\}$/, "");
          if (!isSafeRef(full) || !isSafeRef(full.replace(/^refs\/(heads|tags)\//, ""))) continue;
          // An annotated tag is advertised twice; its peeled line (^{}) names the commit.
          if (name.endsWith("^{}")) out.set(name.slice(0, -3), sha);
          else if (!out.has(name)) out.set(name, sha);
        }
        return out;
      })();
      refs.catch(() => advertised.delete(url));
      advertised.set(url, refs);
    }
    return refs;
  }

  async function remoteRefs(spec: Extract<SourceSpec, { kind: "git" }>): Promise<string[]> {
    return [...(await advertisedRefs(spec)).keys()].filter((n) => n !== "HEAD");
  }

  /**
   * Resolves the ref (and tree URL split) and fetches the commit once per
   * run, with the tag object when the ref names an annotated tag (a
   * shallow fetch of a tag by name brings it; FETCH_HEAD names it). Call
   * under the repo's lock.
   */
  async function fetchCommit(
    spec: Extract<SourceSpec, { kind: "git" }>,
    repo: string,
    ref: string,
  ): Promise<Fetched> {
    const key = `${spec.url}\0${ref}`;
    let done = fetched.get(key);
    if (!done) {
      const target = ref === "" ? "HEAD" : checkRef(ref, "the ref to fetch");
      stats.fetches++;
      const fetch = ["fetch", "-q", "--depth=1", "--no-tags"];
      const env = await remoteEnv(spec);
      let r = await gitFetch([...fetch, "--filter=blob:none", "--", "origin", target], repo, spec.url, env);
      if (r.code !== 0 && /filter|promisor/i.test(r.stderr)) {
        r = await gitFetch([...fetch, "--", "origin", target], repo, spec.url, env);
      }
      if (r.code !== 0) throw gitError(r.stderr, spec.url, target);
      const rev = await git(["rev-parse", "--verify", "-q", "--end-of-options", "FETCH_HEAD^{commit}"], repo);
      if (rev.code !== 0) throw gitError(rev.stderr, spec.url, target);
      const commit = rev.stdout.trim();
      const tag = await fetchedTag(repo, commit);
      done = { commit, ...(tag ? { tag } : {}) };
      fetched.set(key, done);
      // keep the commit (through its tag, when there is one) reachable so a later run can reuse its objects
      const keep = tag?.object ?? commit;
      await git(["update-ref", "--end-of-options", `refs/leger/${(await sha256(key)).slice(0, 16)}`, keep], repo);
    }
    return done;
  }

  /**
   * Whether FETCH_HEAD came from a tag (its line says `tag 'NAME' of URL`)
   * and, for an annotated tag, the tag object's id.
   */
  async function fetchedTag(repo: string, commit: string): Promise<SignedObject["tag"]> {
    const head = await Deno.readTextFile(join(repo, "FETCH_HEAD")).catch(() => "");
    const line = head.split("\n")[0] ?? "";
    const name = /^[0-9a-f]{40,64}\t[^\t]*\ttag '(.+)' of /.exec(line)?.[1];
    if (name === undefined) return undefined;
    const object = line.slice(0, line.indexOf("\t"));
    return object === commit ? { name } : { name, object };
  }

  async function refAndSubpath(
    spec: Extract<SourceSpec, { kind: "git" }>,
    refOverride?: string,
  ): Promise<{ ref: string; subpath: string }> {
    const override = refOverride === undefined ? undefined : checkRef(refOverride, "--ref");
    if (spec.refAndPath === undefined) {
      return { ref: override ?? checkRef(spec.ref, "the source's ref"), subpath: spec.subpath };
    }
    const split = splitRefAndPath(spec.refAndPath, await remoteRefs(spec), spec.input);
    return { ref: override ?? split.ref, subpath: split.subpath };
  }

  async function fetchGit(spec: Extract<SourceSpec, { kind: "git" }>, refOverride?: string): Promise<FetchedSet> {
    const { ref, subpath } = await refAndSubpath(spec, refOverride);
    const repo = await repoFor(spec.url);
    return await withLock(repo + ".lock", async () => {
      const { commit, tag } = await fetchCommit(spec, repo, ref);
      const treeish = `${commit}:${subpath}`; // "COMMIT:" is its top folder (the commit itself is no tree)
      const kind = await git(["cat-file", "-t", "--end-of-options", treeish], repo);
      if (kind.code !== 0 || kind.stdout.trim() !== "tree") {
        throw new NotFoundError(
          `Cannot use ${spec.input}: there is no folder "${subpath}" at ${ref || "HEAD"} (${commit.slice(0, 12)})`,
          "Check the folder part of the source.",
        );
      }
      // Sizes and counts are checked on git's records before anything is written to disk.
      await checkTreeLimits(git, repo, treeish, spec.input);
      const tmp = await Deno.makeTempDir({ prefix: "leger-src-" });
      try {
        const archive = await $`git -C ${repo} archive --format=tar --end-of-options ${treeish}`
          .env(GIT_ENV).stdout("piped").stderr("piped").noThrow()
          .pipe($`tar -x --no-same-owner --no-same-permissions -C ${tmp}`.stderr("piped").noThrow());
        if (archive.code !== 0) {
          throw new LegerError(`Cannot extract ${spec.input} at ${commit.slice(0, 12)}: ${archive.stderr.trim()}`);
        }
        const files = await collectSet(tmp, spec.input);
        return {
          source: {
            kind: "git" as const,
            input: spec.input,
            url: spec.url,
            ref,
            commit,
            subpath,
            ...(spec.forge ? { forge: spec.forge } : {}),
          },
          files,
          ...(given.has(spec.url) ? { credential: given.get(spec.url)! } : {}),
          signed: { gitDir: repo, commit, ...(tag ? { tag } : {}) },
        };
      } finally {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
      }
    });
  }

  /** The commits this cache fetched before (refs/leger/*): present without asking the promisor remote. */
  async function cachedCommits(repo: string): Promise<Set<string>> {
    const r = await git(["for-each-ref", "--format=%(objectname)", "refs/leger/"], repo);
    return new Set(r.code === 0 ? r.stdout.split("\n").filter(Boolean) : []);
  }

  async function readGitTree(
    spec: Extract<SourceSpec, { kind: "git" }>,
    want: (path: string) => boolean,
    maxBytes: number,
  ): Promise<TreeRead> {
    const { ref, subpath } = await refAndSubpath(spec);
    const repo = await repoFor(spec.url);
    return await withLock(repo + ".lock", async () => {
      const before = stats.fetches;
      const advertised = /^[0-9a-f]{40,64}$/.test(ref) ? ref : await remoteCommitOf(spec, ref);
      const commit = advertised && (await cachedCommits(repo)).has(advertised)
        ? advertised
        : (await fetchCommit(spec, repo, ref)).commit;
      const treeish = `${commit}:${subpath}`; // "COMMIT:" is the commit's top folder
      const kind = await git(["cat-file", "-t", "--end-of-options", treeish], repo);
      if (kind.code !== 0 || kind.stdout.trim() !== "tree") {
        throw new NotFoundError(
          `Cannot use ${spec.input}: there is no folder "${subpath}" at ${ref || "HEAD"} (${commit.slice(0, 12)})`,
          "Check the folder part of the source.",
        );
      }
      // Names only: trees are always in the cache, file contents are fetched when read.
      const names = await git(["ls-tree", "-r", "-z", "--end-of-options", treeish], repo);
      if (names.code !== 0) throw new LegerError(`Cannot list ${spec.input}: ${names.stderr.trim()}`);
      const paths: string[] = [];
      const links: string[] = [];
      for (const record of names.stdout.split("\0")) {
        // "<mode> <type> <object>\t<path>"; 120000 is a symbolic link (its text is where it points).
        const tab = record.indexOf("\t");
        if (tab < 0) continue;
        paths.push(record.slice(tab + 1));
        if (record.startsWith("120000 ")) links.push(record.slice(tab + 1));
      }
      const files = new Map<string, string>();
      const wanted = paths.filter((p) => want(p) && !links.includes(p)).slice(0, EXTRACT_LIMITS.entries);
      if (wanted.length > 0) {
        const object = (p: string) => `${commit}:${subpath ? `${subpath}/` : ""}${p}`;
        const objects = wanted.map(object).join("\n") + "\n";
        const sizes = await run($, ["git", "cat-file", "--batch-check=%(objecttype) %(objectsize)"], {
          cwd: repo,
          env: { ...GIT_ENV, ...await remoteEnv(spec) },
          stdin: objects,
        });
        if (sizes.code !== 0) throw gitError(sizes.stderr, spec.url, ref || "HEAD");
        const lines = sizes.stdout.split("\n");
        for (const [i, path] of wanted.entries()) {
          const [type, size] = (lines[i] ?? "").split(" ");
          if (type !== "blob" || Number(size) > maxBytes) continue;
          const blob = await git(["cat-file", "blob", "--end-of-options", object(path)], repo);
          if (blob.code === 0) files.set(path, blob.stdout);
        }
      }
      return { ref, commit, subpath, fetched: stats.fetches > before, paths, links, files };
    });
  }

  async function remoteCommitOf(spec: Extract<SourceSpec, { kind: "git" }>, target: string) {
    const refs = await advertisedRefs(spec);
    if (target === "" || target === "HEAD") return refs.get("HEAD");
    return refs.get(`refs/heads/${target}`) ?? refs.get(`refs/tags/${target}`) ??
      (target.startsWith("refs/") ? refs.get(target) : undefined);
  }

  return {
    stats,
    readTree: readGitTree,
    async readFile(spec, file, refOverride) {
      if (spec.kind === "local") {
        const text = await Deno.readTextFile(join(spec.path, file)).catch((e) => {
          if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return undefined;
          throw new LegerError(`Cannot read ${join(spec.path, file)}: ${e.message}`);
        });
        return { text, subpath: "" };
      }
      const { ref, subpath } = await refAndSubpath(spec, refOverride);
      const repo = await repoFor(spec.url);
      return await withLock(repo + ".lock", async () => {
        const { commit, tag } = await fetchCommit(spec, repo, ref);
        const signed = { gitDir: repo, commit, ...(tag ? { tag } : {}) };
        const path = subpath ? `${subpath}/${file}` : file;
        const kind = await git(["cat-file", "-t", "--end-of-options", `${commit}:${path}`], repo);
        if (kind.code !== 0 || kind.stdout.trim() !== "blob") return { text: undefined, ref, commit, subpath, signed };
        const blob = await git(["cat-file", "blob", "--end-of-options", `${commit}:${path}`], repo);
        if (blob.code !== 0) throw gitError(blob.stderr, spec.url, ref || "HEAD");
        return { text: blob.stdout, ref, commit, subpath, signed };
      });
    },
    forget: () => {
      fetched.clear();
      advertised.clear();
    },
    async remoteTags(spec) {
      if (spec.kind !== "git") return [];
      return [...(await advertisedRefs(spec)).keys()].filter((n) => n.startsWith("refs/tags/")).map((n) =>
        n.slice("refs/tags/".length)
      );
    },
    async remoteCommit(spec, ref) {
      if (spec.kind !== "git") return undefined;
      const target = ref ?? spec.ref ?? "";
      if (/^[0-9a-f]{40,64}$/.test(target)) return undefined;
      return await remoteCommitOf(spec, target);
    },
    async fetch(spec, refOverride) {
      if (spec.kind === "local") {
        const files = await collectSet(spec.path, spec.input);
        return { source: { kind: "local", input: spec.input, url: spec.path, subpath: "" }, files };
      }
      return await fetchGit(spec, refOverride);
    },
  };
}
