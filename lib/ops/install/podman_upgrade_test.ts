/**
 * A host whose podman moves from 5.8 to 6.x under sets leger installed:
 * every command keeps working on the sets in 5.x's flat layout, and the
 * next install/apply/restore moves each into podman 6's folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX, repoWith } from "../../../tests/fakes/fake_host_fixtures.ts";
import { readManifest } from "../../state/manifest.ts";
import { doctor } from "../query/doctor.ts";
import { control, list } from "../query/query.ts";
import { apply, backup, install, remove, restore, stage } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };
const V1 = {
  "web.container": `[Container]\nImage=${NGINX}\nVolume=web-data.volume:/usr/share/nginx/html\nPublishPort=8080:80\n`,
  "web.container.d/10-env.conf": "[Container]\nEnvironment=A=1\n",
  "web-data.volume": "[Volume]\n",
  ".leger.yaml": "version: 1.0.0\n",
};
const V2 = { ...V1, "web.container": V1["web.container"].replace("8080:80", "8081:80"), ".leger.yaml": "version: 2\n" };
const CACHE = { "cache.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n` };

Deno.test("podman 5.8 -> 6.1 under installed sets: list, stop, start, backup, apply, restore and remove keep working", async () => {
  const b = await bench({ podmanVersion: "5.8.6" });
  try {
    const { url } = await repoWith(b.host, [
      { folder: "web", files: V1, tag: "v1" },
      { folder: "web", files: V2, tag: "v2" },
    ]);
    const cacheRepo = await repoWith(b.host, [{ folder: "cache", files: CACHE }]);
    await install(b.engine, `${url}#v1:apps/web`, FAST);
    await install(b.engine, `${cacheRepo.url}#main:apps/cache`, FAST);
    b.host.addVolume("systemd-web-data", { "index.html": "before the upgrade" });
    const before = await backup(b.engine, "web");
    assert.ok(b.host.quadletFiles().includes(".web.app"), "installed in podman 5's flat layout");

    b.host.setPodmanVersion("6.1.1");
    const engine = await b.another();
    const doc = Object.fromEntries((await doctor(engine)).map((c) => [c.name, c]));
    assert.match(doc.backend!.detail, /^native \(podman 6\.1\.1: one folder per set/);
    assert.match(
      doc.layout!.detail,
      /^cache, web still in podman 5's layout .* next install, apply or restore of each moves it/,
    );

    assert.deepEqual((await list(engine)).map((r) => `${r.name}:${r.state}`), ["cache:active", "web:active"]);
    await control(engine, "web", "stop");
    assert.equal(b.host.unit("web.service").active, "inactive");
    await control(engine, "web", "start");
    assert.equal(b.host.unit("web.service").active, "active");
    await backup(engine, "web");

    await stage(engine, "web", { ref: "v2" });
    const [r] = await apply(engine, "web", FAST);
    assert.equal(r!.outcome, "applied");
    const files = b.host.quadletFiles();
    assert.ok(files.includes("web/web.container") && files.includes("web/web.container.d/10-env.conf"), files.join());
    assert.ok(!files.includes("web.container") && !files.includes(".web.app"), "the flat files are gone");
    assert.equal(b.host.unit("web.service").source, join(b.host.quadletDir, "web/web.container"));
    assert.equal(b.host.unit("web.service").active, "active");
    assert.equal(b.host.unit("cache.service").active, "active", "the other set was not touched");

    await restore(engine, "web", before.id, FAST);
    assert.equal(b.host.unit("web.service").active, "active");
    const m = await readManifest(engine.paths, "web");
    assert.equal(m!.version, "1.0.0");
    assert.ok(m!.files.filter((f) => f.path).every((f) => f.path.startsWith(join(b.host.quadletDir, "web/"))));
    assert.match(Deno.readTextFileSync(join(b.host.quadletDir, "web/web.container")), /8080:80/);

    const layout = Object.fromEntries((await doctor(engine)).map((c) => [c.name, c])).layout!;
    assert.match(layout.detail, /^cache still in podman 5's layout/);

    await remove(engine, "web");
    await remove(engine, "cache");
    assert.deepEqual(b.host.quadletFiles(), []);
  } finally {
    await b.cleanup();
  }
});
