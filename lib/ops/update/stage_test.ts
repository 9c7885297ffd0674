import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX, repoWith, WEB_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import { git } from "../../../tests/helpers/git_repo.ts";
import { ExitCode, type LegerError } from "../../core/errors.ts";
import { readManifest } from "../../state/manifest.ts";
import { readStaged, staged } from "./stage.ts";
import { discard, install, stage } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };
const WEB_V2 = {
  ...WEB_SET,
  "web.container": WEB_SET["web.container"].replace("8080:80", "8081:80"),
  ".leger.yaml": "version: 1.1.0\n",
};

Deno.test("stage with nothing new says 'no change' and stages nothing", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url, ids } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    const [r, ...rest] = await stage(b.engine, "web");
    assert.deepEqual(rest, []);
    assert.equal(r!.changed, false);
    assert.deepEqual(r!.from, { commit: ids[0], version: "1.0.0" });
    assert.deepEqual(r!.to, { commit: ids[0], version: "1.0.0" });
    assert.equal(await readStaged(b.engine, "web"), undefined);
    assert.deepEqual(await staged(b.engine), []);
    assert.ok(b.log.events.some((e) => e.level === "info" && e.message === `web: no change (${ids[0]!.slice(0, 12)})`));
  } finally {
    await b.cleanup();
  }
});

Deno.test("stage keeps a new version aside with its record; the host does not change", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url, ids, dir } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    const installed = (await readManifest(b.engine.paths, "web"))!;
    const quadlets = b.host.quadletFiles();
    const reloads = b.host.reloads;
    await Deno.writeTextFile(join(dir, "apps/web/web.container"), WEB_V2["web.container"]);
    await Deno.writeTextFile(join(dir, "apps/web/.leger.yaml"), WEB_V2[".leger.yaml"]);
    await git(dir, "commit", "-qam", "v2");
    const v2 = await git(dir, "rev-parse", "HEAD");

    // A later leger run (an engine remembers what it fetched for the rest of its run).
    const run = await b.another();
    const [r] = await stage(run, "web");
    assert.equal(r!.changed, true);
    assert.deepEqual(r!.from, { commit: ids[0], version: "1.0.0" });
    assert.deepEqual(r!.to, { commit: v2, version: "1.1.0" });
    const st = (await readStaged(b.engine, "web"))!;
    assert.equal(st.record.source.commit, v2);
    assert.equal(st.record.source.ref, "main");
    assert.equal(st.record.version, "1.1.0");
    assert.equal(st.record.base.commit, ids[0]);
    assert.equal(st.record.base.updatedAt, installed.updatedAt);
    assert.deepEqual(st.files.map((f) => f.name), [".leger.yaml", "web-data.volume", "web.container"]);
    assert.match(st.files.find((f) => f.name === "web.container")!.text, /8081:80/);

    assert.deepEqual(b.host.quadletFiles(), quadlets, "nothing installed");
    assert.equal(b.host.reloads, reloads, "systemd not reloaded");
    assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8080:80"]);
    assert.deepEqual(await readManifest(b.engine.paths, "web"), installed, "manifest unchanged");

    const rows = await staged(b.engine);
    assert.deepEqual(rows.map(({ stagedAt: _, ...r }) => r), [
      { name: "web", from: { commit: ids[0], version: "1.0.0" }, to: { commit: v2, version: "1.1.0" } },
    ]);
    assert.ok(!Number.isNaN(Date.parse(rows[0]!.stagedAt)));
  } finally {
    await b.cleanup();
  }
});

Deno.test("stage --ref stages the version a tag names; staging the installed one again drops it", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url, ids } = await repoWith(b.host, [
      { folder: "web", files: WEB_SET, tag: "v1.0.0" },
      { folder: "web", files: WEB_V2, tag: "v1.1.0" },
      { folder: "web", files: { "web.container": WEB_SET["web.container"].replace("8080:80", "8082:80") } },
    ]);
    await install(b.engine, `${url}#v1.0.0:apps/web`, FAST);
    const [r] = await stage(b.engine, "web", { ref: "v1.1.0" });
    assert.deepEqual(r!.to, { commit: ids[1], version: "1.1.0" });
    const st = (await readStaged(b.engine, "web"))!;
    assert.equal(st.record.source.ref, "v1.1.0");
    assert.equal(st.record.source.commit, ids[1]);

    const [again] = await stage(b.engine, "web");
    assert.equal(again!.changed, false, "the installed tag has nothing new");
    assert.equal(await readStaged(b.engine, "web"), undefined);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a new version that fails validation is refused and nothing is staged", async () => {
  const b = await bench({ backend: "files" });
  try {
    const broken = { "web.container": WEB_SET["web.container"].replace("Image=", "Imag=") };
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET, tag: "v1" }, {
      folder: "web",
      files: broken,
    }]);
    await install(b.engine, `${url}#v1:apps/web`, FAST);
    await assert.rejects(stage(b.engine, "web", { ref: "main" }), (e: LegerError) => {
      assert.equal(e.exitCode, ExitCode.invalid);
      assert.match(e.message, /^Cannot stage web: \d+ error\(s\) found; nothing was changed/);
      assert.match(e.message, /Imag/);
      return true;
    });
    assert.equal(await readStaged(b.engine, "web"), undefined);
    assert.deepEqual(await staged(b.engine), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a port clash is measured against the other sets, not against the set itself", async () => {
  const b = await bench({ backend: "files" });
  try {
    const other = { "other.container": `[Container]\nImage=${NGINX}\nPublishPort=9090:80\n` };
    const clash = { ...WEB_V2, "web.container": WEB_SET["web.container"].replace("8080:80", "9090:80") };
    const { url } = await repoWith(b.host, [
      { folder: "other", files: other },
      { folder: "web", files: WEB_SET, tag: "v1" },
      { folder: "web", files: WEB_V2, tag: "v2" },
      { folder: "web", files: clash, tag: "v3" },
    ]);
    await install(b.engine, `${url}#main:apps/other`, FAST);
    await install(b.engine, `${url}#v1:apps/web`, FAST);
    const [ok] = await stage(b.engine, "web", { ref: "v2" });
    assert.equal(ok!.changed, true, "keeping its own port 8080 -> 8081 is no clash");
    await assert.rejects(stage(b.engine, "web", { ref: "v3" }), /9090/);
    assert.equal((await readStaged(b.engine, "web"))!.record.source.ref, "v2", "the refused stage left v2 as it was");
  } finally {
    await b.cleanup();
  }
});

Deno.test("discard drops one staged set, or all; discarding what is not staged is an error", async () => {
  const b = await bench({ backend: "files" });
  try {
    const cache = { "cache.container": `[Container]\nImage=${NGINX}\n` };
    const { url } = await repoWith(b.host, [
      { folder: "web", files: WEB_SET, tag: "v1" },
      { folder: "cache", files: cache, tag: "c1" },
      { folder: "web", files: WEB_V2 },
      { folder: "cache", files: { "cache.container": `[Container]\nImage=${NGINX}\nExec=sleep 1d\n` } },
    ]);
    await install(b.engine, `${url}#v1:apps/web`, FAST);
    await install(b.engine, `${url}#c1:apps/cache`, FAST);
    for (const n of ["web", "cache"]) await stage(b.engine, n, { ref: "main" });
    assert.deepEqual((await staged(b.engine)).map((r) => r.name).sort(), ["cache", "web"]);

    assert.deepEqual(await discard(b.engine, "web"), ["web"]);
    assert.deepEqual((await staged(b.engine)).map((r) => r.name), ["cache"]);
    await assert.rejects(discard(b.engine, "web"), (e: LegerError) => {
      assert.equal(e.exitCode, ExitCode.notFound);
      assert.equal(e.message, "Cannot discard web: nothing is staged for it");
      return true;
    });
    await stage(b.engine, "web", { ref: "main" });
    assert.deepEqual((await discard(b.engine, "all")).sort(), ["cache", "web"]);
    assert.deepEqual(await staged(b.engine), []);
    assert.deepEqual(await discard(b.engine, "all"), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("stage of a set that is not installed names what is", async () => {
  const b = await bench({ backend: "files" });
  try {
    await assert.rejects(stage(b.engine, "nope"), (e: LegerError) => e.exitCode === ExitCode.notFound);
  } finally {
    await b.cleanup();
  }
});

Deno.test("stage all over 20 sets from 2 repositories fetches each repository once", async () => {
  const b = await bench({ backend: "files" });
  try {
    const sets = (prefix: string, image: string) =>
      Array.from({ length: 10 }, (_, i) => ({
        folder: `${prefix}${i}`,
        files: { [`${prefix}${i}.container`]: `[Container]\nImage=${image}\nExec=sleep infinity\n` },
      }));
    const one = await repoWith(b.host, sets("a", NGINX));
    const two = await repoWith(b.host, sets("b", NGINX));
    for (const [repo, prefix] of [[one, "a"], [two, "b"]] as const) {
      for (let i = 0; i < 10; i++) await install(b.engine, `${repo.url}#main:apps/${prefix}${i}`, { noStart: true });
    }
    // A new commit in the first repository changes a0 only.
    await Deno.writeTextFile(join(one.dir, "apps/a0/a0.container"), `[Container]\nImage=${NGINX}\nExec=sleep 1d\n`);
    await git(one.dir, "commit", "-qam", "a0 v2");

    const run = await b.another();
    const results = await stage(run, "all");
    assert.equal(results.length, 20);
    assert.equal(run.fetcher.stats.fetches, 1, "one fetch, of the repository whose branch moved");
    assert.deepEqual(results.filter((r) => r.changed).map((r) => r.name), ["a0"]);
    assert.deepEqual((await staged(run)).map((r) => r.name), ["a0"]);

    // Both repositories move: still one fetch per repository for 20 sets.
    await Deno.writeTextFile(join(two.dir, "apps/b0/b0.container"), `[Container]\nImage=${NGINX}\nExec=sleep 2d\n`);
    await git(two.dir, "commit", "-qam", "b0 v2");
    await git(one.dir, "commit", "-q", "--allow-empty", "-m", "touch");
    const again = await b.another();
    const second = await stage(again, "all");
    assert.equal(again.fetcher.stats.fetches, 2, "one fetch per repository");
    assert.deepEqual(second.filter((r) => r.changed).map((r) => r.name).sort(), ["a0", "b0"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("stage all with nothing new answers from git ls-remote alone: no fetch, nothing staged", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [
      { folder: "web", files: WEB_SET },
      { folder: "cache", files: { "cache.container": `[Container]\nImage=${NGINX}\n` } },
    ]);
    await install(b.engine, `${url}#main:apps/web`, { noStart: true });
    await install(b.engine, `${url}#main:apps/cache`, { noStart: true });
    const head = (await readManifest(b.engine.paths, "web"))!.source.commit;
    const run = await b.another();
    const results = await stage(run, "all");
    assert.deepEqual(results.map((r) => [r.name, r.changed, r.to.commit]), [
      ["cache", false, head],
      ["web", false, head],
    ]);
    assert.equal(run.fetcher.stats.fetches, 0);
    assert.deepEqual(await staged(run), []);
  } finally {
    await b.cleanup();
  }
});
