import { join } from "node:path";
import assert from "node:assert/strict";
import { bench, CACHE_SET, NGINX, repoWith, WEB_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import type { LegerError } from "../../core/errors.ts";
import { listManifests } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";
import { install, remove } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };

for (const backend of ["native", "files"] as const) {
  Deno.test(`remove (${backend}) stops the units, removes the files and keeps the volumes`, async () => {
    const b = await bench({ backend });
    try {
      const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }, {
        folder: "cache",
        files: CACHE_SET,
      }]);
      await install(b.engine, `${url}#main:apps/web`, FAST);
      await install(b.engine, `${url}#main:apps/cache`, FAST);
      b.host.addVolume("systemd-web-data", { "index.html": "<h1>keep me</h1>" });
      const r = await remove(b.engine, "web");
      assert.deepEqual(r.stopped, ["web-data-volume.service", "web.service"]);
      assert.deepEqual(r.keptVolumes, ["systemd-web-data"]);
      assert.deepEqual(r.removedVolumes, []);
      assert.equal(b.host.unit("web.service").load, "not-found");
      assert.equal(b.host.unit("web.service").active, "inactive");
      assert.ok(!b.host.containers()["systemd-web"]);
      assert.ok(b.host.volumes()["systemd-web-data"], "the data volume stays");
      assert.ok(!b.host.quadletFiles().some((f) => f.includes("web")), `${b.host.quadletFiles()}`);
      assert.deepEqual((await listManifests(b.engine.paths)).map((m) => m.name), ["cache"]);
      await assert.rejects(() => loadSetFiles(b.engine.paths, "web"), /copy of the files of web is missing/);
      assert.deepEqual(
        (await Array.fromAsync(Deno.readDir(join(b.engine.paths.stateDir, "sets")))).map((e) => e.name).sort(),
        [".cache.versions", "cache"],
        "leger's copy of web is gone, link and versions",
      );
      assert.equal(b.host.unit("cache.service").active, "active", "the other set is untouched");
    } finally {
      await b.cleanup();
    }
  });
}

Deno.test("remove with purgeVolumes deletes the set's volumes, named ones included", async () => {
  const b = await bench();
  try {
    const { url } = await repoWith(b.host, [{ folder: "cache", files: CACHE_SET }]);
    await install(b.engine, `${url}#main:apps/cache`, FAST);
    assert.ok(b.host.volumes()["cache-data"], "podman made the named volume at start");
    b.host.addVolume("unrelated");
    const r = await remove(b.engine, "cache", { purgeVolumes: true });
    assert.deepEqual(r.removedVolumes, ["cache-data"]);
    assert.deepEqual(Object.keys(b.host.volumes()), ["unrelated"]);
    assert.ok(b.host.callLines("podman").includes("volume rm --force -- cache-data"));
  } finally {
    await b.cleanup();
  }
});

Deno.test("remove with purgeVolumes says which volumes it removed: one podman never made is not among them", async () => {
  const b = await bench();
  try {
    const { url } = await repoWith(b.host, [{ folder: "cache", files: CACHE_SET }]);
    await install(b.engine, `${url}#main:apps/cache`, FAST);
    await remove(b.engine, "cache");
    await install(b.engine, `${url}#main:apps/cache`, { ...FAST, noStart: true });
    assert.equal(b.host.volumes()["cache-data"]?.name, "cache-data", "kept by the first remove");
    b.host.run("podman", { args: ["volume", "rm", "cache-data"], stdin: new Uint8Array(), env: {}, cwd: "/" });
    assert.equal(b.host.volumes()["cache-data"], undefined);
    const before = b.host.callLines("podman").length;
    const r = await remove(b.engine, "cache", { purgeVolumes: true });
    assert.deepEqual([r.removedVolumes, r.keptVolumes], [[], ["cache-data"]]);
    const calls = b.host.callLines("podman").slice(before).filter((l) => l.startsWith("volume"));
    assert.deepEqual(calls, ["volume rm --force -- cache-data"], "one call, no listing first");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a dry run of remove lists what would go and changes nothing", async () => {
  const b = await bench();
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    const files = b.host.quadletFiles();
    const r = await remove(b.engine, "web", { dryRun: true, purgeVolumes: true });
    assert.equal(r.dryRun, true);
    assert.deepEqual(r.removedVolumes, ["systemd-web-data"]);
    assert.equal(r.removedFiles.length, 2);
    assert.deepEqual(b.host.quadletFiles(), files);
    assert.equal(b.host.unit("web.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("removing a set that is not installed says which ones are", async () => {
  const b = await bench();
  try {
    await assert.rejects(remove(b.engine, "nope"), (e: LegerError) => {
      assert.equal(e.exitCode, 5);
      assert.match(e.message, /Cannot find a set named "nope" \(user scope\)/);
      assert.match(e.hint ?? "", /Nothing is installed/);
      return true;
    });
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    await assert.rejects(remove(b.engine, "nope"), (e: LegerError) => /Installed: web\./.test(e.hint ?? ""));
  } finally {
    await b.cleanup();
  }
});

Deno.test("remove deletes the podman secrets the set declared unless another set declares them too", async () => {
  const b = await bench({ backend: "files" });
  try {
    // Each set's own Setec secrets lie under leger/<set>/; the one both use is shared on purpose (config.yaml).
    b.engine.config.daemon["shared-secrets"] = ["leger/shared/"];
    const setec = (n: string, s: string) => (s.startsWith("shared") ? `leger/shared/${s}` : `leger/${n}/${s}`);
    const yaml = (n: string, secrets: string[]) =>
      `secrets:\n${secrets.map((s) => `  - name: ${setec(n, s)}\n    podman-secret: ${s}\n`).join("")}`;
    const app = (n: string, secrets: string[]) => ({
      [`${n}.container`]: `[Container]\nImage=${NGINX}\n${
        secrets.map((s) => `Secret=${s},type=env,target=${s.toUpperCase().replaceAll("-", "_")}`).join("\n")
      }\n`,
      ".leger.yaml": yaml(n, secrets),
    });
    const { url } = await repoWith(b.host, [
      { folder: "one", files: app("one", ["shared-key", "one-key"]) },
      { folder: "two", files: app("two", ["shared-key"]) },
    ]);
    b.host.addSecret("shared-key", "v1");
    b.host.addSecret("one-key", "v2");
    await install(b.engine, `${url}#main:apps/one`, FAST);
    await install(b.engine, `${url}#main:apps/two`, FAST);
    const r = await remove(b.engine, "one");
    assert.deepEqual(r.removedSecrets, ["one-key"]);
    assert.deepEqual(b.host.secretNames(), ["shared-key"]);
    const r2 = await remove(b.engine, "two");
    assert.deepEqual(r2.removedSecrets, ["shared-key"]);
    assert.deepEqual(b.host.secretNames(), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("remove of a set whose unit crashed still removes it", async () => {
  const b = await bench({ backend: "native", crashAfterMs: 100 });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    b.host.crashUnit("web.service");
    await b.engine.systemd.restart(["web.service"]);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(b.host.unit("web.service").active, "failed");
    await remove(b.engine, "web");
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.equal(b.host.unit("web.service").load, "not-found");
  } finally {
    await b.cleanup();
  }
});
