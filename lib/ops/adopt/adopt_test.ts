import { join } from "node:path";
import assert from "node:assert/strict";
import { bench, NGINX, REDIS, repoWith } from "../../../tests/fakes/fake_host_fixtures.ts";
import { createLeger } from "../../leger.ts";
import { listManifests, readManifest } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";
import { listBackups } from "../../backup/info.ts";
import type { Engine } from "../../engine.ts";
import type { AdoptOptions } from "./adopt.ts";
import { unowned } from "./unowned.ts";

// Through the facade, as commands and workflows reach them (the wrapper takes the lock).
const adopt = (engine: Engine, selectors: string[], options: AdoptOptions = {}) =>
  createLeger(engine).adopt(selectors, options);
const exportSet = (engine: Engine, name: string, dir: string) => createLeger(engine).exportSet(name, dir);

const FAST = { healthTimeoutMs: 5_000 };

/** What a person writes by hand: a web server with a volume, a network, a drop-in and an env file, and a loner. */
const HAND = {
  "web.container": `[Unit]
Description=hand-written web

[Container]
Image=${NGINX}
Volume=web-data.volume:/usr/share/nginx/html
Network=web.network
EnvironmentFile=web.env
`,
  "web-data.volume": "[Volume]\n",
  "web.network": "[Network]\n",
  "web.env": "GREETING=hello\n",
  "web.container.d/10-port.conf": "[Container]\nPublishPort=18080:80\n",
  "solo.container": `[Container]\nImage=${REDIS}\n`,
  "notes.txt": "mine, not a quadlet's\n",
};

async function handWritten(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
}

async function running(b: Awaited<ReturnType<typeof bench>>, units: string[]) {
  await b.engine.systemd.daemonReload();
  await b.engine.systemd.start(units);
}

Deno.test("list --all groups hand-written quadlets by what they reach; adopt makes a set of one without restarting anything", async () => {
  const b = await bench();
  try {
    const dir = b.host.quadletDir;
    await handWritten(dir, HAND);
    await running(b, ["web.service", "solo.service"]);
    const rows = await unowned(b.engine);
    assert.deepEqual(rows.map((r) => [r.name, r.grouping, r.state]), [
      ["solo", "dependencies", "active"],
      ["web", "dependencies", "active"],
    ]);
    const web = rows.find((r) => r.name === "web")!;
    assert.deepEqual(web.files.map((f) => `${f.name}:${f.kind}`), [
      "web-data.volume:quadlet",
      "web.container:quadlet",
      "web.container.d/10-port.conf:asset",
      "web.env:asset",
      "web.network:quadlet",
    ]);
    assert.deepEqual(web.units.map((u) => u.unit).sort(), [
      "web-data-volume.service",
      "web-network.service",
      "web.service",
    ]);

    const planned = await adopt(b.engine, ["web.service"], { dryRun: true });
    assert.equal(planned.sets[0]!.name, "web");
    assert.deepEqual(await listManifests(b.engine.paths), [], "a dry run writes nothing");

    const calls = b.host.callLines("systemctl").length;
    const reloads = b.host.reloads;
    const before = await Deno.readFile(join(dir, "web.container"));
    const r = await adopt(b.engine, ["web.container"]);
    assert.equal(r.sets.length, 1);
    const m = (await readManifest(b.engine.paths, "web"))!;
    assert.equal(m.source.kind, "adopted");
    assert.deepEqual(m.files.find((f) => f.name === "web.container")?.path, join(dir, "web.container"));
    assert.deepEqual(m.volumes.map((v) => v.name), ["systemd-web-data"]);
    assert.deepEqual(m.ports, ["18080:80"], "the drop-in came along");
    assert.deepEqual(await Deno.readFile(join(dir, "web.container")), before, "the file stays byte for byte");
    assert.equal(b.host.reloads, reloads, "no daemon-reload");
    assert.deepEqual(
      b.host.callLines("systemctl").slice(calls).filter((l) => /\b(start|stop|restart|daemon-reload)\b/.test(l)),
      [],
      "no unit started, stopped or restarted",
    );
    assert.equal(b.host.unit("web.service").active, "active");
    assert.deepEqual((await loadSetFiles(b.engine.paths, "web")).map((f) => f.name).sort(), [
      "web-data.volume",
      "web.container",
      "web.container.d/10-port.conf",
      "web.env",
      "web.network",
    ]);
    assert.deepEqual((await unowned(b.engine)).map((g) => g.name), ["solo"], "web is owned now");
    assert.deepEqual((await createLeger(b.engine).list()).map((s) => [s.name, s.source, s.state]), [
      ["web", "adopted", "active"],
    ]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("adopting twice, a unit a set owns, a name taken, and a file gone each refuse and change nothing", async () => {
  const b = await bench();
  try {
    const dir = b.host.quadletDir;
    const { url } = await repoWith(b.host, [{
      folder: "cache",
      files: { "cache.container": `[Container]\nImage=${REDIS}\n` },
    }]);
    await createLeger(b.engine).install(`${url}#main:apps/cache`, FAST);
    await handWritten(dir, HAND);
    await running(b, ["web.service"]);
    await adopt(b.engine, ["web"]);
    const state = async () => JSON.stringify(await listManifests(b.engine.paths));
    const was = await state();
    await assert.rejects(() => adopt(b.engine, ["web"]), /web already belongs to the set web \(adopted\)/);
    await assert.rejects(() => adopt(b.engine, ["web.service"]), /already belongs to the set web/);
    await assert.rejects(
      () => adopt(b.engine, ["cache.container"]),
      /cache\.container already belongs to the set cache \(installed from /,
    );
    await assert.rejects(() => adopt(b.engine, ["nothere"]), /no quadlet that no set owns is named so.*/);
    // A file named by a unit that vanishes (a link whose target is gone) stops the adoption before anything is written.
    await Deno.writeTextFile(join(dir, "gone.container"), `[Container]\nImage=${REDIS}\nEnvironmentFile=gone.env\n`);
    await Deno.symlink(join(dir, "missing-target.env"), join(dir, "gone.env"));
    await assert.rejects(() => adopt(b.engine, ["gone"]), /gone\.env could not be read.*nothing was adopted/);
    assert.equal(await state(), was);
    assert.equal(await readManifest(b.engine.paths, "gone"), undefined);
    // A hand-written group named like an installed set.
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeTextFile(join(dir, "sub", "cache.container"), `[Container]\nImage=${REDIS}\n`);
    await assert.rejects(
      () => adopt(b.engine, ["sub/cache.container".replace("sub/", join(dir, "sub") + "/")]),
      /a set named cache is installed already/,
    );
    assert.equal(await state(), was);
  } finally {
    await b.cleanup();
  }
});

Deno.test("an adopted set is removed without a trace, its volume kept; stage refuses it with the way to a source", async () => {
  const b = await bench();
  try {
    const dir = b.host.quadletDir;
    await handWritten(dir, HAND);
    await running(b, ["web.service"]);
    await adopt(b.engine, ["web"]);
    const leger = createLeger(b.engine);
    await assert.rejects(() => leger.stage("web"), /adopted from this host and has no source.*/);
    assert.deepEqual(await leger.stage("all"), [], "stage all passes over adopted sets");
    await leger.remove("web");
    for (const f of Object.keys(HAND).filter((n) => n.startsWith("web"))) {
      await assert.rejects(() => Deno.stat(join(dir, f)), Deno.errors.NotFound, f);
    }
    assert.ok(await Deno.stat(join(dir, "solo.container")), "what was not adopted stays");
    assert.ok(await Deno.stat(join(dir, "notes.txt")));
    assert.equal(b.host.unit("web.service").active, "inactive");
    assert.deepEqual(await listManifests(b.engine.paths), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("export writes a folder with a .leger.yaml; install --replace from it goes through stage and apply", async () => {
  const b = await bench();
  try {
    const dir = b.host.quadletDir;
    await handWritten(dir, {
      ...HAND,
      "web.container": HAND["web.container"] + "Secret=web-token,type=env,target=TOKEN\n",
    });
    b.host.addSecret("web-token", "s3cret");
    await running(b, ["web.service"]);
    await adopt(b.engine, ["web"]);
    const out = join(b.host.root, "exported");
    const ex = await exportSet(b.engine, "web", out);
    assert.deepEqual(ex.secrets, ["web-token"]);
    const yaml = await Deno.readTextFile(join(out, ".leger.yaml"));
    assert.match(yaml, /name: web\n/);
    assert.match(yaml, /podman-secret: web-token/);
    assert.doesNotMatch(yaml, /s3cret/);
    await assert.rejects(() => exportSet(b.engine, "web", out), /not empty/);
    const leger = createLeger(b.engine);
    const checked = await leger.validate(out);
    assert.equal(checked.errors, 0, JSON.stringify(checked));
    await Deno.writeTextFile(join(out, "web.env"), "GREETING=changed\n");
    const r = await leger.install(out, { replace: true, name: "web", ...FAST });
    assert.equal(r.dryRun, false);
    const m = (await readManifest(b.engine.paths, "web"))!;
    assert.equal(m.source.kind, "local");
    const backups = await listBackups(b.engine, "web");
    assert.equal(backups.length, 1, "apply backed the adopted set up first");
    assert.equal(backups[0]!.reason, "before-apply");
    assert.equal(b.host.unit("web.service").active, "active");
    assert.equal(
      (await loadSetFiles(b.engine.paths, "web")).find((f) => f.name === "web.env")?.text,
      "GREETING=changed\n",
    );
  } finally {
    await b.cleanup();
  }
});

for (const podmanVersion of ["6.1.1", "5.4.2"]) {
  Deno.test(`podman ${podmanVersion}: a sub-folder is ${podmanVersion.startsWith("6") ? "one application" : "grouped by what its units reach"}`, async () => {
    const b = await bench({ podmanVersion });
    try {
      const dir = b.host.quadletDir;
      await handWritten(dir, {
        "tools/a.container": `[Container]\nImage=${REDIS}\n`,
        "tools/b.container": `[Container]\nImage=${REDIS}\n`,
        "tools/readme.txt": "x\n",
      });
      const rows = await unowned(b.engine);
      assert.deepEqual(
        rows.map((r) => [r.name, r.grouping, r.files.map((f) => f.name).join(",")]),
        podmanVersion.startsWith("6")
          ? [["tools", "folder", "a.container,b.container,readme.txt"]]
          : [["a", "dependencies", "a.container"], ["b", "dependencies", "b.container"]],
      );
    } finally {
      await b.cleanup();
    }
  });
}

Deno.test("podman 5.x applications (.NAME.app) are one group; a template and its instance go together", async () => {
  const b = await bench();
  try {
    const dir = b.host.quadletDir;
    await handWritten(dir, {
      "a.container": `[Container]\nImage=${REDIS}\n`,
      "b.container": `[Container]\nImage=${REDIS}\n`,
      ".tools.app": "a.container\nb.container\n",
      "job@.container": `[Container]\nImage=${REDIS}\n`,
    });
    await Deno.symlink("job@.container", join(dir, "job@one.container"));
    const rows = await unowned(b.engine);
    assert.deepEqual(rows.map((r) => [r.name, r.grouping, r.units.map((u) => u.unit).join(",")]), [
      ["tools", "app", "a.service,b.service"],
      ["job", "dependencies", "job@one.service"],
    ]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("install --replace onto an adopted set whose new version does not come up rolls back to the adopted one (exit 7)", async () => {
  const b = await bench({ crashAfterMs: 200 });
  try {
    // With its volume: the rollback restores the volume's data too (this once hung the fake host, fixed in e19bf9e).
    await handWritten(b.host.quadletDir, {
      "web.container": HAND["web.container"],
      "web-data.volume": HAND["web-data.volume"],
      "web.network": HAND["web.network"],
      "web.env": HAND["web.env"],
    });
    await running(b, ["web.service"]);
    await adopt(b.engine, ["web"]);
    const out = join(b.host.root, "exported");
    await exportSet(b.engine, "web", out);
    await Deno.writeTextFile(
      join(out, "web.container"),
      (await Deno.readTextFile(join(out, "web.container"))) + "Exec=/bin/false\n",
    );
    const leger = createLeger(b.engine);
    await assert.rejects(
      () => leger.install(out, { replace: true, name: "web", ...FAST }),
      (e: Error & { exitCode?: number }) => e.exitCode === 7 && /rolled back/.test(e.message),
    );
    const m = (await readManifest(b.engine.paths, "web"))!;
    assert.equal(m.source.kind, "adopted", "the adopted version is the installed one again");
    assert.equal(b.host.unit("web.service").active, "active");
    assert.doesNotMatch(
      (await loadSetFiles(b.engine.paths, "web")).find((f) => f.name === "web.container")!.text,
      /false/,
    );
    assert.deepEqual(await leger.staged(), [], "nothing the user did not stage is left staged");
  } finally {
    await b.cleanup();
  }
});
