/**
 * Reads the source a user names into what git needs: the clone URL, the
 * ref and the folder inside the repository. Forge tree URLs (GitHub,
 * GitLab, Gitea/Forgejo, also self-hosted ones declared in the config),
 * plain git URLs with `#REF:PATH`, and local folders.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { UsageError } from "../core/errors.ts";
import { redactUrls, splitUserInfo } from "../core/redact.ts";
import type { GitCredential } from "./credentials.ts";
import { checkRef } from "./ref.ts";

/** A forge whose web URLs leger understands. */
export type ForgeKind = "github" | "gitlab" | "gitea";

/** A parsed source. */
export type SourceSpec =
  | {
    kind: "git";
    /** The text the user gave. */
    input: string;
    /** URL git clones from. */
    url: string;
    /**
     * For forge tree URLs, everything after `tree/` (ref and path joined by
     * `/`, to be split by asking the remote); otherwise undefined.
     */
    refAndPath?: string;
    /** Ref, when known without asking the remote ("" = the remote's HEAD). */
    ref: string;
    /** Folder inside the repository ("" = its top). */
    subpath: string;
    /** The forge the URL was read as. */
    forge?: ForgeKind;
    /**
     * The user info an https URL held, split off (the URL and the input
     * above never hold it): handed to git by a credential helper.
     */
    credential?: GitCredential;
  }
  | {
    kind: "local";
    input: string;
    /** Absolute folder. */
    path: string;
  };

/** Well-known forges; the config's `forges:` adds self-hosted ones. */
export const KNOWN_FORGES: Record<string, ForgeKind> = {
  "github.com": "github",
  "gitlab.com": "gitlab",
  "codeberg.org": "gitea",
  "gitea.com": "gitea",
};

/** Cleans a subfolder and refuses one that leaves the repository. */
export function cleanSubpath(path: string, input: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) {
    throw new UsageError(
      `Cannot use source ${input}: the folder "${path}" leaves the repository`,
      "Name a folder inside the repository, without '..'.",
    );
  }
  return parts.join("/");
}

function splitFragment(input: string): { base: string; ref: string; subpath: string } {
  const hash = input.indexOf("#");
  if (hash < 0) return { base: input, ref: "", subpath: "" };
  const frag = decodeURIComponent(input.slice(hash + 1));
  const colon = frag.indexOf(":");
  return {
    base: input.slice(0, hash),
    ref: checkRef(colon < 0 ? frag : frag.slice(0, colon), "the #REF of the source"),
    subpath: cleanSubpath(colon < 0 ? "" : frag.slice(colon + 1), input),
  };
}

/** Parses a source string. `forges` maps extra host names to forge kinds. */
export function parseSource(
  given: string,
  forges: Record<string, ForgeKind> = {},
  cwd = Deno.cwd(),
): SourceSpec {
  // The user info of a URL never goes further than this: not into the spec's text, errors or records.
  const split = splitUserInfo(given.trim());
  const spec = parseClean(split.url, redactUrls(given), forges, cwd);
  if (spec.kind === "git" && split.username !== undefined) {
    spec.credential = { username: split.username, password: split.password ?? "" };
  }
  // deno-lint-ignore no-control-regex
  if (spec.kind === "git" && (spec.url.startsWith("-") || /[\x00-\x1f\x7f]/.test(spec.url))) {
    throw new UsageError(
      `Cannot use source ${spec.input}: a repository URL may not start with '-' or hold control characters`,
      "Write the URL as git takes it, percent-encoding what needs it.",
    );
  }
  return spec;
}

function parseClean(text: string, input: string, forges: Record<string, ForgeKind>, cwd: string): SourceSpec {
  if (text === "") throw new UsageError("Cannot install: no source given", "Name a Git URL or a folder.");
  // scp-like: git@host:path/repo.git#ref:path
  if (/^[\w.-]+@[\w.-]+:/.test(text) && !text.includes("://")) {
    const { base, ref, subpath } = splitFragment(text);
    return { kind: "git", input, url: base, ref, subpath };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) {
    if (text.includes("#")) {
      throw new UsageError(
        `Cannot use source ${input}: a local folder takes no #ref`,
        "For a local Git repository write file:///path/to/repo#REF:FOLDER.",
      );
    }
    return { kind: "local", input, path: isAbsolute(text) ? text : resolve(cwd, text) };
  }
  if (!["http", "https", "ssh", "git", "file"].includes(scheme)) {
    throw new UsageError(
      `Cannot use source ${input}: unknown scheme "${scheme}://"`,
      "Use https://, ssh://, git://, file://, git@host:repo, or a folder path.",
    );
  }
  if (scheme === "http" || scheme === "https") {
    const url = new URL(text.split("#")[0]!);
    const forge = forges[url.host] ?? forges[url.hostname] ?? KNOWN_FORGES[url.hostname];
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, "");
    const tree = forge ? forgeTree(forge, path) : undefined;
    if (tree) {
      if (text.includes("#")) {
        throw new UsageError(`Cannot use source ${input}: a tree URL takes no #fragment`);
      }
      return {
        kind: "git",
        input,
        url: `${url.protocol}//${url.host}${tree.repo}.git`,
        refAndPath: tree.rest,
        ref: "",
        subpath: "",
        forge,
      };
    }
    if (forge && !path.endsWith(".git") && !text.includes("#")) {
      // https://github.com/org/repo -> the repository's top at HEAD
      const { base, ref, subpath } = splitFragment(text);
      return { kind: "git", input, url: base.replace(/\/+$/, "") + ".git", ref, subpath, forge };
    }
  }
  const { base, ref, subpath } = splitFragment(text);
  return { kind: "git", input, url: base, ref, subpath };
}

/** Splits a forge web path into the repository path and what follows "tree". */
function forgeTree(forge: ForgeKind, path: string): { repo: string; rest: string } | undefined {
  let m: RegExpExecArray | null;
  if (forge === "github") {
    m = /^(\/[^/]+\/[^/]+?)(?:\.git)?\/(?:tree|blob)\/(.+)$/.exec(path);
  } else if (forge === "gitlab") {
    m = /^(\/.+?)(?:\.git)?\/-\/(?:tree|blob)\/(.+)$/.exec(path);
  } else {
    m = /^(\/[^/]+\/[^/]+?)(?:\.git)?\/src\/(?:branch|tag|commit)\/(.+)$/.exec(path);
  }
  return m ? { repo: m[1]!, rest: m[2]! } : undefined;
}

/**
 * Splits `REF/PATH` of a tree URL using the refs the remote has: the
 * longest branch or tag name that the text starts with wins, so
 * `release/1.0/apps/web` finds the branch `release/1.0`. A 40-hex commit
 * id is taken as is.
 */
export function splitRefAndPath(
  refAndPath: string,
  remoteRefs: readonly string[],
  input: string,
): { ref: string; subpath: string } {
  const first = refAndPath.split("/")[0]!;
  if (/^[0-9a-f]{40}$/i.test(first)) {
    return { ref: first, subpath: cleanSubpath(refAndPath.slice(first.length), input) };
  }
  const where = "the ref of the tree URL";
  const names = remoteRefs
    .map((r) => r.replace(/^refs\/(heads|tags)\//, "").replace(/\^\{\}$/, ""))
    .filter((n) => refAndPath === n || refAndPath.startsWith(n + "/"))
    .sort((a, b) => b.length - a.length);
  const ref = names[0];
  if (ref === undefined) {
    return { ref: checkRef(first, where), subpath: cleanSubpath(refAndPath.slice(first.length), input) };
  }
  return { ref: checkRef(ref, where), subpath: cleanSubpath(refAndPath.slice(ref.length), input) };
}
