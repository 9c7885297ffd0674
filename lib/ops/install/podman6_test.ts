/**
 * What the issue saw on podman 6.1.1 with backend auto, each a test: the
 * install that failed ("application name cannot be empty"), its undo that
 * failed too (`no such application ".leger.yaml"`), and the remove that was
 * refused ("recursive option is not set").
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, logged, NGINX, repoWith, WEB_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import type { LegerError } from "../../core/errors.ts";
import { listManifests, readManifest } from "../../state/manifest.ts";
import { install, remove } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };
const P6 = { podmanVersion: "6.1.1" };

Deno.test("podman 6: install puts the set in its application folder and starts it; remove takes the folder away", async () => {
  const b = await bench(P6);
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    const r = await install(b.engine, `${url}#main:apps/web`, FAST);
    assert.equal(r.manifest.backend, "native");
    assert.deepEqual(b.host.quadletFiles(), ["web/web-data.volume", "web/web.container"]);
    assert.equal(b.host.unit("web.service").active, "active");
    assert.equal(b.host.unit("web.service").source, join(b.host.quadletDir, "web/web.container"));
    await remove(b.engine, "web");
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.equal(b.host.unit("web.service").load, "not-found");
    assert.deepEqual(await listManifests(b.engine.paths), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("podman 6: a failed install is undone completely (.leger.yaml is never handed to podman)", async () => {
  const b = await bench({ ...P6, images: [] });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await assert.rejects(install(b.engine, `${url}#main:apps/web`, FAST), (e: LegerError) => {
      assert.match(e.message, /^Cannot install web: web\.service did not start/);
      return true;
    });
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.deepEqual(logged(b.log.events, "warn"), ["install of web failed; putting the host back"]);
    assert.deepEqual(logged(b.log.events, "error"), [], "the undo did not fail");
    assert.ok(!b.host.callLines("podman").some((l) => l.includes(".leger.yaml")));
  } finally {
    await b.cleanup();
  }
});

Deno.test("podman 6: --force over a version that fails to start puts the previous version back in its folder", async () => {
  const b = await bench(P6);
  try {
    const broken = {
      ...WEB_SET,
      "web.container": WEB_SET["web.container"].replace(NGINX, "docker.io/library/nginx:9.9"),
    };
    const { url, ids } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }, { folder: "web", files: broken }]);
    await install(b.engine, `${url}#${ids[0]}:apps/web`, FAST);
    await assert.rejects(install(b.engine, `${url}#main:apps/web`, { ...FAST, replace: true }), /did not start/);
    assert.equal((await readManifest(b.engine.paths, "web"))?.source.commit, ids[0]);
    assert.equal(b.host.unit("web.service").active, "active", "the old version runs again");
    assert.match(await Deno.readTextFile(join(b.host.quadletDir, "web/web.container")), /nginx:1\.27/);
    assert.deepEqual(b.host.quadletFiles(), ["web/web-data.volume", "web/web.container"]);
  } finally {
    await b.cleanup();
  }
});
