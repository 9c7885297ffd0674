import assert from "node:assert/strict";
import { join } from "node:path";
import { git, makeRepo } from "../../tests/helpers/git_repo.ts";
import { bench, NGINX, REDIS } from "../../tests/fakes/fake_host_fixtures.ts";
import { createLeger } from "../leger.ts";
import type { LegerError } from "../core/errors.ts";
import { catalogsOf } from "./catalogs.ts";
import { defaultConfig } from "../config.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const WEB = {
  "sets/web/web.container":
    `[Unit]\nDescription=Static web server\n\n[Container]\nImage=${NGINX}\nPublishPort=8080:80\n`,
  "sets/web/.leger.yaml": "version: 1.2.0\ndescription: A web server with its data volume\npodman: '>=5.0'\n",
  "sets/cache/cache.container": `[Unit]\nDescription=Key-value cache\n\n[Container]\nImage=${REDIS}\n`,
  "sets/docs/README.md": "not a set: no quadlet file\n",
  "README.md": "a catalog\n",
};

async function catalogRepo(root: string, name: string, files: Record<string, string | null> = WEB) {
  const dir = join(root, name);
  const ids = await makeRepo(dir, [{ message: "sets", files }]);
  return { dir, ids, url: `file://${dir}` };
}

Deno.test("search lists each set folder with its description, version and images; a term filters", opts, async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url, ids } = await catalogRepo(b.host.root, "cat");
    b.engine.config.catalogs = [{ url, path: "sets", name: "home" }];
    const leger = createLeger(b.engine);
    const all = await leger.search();
    assert.deepEqual(all.catalogs, [{ name: "home", source: url, commit: ids[0], fetched: true, sets: 2 }]);
    assert.deepEqual(all.sets.map((s) => [s.name, s.catalog, s.description, s.version, s.images]), [
      ["cache", "home", "Key-value cache", undefined, [REDIS]],
      ["web", "home", "A web server with its data volume", "1.2.0", [NGINX]],
    ]);
    assert.equal(all.sets[1]!.source, `${url}#:sets/web`);
    assert.deepEqual(all.sets[1]!.podman, [">=5.0"]);
    assert.deepEqual((await leger.search("REDIS")).sets.map((s) => s.name), ["cache"]);
    assert.deepEqual((await leger.search("web server")).sets.map((s) => s.name), ["web"]);
    assert.deepEqual((await leger.search("nothing-like-this")).sets, []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a second search with nothing new on the remote fetches nothing; a new commit is fetched", opts, async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url, dir } = await catalogRepo(b.host.root, "cat");
    b.engine.config.catalogs = [{ url, path: "sets" }];
    assert.equal((await createLeger(b.engine).search()).catalogs[0]!.fetched, true);
    // Another run: a new engine, a new fetcher, the same cache.
    const second = await b.another();
    second.config.catalogs = [{ url, path: "sets" }];
    const again = await createLeger(second).search();
    assert.equal(again.catalogs[0]!.fetched, false);
    assert.equal(second.fetcher.stats.fetches, 0);
    assert.equal(again.sets.length, 2);
    await Deno.writeTextFile(join(dir, "sets/cache/.leger.yaml"), "description: A cache\n");
    await git(dir, "add", "-A");
    await git(dir, "commit", "-q", "-m", "describe the cache");
    const third = await b.another();
    third.config.catalogs = [{ url, path: "sets" }];
    const moved = await createLeger(third).search();
    assert.equal(moved.catalogs[0]!.fetched, true);
    assert.equal(moved.sets.find((s) => s.name === "cache")?.description, "A cache");
  } finally {
    await b.cleanup();
  }
});

Deno.test(
  "an unreachable catalog, a folder that is no repository and a broken set are named; others answer",
  opts,
  async () => {
    const b = await bench({ backend: "files" });
    try {
      const good = await catalogRepo(b.host.root, "good");
      const broken = await catalogRepo(b.host.root, "broken", {
        "bad/bad.container": "[Container]\nImage=x\n",
        "bad/.leger.yaml": "version: [1\n",
        "ok/ok.container": `[Container]\nImage=${NGINX}\n`,
      });
      const plain = join(b.host.root, "plain");
      await Deno.mkdir(plain);
      b.engine.config.catalogs = [
        { url: good.url, path: "sets", name: "good" },
        { url: "http://127.0.0.1:9/nobody/here.git", name: "gone" },
        { url: `file://${plain}`, name: "plain" },
        { url: broken.url, name: "broken" },
      ];
      const r = await createLeger(b.engine).search();
      assert.deepEqual(r.catalogs.map((c) => [c.name, c.error === undefined]), [
        ["good", true],
        ["gone", false],
        ["plain", false],
        ["broken", true],
      ]);
      assert.match(r.catalogs[1]!.error!, /Cannot fetch http:\/\/127\.0\.0\.1:9\/nobody\/here\.git/);
      assert.match(r.catalogs[2]!.error!, /no repository there|not a git repository/i);
      const warned = b.log.events.filter((e) => e.level === "warn").map((e) => e.message).join("\n");
      assert.match(warned, /catalog gone \(http:\/\/127\.0\.0\.1:9\/nobody\/here\.git\)/);
      assert.match(warned, /catalog plain/);
      assert.deepEqual(r.sets.map((s) => `${s.catalog}/${s.name}`), [
        "good/cache",
        "good/web",
        "broken/bad",
        "broken/ok",
      ]);
      assert.match(r.sets[2]!.problem!, /^\.leger\.yaml:\d+: .*\]/);
      assert.equal(r.sets[3]!.problem, undefined);
      // With every catalog unreadable, search fails naming them.
      b.engine.config.catalogs = [{ url: "http://127.0.0.1:9/nobody/here.git", name: "gone" }];
      await assert.rejects(createLeger(b.engine).search(), (e: LegerError) => {
        assert.match(e.message, /Cannot read the catalog gone \(http:\/\/127\.0\.0\.1:9\/nobody\/here\.git\)/);
        return true;
      });
    } finally {
      await b.cleanup();
    }
  },
);

Deno.test(
  "a short name resolves to its full source; two catalogs offering it are refused naming both",
  opts,
  async () => {
    const b = await bench({ backend: "files" });
    try {
      const one = await catalogRepo(b.host.root, "one");
      const two = await catalogRepo(b.host.root, "two", { "web/web.container": `[Container]\nImage=${NGINX}\n` });
      b.engine.config.catalogs = [{ url: one.url, path: "sets", name: "one" }, { url: two.url, name: "two" }];
      const leger = createLeger(b.engine);
      assert.equal(await leger.resolveSource("cache"), `${one.url}#:sets/cache`);
      await assert.rejects(leger.resolveSource("web"), (e: LegerError) => {
        assert.equal(e.exitCode, 2);
        assert.match(e.message, new RegExp(`one/web \\(${one.url}#:sets/web\\)`));
        assert.match(e.message, new RegExp(`two/web \\(${two.url}#:web\\)`));
        assert.match(e.hint!, /leger install one\/web or leger install two\/web/);
        return true;
      });
      assert.equal(await leger.resolveSource("two/web"), `${two.url}#:web`);
      await assert.rejects(leger.resolveSource("nope"), /no catalog offers a set named nope/);
      await assert.rejects(leger.resolveSource("three/web"), /no catalog is named three/);
      await assert.rejects(
        leger.resolveSource("web", { catalog: "http://127.0.0.1:9/gone.git" }),
        /^NotFoundError: Cannot find web: it is not a folder here, and leger cannot read the catalog gone \(http:\/\/127\.0\.0\.1:9\/gone\.git\)/,
      );
      // Paths and URLs are left alone; --catalog replaces the configured catalogs.
      assert.equal(await leger.resolveSource("./web"), "./web");
      assert.equal(await leger.resolveSource(`${one.url}#main:sets/web`), `${one.url}#main:sets/web`);
      assert.equal(await leger.resolveSource("web", { catalog: two.url }), `${two.url}#:web`);
      const here = Deno.cwd();
      Deno.chdir(b.host.root);
      try {
        // A folder of that name here is what `leger install one` always meant.
        assert.equal(await leger.resolveSource("one"), "one");
      } finally {
        Deno.chdir(here);
      }
    } finally {
      await b.cleanup();
    }
  },
);

Deno.test(
  "install NAME records the full source; search then shows it installed, and an update once it changes",
  opts,
  async () => {
    const b = await bench({ backend: "files" });
    try {
      const { url, dir } = await catalogRepo(b.host.root, "cat");
      b.engine.config.catalogs = [{ url, path: "sets", name: "home" }];
      const leger = createLeger(b.engine);
      const installed = await leger.install(await leger.resolveSource("cache"));
      assert.equal(installed.manifest.source.input, `${url}#:sets/cache`);
      assert.equal(installed.manifest.source.subpath, "sets/cache");
      let row = (await leger.search("cache")).sets[0]!;
      assert.deepEqual(row.installed, { name: "cache", sameSource: true, update: false });
      await Deno.writeTextFile(
        join(dir, "sets/cache/cache.container"),
        `[Container]\nImage=${REDIS}\nEnvironment=A=1\n`,
      );
      await git(dir, "add", "-A");
      await git(dir, "commit", "-q", "-m", "cache: A=1");
      const next = await b.another();
      next.config.catalogs = b.engine.config.catalogs;
      row = (await createLeger(next).search("cache")).sets[0]!;
      assert.deepEqual(row.installed, { name: "cache", sameSource: true, update: true });
      // The recorded source is an ordinary Git source: stage follows it to the new commit.
      const staged = await createLeger(next).stage("cache");
      assert.equal(staged[0]?.changed, true, JSON.stringify(staged));
    } finally {
      await b.cleanup();
    }
  },
);

Deno.test("catalogs come from config.yaml, leger's examples when it names none; two of one name are refused", () => {
  const config = defaultConfig();
  assert.deepEqual(catalogsOf(config, {}).map((c) => c.name), ["leger"]);
  config.catalogs = [];
  assert.deepEqual(catalogsOf(config, {}), []);
  config.catalogs = [{ url: "https://git.example.com/a/sets.git" }, { url: "https://git.example.com/b/sets" }];
  assert.throws(() => catalogsOf(config, {}), /two catalogs named "sets"/);
  const one = catalogsOf(config, {}, "https://git.example.com/c/more.git#v1:apps")[0]!;
  assert.equal(one.name, "more");
  assert.deepEqual(one.spec.kind === "git" && [one.spec.ref, one.spec.subpath], ["v1", "apps"]);
  assert.throws(() => catalogsOf(config, {}, "https://git.example.com/x.git#-bad"), /--catalog/);
});

Deno.test("inspect of a set that is not installed shows what it would bring and changes nothing", opts, async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await catalogRepo(b.host.root, "cat", {
      "app/app.container": [
        "[Unit]",
        "Requires=db.service",
        "After=db.service",
        "[Container]",
        `Image=${NGINX}`,
        "Network=app.network",
        "PublishPort=8080:80",
        "Volume=/srv/app-config:/etc/app:ro",
        "Secret=app-db-password,type=env,target=DB_PASSWORD",
        "",
      ].join("\n"),
      "app/db.container": `[Container]\nImage=${REDIS}\nNetwork=app.network\nVolume=app-db.volume:/data\n`,
      "app/app.network": "[Network]\n",
      "app/app-db.volume": "[Volume]\n",
      "app/.leger.yaml": [
        "description: An app and its database",
        "version: 0.1.0",
        "secrets:",
        "  - name: leger/app/db-password",
        "    podman-secret: app-db-password",
        "",
      ].join("\n"),
      "web/web.container": `[Container]\nImage=${NGINX}\nPublishPort=8080:80\n`,
    });
    b.engine.config.catalogs = [{ url, name: "home" }];
    const leger = createLeger(b.engine);
    await leger.install(await leger.resolveSource("web"));
    const quadlets = [...Deno.readDirSync(b.engine.paths.quadletDir)].map((e) => e.name).sort();
    const p = await leger.inspectSource("app");
    assert.equal(p.name, "app");
    assert.equal(p.source.input, `${url}#:app`);
    assert.equal(p.description, "An app and its database");
    assert.deepEqual(p.images, [NGINX, REDIS]);
    assert.deepEqual(p.ports, [{ port: "8080:80", usedBy: ["web (web.container: PublishPort=8080:80)"] }]);
    assert.deepEqual(p.volumes.map((v) => v.name), ["systemd-app-db"]);
    assert.deepEqual(p.binds, [{ hostPath: "/srv/app-config", file: "app.container" }]);
    assert.deepEqual(p.secrets, [{ podmanSecret: "app-db-password", setec: "leger/app/db-password", inPodman: false }]);
    assert.deepEqual(p.dependencies, [
      { unit: "app.service", needs: ["app-network.service", "db.service"] },
      { unit: "db.service", needs: ["app-db-volume.service", "app-network.service"] },
    ]);
    assert.equal(p.verdict.ok, p.verdict.errors === 0);
    assert.ok(p.verdict.findings.some((f) => f.code.startsWith("conflict/")), "the port clash is a finding");
    assert.deepEqual(p.wouldStart, ["app-db-volume.service", "app-network.service", "app.service", "db.service"]);
    assert.deepEqual(p.units.map((u) => `${u.unit}:${u.kind}`).sort(), [
      "app-db-volume.service:volume",
      "app-network.service:network",
      "app.service:container",
      "db.service:container",
    ]);
    // Nothing on the host changed: the quadlet folder, the installed sets.
    assert.deepEqual([...Deno.readDirSync(b.engine.paths.quadletDir)].map((e) => e.name).sort(), quadlets);
    assert.deepEqual((await leger.list()).map((r) => r.name), ["web"]);
  } finally {
    await b.cleanup();
  }
});
