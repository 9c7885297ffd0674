import assert from "node:assert/strict";
import { cleanSubpath, parseSource, splitRefAndPath } from "./spec.ts";
import type { UsageError } from "../core/errors.ts";

Deno.test("forge tree URLs give the clone URL and leave REF/PATH to be split by the remote", () => {
  const gh = parseSource("https://github.com/org/quadlets/tree/release/1.0/apps/web");
  assert.equal(gh.kind, "git");
  if (gh.kind !== "git") return;
  assert.equal(gh.url, "https://github.com/org/quadlets.git");
  assert.equal(gh.refAndPath, "release/1.0/apps/web");
  assert.equal(gh.forge, "github");

  const gl = parseSource("https://gitlab.com/group/sub/repo/-/tree/main/stack");
  assert.ok(gl.kind === "git" && gl.url === "https://gitlab.com/group/sub/repo.git" && gl.refAndPath === "main/stack");

  const gitea = parseSource("https://codeberg.org/me/homelab/src/branch/main/web");
  assert.ok(gitea.kind === "git" && gitea.url === "https://codeberg.org/me/homelab.git" && gitea.forge === "gitea");
});

Deno.test("self-hosted forges declared in the config parse like the public ones", () => {
  const forges = { "git.example.com": "gitea" as const, "ghe.corp:8443": "github" as const };
  const own = parseSource("https://git.example.com/ops/sets/src/branch/main/web", forges);
  assert.ok(own.kind === "git" && own.url === "https://git.example.com/ops/sets.git" && own.refAndPath === "main/web");
  const ghe = parseSource("https://ghe.corp:8443/ops/sets/tree/v2/db", forges);
  assert.ok(ghe.kind === "git" && ghe.url === "https://ghe.corp:8443/ops/sets.git" && ghe.refAndPath === "v2/db");
  // Unknown hosts are plain git URLs: the path is the repository.
  const plain = parseSource("https://git.other.net/ops/sets.git#main:web");
  assert.ok(
    plain.kind === "git" && plain.url === "https://git.other.net/ops/sets.git" && plain.ref === "main" &&
      plain.subpath === "web",
  );
});

Deno.test("plain git URLs take #REF:PATH in every scheme, and scp-like addresses", () => {
  for (
    const [input, url] of [
      ["ssh://git@host/srv/repo.git#release/2.0:apps/api", "ssh://git@host/srv/repo.git"],
      ["git@host:team/repo.git#release/2.0:apps/api", "git@host:team/repo.git"],
      ["file:///srv/git/repo.git#release/2.0:apps/api", "file:///srv/git/repo.git"],
    ] as const
  ) {
    const s = parseSource(input);
    assert.ok(s.kind === "git", input);
    assert.deepEqual([s.url, s.ref, s.subpath], [url, "release/2.0", "apps/api"], input);
  }
  const bare = parseSource("https://host/repo.git");
  assert.ok(bare.kind === "git" && bare.ref === "" && bare.subpath === "");
  const refOnly = parseSource("https://host/repo.git#v1");
  assert.ok(refOnly.kind === "git" && refOnly.ref === "v1" && refOnly.subpath === "");
});

Deno.test("folders are local sources, resolved against the working directory", () => {
  assert.deepEqual(parseSource("./sets/web", {}, "/home/alice"), {
    kind: "local",
    input: "./sets/web",
    path: "/home/alice/sets/web",
  });
  assert.equal(parseSource("/srv/web").kind, "local");
});

Deno.test("bad sources are usage errors that say what to write", () => {
  assert.throws(
    () => parseSource("ftp://host/repo"),
    (e: UsageError) => /unknown scheme "ftp:\/\/"/.test(e.message) && e.exitCode === 2,
  );
  assert.throws(() => parseSource("  "), /no source given/);
  assert.throws(() => parseSource("./web#main"), /a local folder takes no #ref/);
  assert.throws(() => parseSource("https://host/repo.git#main:../../etc"), /leaves the repository/);
  assert.throws(() => parseSource("https://github.com/o/r/tree/main/x#y"), /a tree URL takes no #fragment/);
  assert.throws(() => cleanSubpath("a/../../b", "x"), /leaves the repository/);
  assert.equal(cleanSubpath("./a//b/", "x"), "a/b");
});

Deno.test("REF/PATH is split at the longest branch or tag the remote has; a commit id is taken as is", () => {
  const refs = ["refs/heads/main", "refs/heads/release", "refs/heads/release/1.0", "refs/tags/v1^{}", "refs/tags/v1"];
  assert.deepEqual(splitRefAndPath("release/1.0/apps/web", refs, "x"), { ref: "release/1.0", subpath: "apps/web" });
  assert.deepEqual(splitRefAndPath("release/apps/web", refs, "x"), { ref: "release", subpath: "apps/web" });
  assert.deepEqual(splitRefAndPath("v1", refs, "x"), { ref: "v1", subpath: "" });
  const sha = "0123456789abcdef0123456789abcdef01234567";
  assert.deepEqual(splitRefAndPath(`${sha}/web`, refs, "x"), { ref: sha, subpath: "web" });
  // A ref the remote does not list: its first part, so git reports it missing by name.
  assert.deepEqual(splitRefAndPath("nope/web", refs, "x"), { ref: "nope", subpath: "web" });
});
