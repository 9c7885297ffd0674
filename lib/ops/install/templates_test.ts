import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, logged, NGINX, repoWith } from "../../../tests/fakes/fake_host_fixtures.ts";
import type { LegerError } from "../../core/errors.ts";
import { run } from "../../host/shell.ts";
import { readManifest } from "../../state/manifest.ts";
import { diff } from "../update/diff.ts";
import { doctor } from "../query/doctor.ts";
import { control, inspect, list, logs } from "../query/query.ts";
import { apply, backup, install, remove, restore, stage } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };

const template = (tag = "1.27", extra = "") =>
  `[Container]
Image=docker.io/library/nginx:${tag}
Volume=data-%i:/data
${extra}
[Install]
WantedBy=default.target
DefaultInstance=one
`;

/** A set folder with the template, a linked instance and DefaultInstance=. */
async function templateFolder(root: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = join(root, "tpl");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "web@.container"), template());
  await Deno.symlink("web@.container", join(dir, "web@two.container"));
  for (const [name, text] of Object.entries(extra)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

const BUNDLE = [
  "# FileName=bweb",
  "[Container]",
  `Image=${NGINX}`,
  "Volume=bdata.volume:/data",
  "---",
  "# FileName=bdata",
  "[Volume]",
  "",
].join("\n");

Deno.test("a set with a template on podman 5.8: installed through the files backend, its instances run and are driven, nothing is left after remove", async () => {
  const b = await bench({ backend: "native", podmanVersion: "5.8.6" });
  try {
    const dir = await templateFolder(b.host.root);
    const r = await install(b.engine, dir, FAST);
    assert.deepEqual(r.started, ["web@one.service", "web@two.service"]);
    assert.equal(b.host.unit("web@one.service").active, "active");
    assert.equal(b.host.unit("web@two.service").active, "active");
    assert.ok(b.host.containers()["systemd-web_one"] && b.host.containers()["systemd-web_two"]);
    assert.ok(b.host.volumes()["data-one"] && b.host.volumes()["data-two"], "one %i volume per instance");
    const m = (await readManifest(b.engine.paths, "tpl"))!;
    assert.equal(m.backend, "files", "podman 5.8 cannot list or remove templates: the files backend is used");
    assert.deepEqual(m.units, ["web@one.service", "web@two.service"]);
    assert.deepEqual(m.volumes.map((v) => v.name), ["data-one", "data-two"]);
    assert.deepEqual(b.host.quadletFiles(), ["tpl/web@.container", "tpl/web@two.container"]);
    assert.ok(logged(b.log.events, "info").some((l) => /has template units: using the files backend/.test(l)));
    assert.match((await inspect(b.engine, "tpl")).backendNote ?? "", /cannot list or remove template units/);
    assert.match(
      (await doctor(b.engine)).find((c) => c.name === "templates")?.detail ?? "",
      /podman 5\.8\.6 cannot list or remove template units.*use the files backend/,
    );
    // podman itself cannot list while a template is installed (as on a real 5.8.6 host)
    const listed = await run(b.engine.$, ["podman", "quadlet", "list"]);
    assert.notEqual(listed.code, 0);
    assert.match(listed.stderr, /Unit name web@\.service is missing the instance name/);

    const [row] = await list(b.engine);
    assert.deepEqual(row!.units.map((u) => `${u.unit}:${u.active}`), [
      "web@one.service:active",
      "web@two.service:active",
    ]);
    assert.equal(row!.state, "active");
    const stopped = await control(b.engine, "tpl", "stop");
    assert.deepEqual(stopped.map((u) => `${u.unit}:${u.active}`), [
      "web@one.service:inactive",
      "web@two.service:inactive",
    ]);
    const started = await control(b.engine, "tpl", "start");
    assert.deepEqual(started.map((u) => u.active), ["active", "active"]);
    const before = b.host.containers()["systemd-web_two"]!.id;
    await control(b.engine, "tpl", "restart");
    assert.notEqual(b.host.containers()["systemd-web_two"]!.id, before, "restart acts on the instance");
    assert.match(await logs(b.engine, "tpl"), /web@two/);

    await remove(b.engine, "tpl");
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.equal((await run(b.engine.$, ["podman", "quadlet", "list"])).code, 0, "podman quadlet list works again");
    assert.equal(b.host.unit("web@two.service").load, "not-found");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a failed install of a set with a template leaves no file behind, and podman quadlet list keeps working", async () => {
  const b = await bench({ backend: "native", podmanVersion: "5.8.6", images: [] });
  try {
    const dir = await templateFolder(b.host.root);
    await assert.rejects(install(b.engine, dir, FAST), (e: LegerError) => {
      assert.match(e.message, /^Cannot install tpl: web@one\.service did not start/);
      return true;
    });
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.ok(!logged(b.log.events, "error").some((l) => /could not undo/.test(l)), "the undo completed");
    assert.equal((await run(b.engine.$, ["podman", "quadlet", "list"])).code, 0);
  } finally {
    await b.cleanup();
  }
});

Deno.test("the health gate waits for each instance: an unhealthy instance fails the install", async () => {
  const b = await bench({ backend: "files" });
  try {
    const dir = await templateFolder(b.host.root, {
      "web@two.container.d/health.conf": "[Container]\nHealthCmd=false\n",
    });
    await assert.rejects(install(b.engine, dir, { healthTimeoutMs: 8_000 }), (e: LegerError) => {
      assert.match(e.message, /web@two\.service did not start/);
      assert.match(e.message, /healthcheck is unhealthy \(container systemd-web_two\)/);
      return true;
    });
    assert.deepEqual(b.host.quadletFiles(), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("updating a template restarts its instances; a new DefaultInstance= starts the new one and stops the old", async () => {
  const b = await bench({ backend: "native", images: [NGINX, "docker.io/library/nginx:1.28"] });
  try {
    const v1 = { "web@.container": template(), "web@two.container": template() };
    const v2 = { "web@.container": template("1.28"), "web@two.container": template("1.28") };
    const v3 = {
      "web@.container": template("1.28").replace("DefaultInstance=one", "DefaultInstance=three"),
      "web@two.container": template("1.28").replace("DefaultInstance=one", "DefaultInstance=three"),
    };
    const { url } = await repoWith(b.host, [
      { folder: "tpl", files: v1, tag: "v1" },
      { folder: "tpl", files: v2, tag: "v2" },
      { folder: "tpl", files: v3, tag: "v3" },
    ]);
    await install(b.engine, `${url}#v1:apps/tpl`, FAST);
    await stage(b.engine, "tpl", { ref: "v2" });
    const [r2] = await apply(b.engine, "tpl", FAST);
    assert.equal(r2!.outcome, "applied");
    assert.deepEqual(r2!.impact.restart, ["web@one.service", "web@two.service"]);
    assert.equal(b.host.containers()["systemd-web_one"]!.image, "docker.io/library/nginx:1.28");
    assert.equal(b.host.containers()["systemd-web_two"]!.image, "docker.io/library/nginx:1.28");
    await stage(b.engine, "tpl", { ref: "v3" });
    const [r3] = await apply(b.engine, "tpl", FAST);
    assert.deepEqual(r3!.impact, {
      stop: ["web@one.service"],
      start: ["web@three.service"],
      restart: ["web@two.service"],
    });
    assert.equal(b.host.unit("web@three.service").active, "active");
    assert.deepEqual((await readManifest(b.engine.paths, "tpl"))!.units, ["web@three.service", "web@two.service"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a backup covers the %i volume of every instance and restore puts it back", async () => {
  const b = await bench({ backend: "files" });
  try {
    await install(b.engine, await templateFolder(b.host.root), FAST);
    const file = join(b.host.addVolume("data-two"), "state.txt");
    await Deno.writeTextFile(file, "two-v1");
    const info = await backup(b.engine, "tpl");
    assert.deepEqual(info.volumes.map((v) => v.name), ["data-one", "data-two"]);
    await Deno.writeTextFile(file, "changed");
    await restore(b.engine, "tpl", info.id, FAST);
    const mp = b.host.volumes()["data-two"]!.mountpoint;
    assert.equal(await Deno.readTextFile(join(mp, "state.txt")), "two-v1");
    assert.equal(b.host.unit("web@two.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

for (const [backend, version] of [["files", "5.4.2"], ["native", "5.8.6"], ["native", "5.6.0"]] as const) {
  Deno.test(`a .quadlets bundle (${backend}, podman ${version}) is split into its units: started, listed, diffed, backed up, removed`, async () => {
    const b = await bench({ backend, podmanVersion: version, images: [NGINX, "docker.io/library/nginx:1.28"] });
    try {
      const v2 = BUNDLE.replace(NGINX, "docker.io/library/nginx:1.28");
      const { url } = await repoWith(b.host, [
        { folder: "app", files: { "app.quadlets": BUNDLE }, tag: "v1" },
        { folder: "app", files: { "app.quadlets": v2 }, tag: "v2" },
      ]);
      const r = await install(b.engine, `${url}#v1:apps/app`, FAST);
      assert.deepEqual(r.started, ["bdata-volume.service", "bweb.service"]);
      assert.equal(b.host.unit("bweb.service").active, "active");
      assert.ok(b.host.volumes()["systemd-bdata"]);
      const m = (await readManifest(b.engine.paths, "app"))!;
      assert.deepEqual(m.files.map((f) => f.name).sort(), ["bdata.volume", "bweb.container"]);
      assert.deepEqual(
        b.host.quadletFiles().filter((f) => !f.endsWith(".app")),
        backend === "files" ? ["app/bdata.volume", "app/bweb.container"] : ["bdata.volume", "bweb.container"],
      );
      const [row] = await list(b.engine);
      assert.equal(row!.state, "active");
      assert.deepEqual(row!.units.map((u) => u.unit), ["bdata-volume.service", "bweb.service"]);
      const info = await backup(b.engine, "app");
      assert.deepEqual(info.volumes.map((v) => v.name), ["systemd-bdata"]);

      await stage(b.engine, "app", { ref: "v2" });
      const d = await diff(b.engine, "app");
      assert.deepEqual(d.summary.images, [{ file: "bweb.container", from: NGINX, to: "docker.io/library/nginx:1.28" }]);
      assert.deepEqual(d.summary.units.restart, ["bweb.service"]);
      const [a] = await apply(b.engine, "app", FAST);
      assert.deepEqual(a!.impact, { stop: [], start: [], restart: ["bweb.service"] });
      assert.equal(b.host.containers()["systemd-bweb"]!.image, "docker.io/library/nginx:1.28");

      await remove(b.engine, "app");
      assert.deepEqual(b.host.quadletFiles(), []);
    } finally {
      await b.cleanup();
    }
  });
}
