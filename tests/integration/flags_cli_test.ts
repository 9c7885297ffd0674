/**
 * A dry run changes nothing, and the choices the old --force lumped together
 * (accept warnings; replace a set or overwrite hand edits) are separate flags.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { bench, NGINX, repoWith } from "../fakes/fake_host_fixtures.ts";
import { readManifest } from "../../lib/state/manifest.ts";
import { runLeger } from "./cli_run.ts";
import { install } from "../helpers/ops.ts";
import { makeRepo } from "../helpers/git_repo.ts";

const V1 = { "web.container": `[Container]\nImage=${NGINX}\nPublishPort=8080:80\n`, ".leger.yaml": "version: 1.0.0\n" };
const V2 = { "web.container": V1["web.container"].replace("8080", "8081"), ".leger.yaml": "version: 2.0.0\n" };
// Two units of one set publishing one host port: a warning, not an error.
const WARN = {
  ...V2,
  "web2.container": `[Container]\nImage=${NGINX}\nPublishPort=8081:81\n`,
  ".leger.yaml": "version: 3.0.0\n",
};

/** Every file under a folder with its content (what "nothing changed" compares). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) {
        out[relative(dir, p) + "/"] = "";
        await walk(p);
      } else out[relative(dir, p)] = e.isFile ? await Deno.readTextFile(p) : "(link)";
    }
  };
  await walk(dir);
  return out;
}

async function setup() {
  const b = await bench({ backend: "files" });
  const { url, ids } = await repoWith(b.host, [
    { folder: "web", files: V1, tag: "v1" },
    { folder: "web", files: V2, tag: "v2" },
    { folder: "web", files: WARN, tag: "warn" },
  ]);
  await install(b.engine, `${url}#v1:apps/web`, { healthTimeoutMs: 5_000 });
  return { b, url, ids };
}

Deno.test("leger update --dry-run shows the diff and stages nothing: leger's state and the host are unchanged", async () => {
  const { b, ids } = await setup();
  try {
    const state = b.engine.paths.stateDir;
    const before = await snapshot(state);
    const quadlets = b.host.quadletFiles();
    const r = await runLeger(b, ["--backend", "files", "update", "web", "--ref", "v2", "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\+PublishPort=8081:80$/m, "the diff is shown");
    assert.deepEqual(await snapshot(state), before, "nothing staged, nothing journaled, nothing written");
    assert.deepEqual(b.host.quadletFiles(), quadlets);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids[0]);
    const staged = await runLeger(b, ["staged"]);
    assert.match(staged.stdout, /nothing staged/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("install: --accept-warnings does not replace an installed set, and --replace does not accept warnings", async () => {
  const { b, url, ids } = await setup();
  try {
    const accept = await runLeger(b, ["--backend", "files", "install", `${url}#v2:apps/web`, "--accept-warnings"]);
    assert.equal(accept.code, 1, accept.stderr);
    assert.match(accept.stderr, /a set with that name is installed/);
    assert.match(accept.stderr, /hint: .*pass --replace to replace it/);
    const replaceWarn = await runLeger(b, ["--backend", "files", "install", `${url}#warn:apps/web`, "--replace"]);
    assert.equal(replaceWarn.code, 3, replaceWarn.stderr);
    assert.match(replaceWarn.stderr, /warning\(s\) found; nothing was changed/);
    assert.match(replaceWarn.stderr, /hint: Fix them, or pass --accept-warnings/);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids[0], "still v1");
    const both = await runLeger(b, [
      "--backend",
      "files",
      "install",
      `${url}#warn:apps/web`,
      "--replace",
      "--accept-warnings",
    ]);
    assert.equal(both.code, 0, both.stderr);
    assert.equal((await readManifest(b.engine.paths, "web"))!.version, "3.0.0");
  } finally {
    await b.cleanup();
  }
});

Deno.test("install from a repository's leger-hosts.yaml: --accept-warnings and --replace reach every set it assigns", async () => {
  const { b, url } = await setup();
  try {
    const dir = join(b.host.root, "fleet-repo");
    const files = Object.fromEntries(Object.entries(WARN).map(([k, v]) => [`apps/web/${k}`, v]));
    await makeRepo(dir, [{ message: "fleet", files: { "leger-hosts.yaml": "all: [apps/web]\n", ...files } }]);
    const fleet = `file://${dir}`;
    // web is installed (v1) from another source: only --replace may replace it, and its warnings need --accept-warnings.
    const plain = await runLeger(b, ["--backend", "files", "install", fleet]);
    assert.notEqual(plain.code, 0, plain.stderr);
    const accept = await runLeger(b, ["--backend", "files", "install", fleet, "--accept-warnings"]);
    assert.equal(accept.code, 1, accept.stderr);
    assert.match(accept.stderr, /a set with that name is installed/);
    const replace = await runLeger(b, ["--backend", "files", "install", fleet, "--replace"]);
    assert.equal(replace.code, 3, replace.stderr);
    assert.match(replace.stderr, /warning\(s\) found; nothing was changed/);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.input, `${url}#v1:apps/web`, "still v1");
    const both = await runLeger(b, ["--backend", "files", "install", fleet, "--replace", "--accept-warnings"]);
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stderr, /going ahead: --accept-warnings/);
    const m = (await readManifest(b.engine.paths, "web"))!;
    assert.equal(m.version, "3.0.0");
    assert.equal(m.source.input, `${fleet}#:apps/web`);
  } finally {
    await b.cleanup();
  }
});

Deno.test("the old --force is refused with the flags that replaced it, before anything runs", async () => {
  for (
    const [args, names] of [
      [["install", "./nowhere", "--force"], /--replace .*--accept-warnings/],
      [["apply", "web", "--force"], /--overwrite-edits .*--accept-warnings/],
      [["update", "--force"], /--overwrite-edits .*--accept-warnings/],
      [["stage", "all", "--force"], /--accept-warnings/],
    ] as const
  ) {
    const r = await runLeger(undefined, [...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /Cannot use --force: it was split into separate flags/);
    assert.match(r.stderr, names);
  }
});
