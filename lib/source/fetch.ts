/**
 * Fetches a set's source with the host's git into a cache, one bare
 * repository per URL, shallow and (where the server allows it) without
 * blobs outside the set's folder, and extracts the set into a temporary
 * folder.
 *
 * @module
 */
import { join } from "node:path";
import { LegerError } from "../core/errors.ts";
import { sha256 } from "../core/fs.ts";
import { withLock } from "../core/lock.ts";
import { run, type RunResult, type Shell } from "../host/shell.ts";
import { cachedCommits, cacheRepo, fetchedTag, folderAt, GIT_ENV, gitError, listTree, readBlobs } from "./git_cache.ts";
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

  const repoFor = (url: string) => cacheRepo(git, options.cacheDir, url);

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
      const treeish = await folderAt(git, repo, { input: spec.input, ref, commit, subpath });
      // Sizes and counts are checked on git's records before anything is written to disk.
      await checkTreeLimits(git, repo, treeish, spec.input);
      const tmp = await Deno.makeTempDir({ prefix: "leger-src-" });
      try {
        // Through a file in the private temporary folder, not a pipe: a write into tar's stdin once failed in a loaded
        // test run ("stdin pipe broken": the stream closed before git's last bytes reached it), and the fetch with it.
        const tarball = `${tmp}/set.tar`, dir = `${tmp}/set`;
        await Deno.mkdir(dir);
        let r = await $`git -C ${repo} archive --format=tar --output=${tarball} --end-of-options ${treeish}`
          .env(GIT_ENV).stdout("piped").stderr("piped").noThrow();
        if (r.code === 0) {
          r = await $`tar -x --no-same-owner --no-same-permissions -f ${tarball} -C ${dir}`
            .stdout("piped").stderr("piped").noThrow();
        }
        if (r.code !== 0) {
          throw new LegerError(`Cannot extract ${spec.input} at ${commit.slice(0, 12)}: ${r.stderr.trim()}`);
        }
        const files = await collectSet(dir, spec.input);
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
      const commit = advertised && (await cachedCommits(git, repo)).has(advertised)
        ? advertised
        : (await fetchCommit(spec, repo, ref)).commit;
      const treeish = await folderAt(git, repo, { input: spec.input, ref, commit, subpath });
      const { paths, links } = await listTree(git, repo, treeish, spec.input);
      const object = (p: string) => `${commit}:${subpath ? `${subpath}/` : ""}${p}`;
      const wanted = paths.filter((p) => want(p) && !links.includes(p)).slice(0, EXTRACT_LIMITS.entries);
      const files = await readBlobs(git, $, repo, new Map(wanted.map((p) => [p, object(p)])), maxBytes, {
        url: spec.url,
        ref,
        env: await remoteEnv(spec),
      });
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
