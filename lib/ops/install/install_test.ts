import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, CACHE_SET, logged, NGINX, repoWith, WEB_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import { git } from "../../../tests/helpers/git_repo.ts";
import { sha256 } from "../../core/fs.ts";
import type { LegerError } from "../../core/errors.ts";
import { listManifests, readManifest } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";
import { control, list, logs } from "../query/query.ts";
import { install } from "../../../tests/helpers/ops.ts";
import { guarded } from "../guarded.ts";
import * as installOps from "./install.ts";

const FAST = { healthTimeoutMs: 5_000 };

for (const backend of ["native", "files"] as const) {
  Deno.test(`install (${backend}) from a git repository starts the units and records commit and checksums`, async () => {
    const b = await bench({ backend });
    try {
      const { url, ids } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
      const r = await install(b.engine, `${url}#main:apps/web`, FAST);
      assert.equal(r.name, "web");
      assert.deepEqual(r.started, ["web-data-volume.service", "web.service"]);
      assert.equal(b.host.unit("web.service").active, "active");
      assert.equal(b.host.unit("web.service").sub, "running");
      assert.equal(b.host.unit("web-data-volume.service").sub, "exited");
      assert.ok(b.host.volumes()["systemd-web-data"], "the .volume unit made its podman volume");
      assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8080:80"]);

      const m = await readManifest(b.engine.paths, "web");
      assert.ok(m);
      assert.equal(m.backend, backend);
      assert.equal(m.source.commit, ids[0]);
      assert.equal(m.source.subpath, "apps/web");
      assert.equal(m.version, "1.0.0");
      assert.deepEqual(m.files.map((f) => f.name), [".leger.yaml", "web-data.volume", "web.container"]);
      for (const f of m.files) {
        assert.equal(f.sha256, await sha256(WEB_SET[f.name as keyof typeof WEB_SET]), f.name);
        if (f.path) assert.equal(await sha256(await Deno.readFile(f.path)), f.sha256, `${f.name} on disk`);
      }
      assert.deepEqual(m.volumes, [{ name: "systemd-web-data", unitFile: "web-data.volume" }]);
      assert.ok(!b.host.quadletFiles().some((f) => f.endsWith("README.md")), "README is not part of the set");
      if (backend === "native") {
        assert.deepEqual(b.host.quadletFiles(), [".web.app", "web-data.volume", "web.container"]);
        assert.ok(
          b.host.callLines("podman").some((l) => /^quadlet install --reload-systemd=false -- \S+\/web$/.test(l)),
        );
      } else {
        assert.deepEqual(b.host.quadletFiles(), ["web/web-data.volume", "web/web.container"]);
        assert.ok(!b.host.callLines("podman").some((l) => l.startsWith("quadlet") && !l.endsWith("--help")));
      }
      assert.deepEqual((await loadSetFiles(b.engine.paths, "web")).map((f) => f.name), [
        ".leger.yaml",
        "web-data.volume",
        "web.container",
      ]);

      const rows = await list(b.engine);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.state, "active");
      assert.equal(rows[0]!.commit, ids[0]);
    } finally {
      await b.cleanup();
    }
  });

  Deno.test(`install (${backend}) with a missing image fails, shows the unit's journal, and leaves nothing installed`, async () => {
    const b = await bench({ backend, images: [] });
    try {
      const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
      await assert.rejects(install(b.engine, `${url}#main:apps/web`, FAST), (e: LegerError) => {
        assert.match(e.message, /^Cannot install web: web\.service did not start/);
        assert.match(e.message, /web\.service is failed\/failed \(exit-code\)/);
        assert.match(
          e.message,
          /initializing source docker:\/\/docker\.io\/library\/nginx:1\.27: pinging container registry docker\.io/,
        );
        assert.match(e.hint ?? "", /nothing was left installed/);
        return true;
      });
      assert.deepEqual(b.host.quadletFiles(), [], "no file left in the quadlet folder");
      assert.deepEqual(await listManifests(b.engine.paths), [], "no manifest");
      await assert.rejects(() => loadSetFiles(b.engine.paths, "web"), /copy of the files of web is missing/);
      assert.deepEqual(
        await Array.fromAsync(Deno.readDir(join(b.engine.paths.stateDir, "sets"))).catch(() => []),
        [],
        "no copy and no version of it left",
      );
      assert.equal(b.host.unit("web.service").load, "not-found");
      assert.equal(b.host.unit("web-data-volume.service").load, "not-found");
      assert.deepEqual(logged(b.log.events, "warn"), ["install of web failed; putting the host back"]);
      assert.deepEqual(await Array.fromAsync(Deno.readDir(b.engine.paths.journalDir)), [], "journal entry ended");
    } finally {
      await b.cleanup();
    }
  });

  Deno.test(`install (${backend}) of the same name again is refused and says to use --replace; --replace replaces and drops removed files`, async () => {
    const b = await bench({ backend });
    try {
      const v1 = {
        ...WEB_SET,
        "worker.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n`,
        "web.env": "MODE=one\n",
      };
      v1["web.container"] = WEB_SET["web.container"].replace("PublishPort", "EnvironmentFile=web.env\nPublishPort");
      const v2 = {
        "web.container": WEB_SET["web.container"].replace("8080:80", "8081:80"),
        "web-data.volume": "[Volume]\n",
        "worker.container": null,
        "web.env": null,
      };
      const { url, ids } = await repoWith(b.host, [{ folder: "web", files: v1 }, { folder: "web", files: v2 }]);
      await install(b.engine, `${url}#${ids[0]}:apps/web`, FAST);
      assert.equal(b.host.unit("worker.service").active, "active");
      const before = b.host.quadletFiles();
      assert.ok(before.some((f) => f.endsWith("web.env")), "the EnvironmentFile came along");

      await assert.rejects(install(b.engine, `${url}#main:apps/web`, FAST), (e: LegerError) => {
        assert.match(e.message, /Cannot install web: a set with that name is installed/);
        assert.match(e.hint ?? "", /--replace to replace it/);
        return true;
      });
      // Accepting warnings is a different choice: it does not replace the installed set.
      await assert.rejects(
        install(b.engine, `${url}#main:apps/web`, { ...FAST, acceptWarnings: true }),
        /is installed/,
      );
      assert.deepEqual(b.host.quadletFiles(), before, "a refused install changes nothing");

      const r = await install(b.engine, `${url}#main:apps/web`, { ...FAST, replace: true });
      assert.equal(r.manifest.source.commit, ids[1]);
      // Both backends drop the files the new version no longer has (native: the app is installed afresh).
      const after = b.host.quadletFiles();
      assert.deepEqual(r.manifest.units, ["web-data-volume.service", "web.service"]);
      assert.ok(!after.some((f) => f.endsWith("worker.container")), `worker.container is gone: ${after}`);
      assert.ok(!after.some((f) => f.endsWith("web.env")), `web.env is gone: ${after}`);
      assert.equal(b.host.unit("worker.service").load, "not-found");
      assert.equal(b.host.unit("web.service").active, "active");
      assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8081:80"], "the running unit has the new config");
      assert.equal(r.manifest.installedAt, (await readManifest(b.engine.paths, "web"))!.installedAt);
    } finally {
      await b.cleanup();
    }
  });
}

Deno.test({
  name: "install (native) --replace removes a file the new version dropped and keeps the rest of the app",
  fn: async () => {
    const b = await bench({ backend: "native" });
    try {
      const v1 = { ...WEB_SET, "worker.container": `[Container]\nImage=${NGINX}\n` };
      const { url, ids } = await repoWith(b.host, [{ folder: "web", files: v1 }, {
        folder: "web",
        files: { "worker.container": null },
      }]);
      await install(b.engine, `${url}#${ids[0]}:apps/web`, FAST);
      await install(b.engine, `${url}#main:apps/web`, { ...FAST, replace: true });
      assert.deepEqual(b.host.quadletFiles(), [".web.app", "web-data.volume", "web.container"]);
      assert.equal(b.host.unit("web.service").active, "active");
      assert.equal(b.host.unit("worker.service").load, "not-found");
    } finally {
      await b.cleanup();
    }
  },
});

Deno.test("--replace over a version that fails to start puts the previous version back", async () => {
  const b = await bench({ backend: "native" });
  try {
    const broken = {
      "web.container": WEB_SET["web.container"].replace(NGINX, "docker.io/library/nginx:9.9"),
      "web-data.volume": "[Volume]\n",
    };
    const { url, ids } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }, { folder: "web", files: broken }]);
    await install(b.engine, `${url}#${ids[0]}:apps/web`, FAST);
    await assert.rejects(
      install(b.engine, `${url}#main:apps/web`, { ...FAST, replace: true }),
      /web\.service did not start/,
    );
    const m = await readManifest(b.engine.paths, "web");
    assert.equal(m?.source.commit, ids[0], "the manifest still names the old commit");
    assert.equal(b.host.unit("web.service").active, "active", "the old version runs again");
    const onDisk = await Deno.readTextFile(join(b.host.quadletDir, "web.container"));
    assert.match(onDisk, /nginx:1\.27/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a container that exits a moment after starting fails the health gate and is rolled back", async () => {
  const b = await bench({ backend: "files", crashAfterMs: 200 });
  try {
    const files = {
      "flaky.container": `[Container]\nImage=${NGINX}\nExec=/bin/false\n\n[Service]\nRestart=on-failure\n`,
    };
    const { url } = await repoWith(b.host, [{ folder: "flaky", files }]);
    await assert.rejects(install(b.engine, `${url}#main:apps/flaky`, FAST), (e: LegerError) => {
      assert.match(e.message, /flaky\.service did not start/);
      assert.match(e.message, /auto-restart|restarted/);
      assert.match(e.message, /Main process exited, code=exited, status=1\/FAILURE/);
      return true;
    });
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.equal(b.host.unit("flaky.service").load, "not-found");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a set whose unit name is already used by another installed set is refused, naming that set", async () => {
  const b = await bench({ backend: "native" });
  try {
    const { url } = await repoWith(b.host, [
      { folder: "web", files: WEB_SET },
      { folder: "web2", files: { "web.container": `[Container]\nImage=${NGINX}\n` } },
    ]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    const before = b.host.quadletFiles();
    await assert.rejects(install(b.engine, `${url}#main:apps/web2`, FAST), (e: LegerError) => {
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /conflict\/unit-name: set web already installs web\.container/);
      return true;
    });
    assert.deepEqual(b.host.quadletFiles(), before);
    assert.deepEqual((await listManifests(b.engine.paths)).map((m) => m.name), ["web"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a folder without quadlets, a '..' folder and a link out of the set are refused and change nothing", async () => {
  const b = await bench({ backend: "files" });
  try {
    await Deno.writeTextFile(join(b.host.root, "outside.env"), "TOKEN=do-not-take\n");
    const { url, dir } = await repoWith(b.host, [
      { folder: "docs", files: { "README.md": "just docs\n" } },
      { folder: "leaky", files: { "leaky.container": `[Container]\nImage=${NGINX}\nEnvironmentFile=leaky.env\n` } },
    ]);
    await Deno.symlink(join(b.host.root, "outside.env"), join(dir, "apps/leaky/leaky.env"));
    await git(dir, "add", "-A");
    await git(dir, "commit", "-q", "-m", "link");
    await assert.rejects(install(b.engine, `${url}#main:apps/docs`, FAST), /the folder has no quadlet files/);
    await assert.rejects(install(b.engine, `${url}#main:apps/../..`, FAST), (e: LegerError) => {
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /leaves the repository/);
      return true;
    });
    await assert.rejects(install(b.engine, `${url}#main:apps/leaky`, FAST), /leaky\.env points outside the set/);
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.deepEqual(await listManifests(b.engine.paths), []);
    assert.equal(b.host.reloads, 0, "systemd was never touched");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a relative link that leaves the set is refused too", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url, dir } = await repoWith(b.host, [
      { folder: "leaky", files: { "leaky.container": `[Container]\nImage=${NGINX}\nEnvironmentFile=leaky.env\n` } },
    ]);
    await Deno.writeTextFile(join(dir, "top.env"), "TOKEN=x\n");
    await Deno.symlink("../../top.env", join(dir, "apps/leaky/leaky.env"));
    await git(dir, "add", "-A");
    await git(dir, "commit", "-q", "-m", "relative link");
    // The link's target does not exist in the extracted folder: it is still refused as a link out, not dropped.
    await assert.rejects(install(b.engine, `${url}#main:apps/leaky`, FAST), (e: LegerError) => {
      assert.match(e.message, /leaky\.env points outside the set/);
      assert.equal(e.exitCode, 3);
      return true;
    });
    assert.deepEqual(b.host.quadletFiles(), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("two installs at once, in one engine or two engines on one state folder, both land intact", async () => {
  const b = await bench({ backend: "native" });
  try {
    const { url } = await repoWith(b.host, [
      { folder: "web", files: WEB_SET },
      { folder: "cache", files: CACHE_SET },
      { folder: "db", files: { "db.container": `[Container]\nImage=${NGINX}\nPublishPort=5432:5432\n` } },
      { folder: "api", files: { "api.container": `[Container]\nImage=${NGINX}\nPublishPort=9000:9000\n` } },
    ]);
    // The git cache is cold: both installs fetch the same repository at the same moment.
    await Promise.all([
      install(b.engine, `${url}#main:apps/web`, FAST),
      install(b.engine, `${url}#main:apps/cache`, FAST),
    ]);
    const other = await b.another();
    await Promise.all([
      install(b.engine, `${url}#main:apps/db`, FAST),
      install(other, `${url}#main:apps/api`, FAST),
    ]);
    const manifests = await listManifests(b.engine.paths);
    assert.deepEqual(manifests.map((m) => m.name), ["api", "cache", "db", "web"]);
    for (const m of manifests) {
      for (const f of m.files) {
        if (f.path) assert.equal(await sha256(await Deno.readFile(f.path)), f.sha256, `${m.name}/${f.name}`);
      }
    }
    assert.deepEqual((await list(b.engine)).map((r) => r.state), ["active", "active", "active", "active"]);
    assert.deepEqual(b.host.quadletFiles().filter((f) => f.endsWith(".app")), [
      ".api.app",
      ".cache.app",
      ".db.app",
      ".web.app",
    ]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a dry run says what it would do and changes nothing", async () => {
  const b = await bench();
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    const r = await install(b.engine, `${url}#main:apps/web`, { ...FAST, dryRun: true });
    assert.equal(r.dryRun, true);
    assert.match(
      logged(b.log.events, "info").join("\n"),
      /would install 3 file\(s\) with the native backend and start web-data-volume\.service, web\.service/,
    );
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.deepEqual(await listManifests(b.engine.paths), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("--no-start puts the files in place and leaves the units stopped", async () => {
  const b = await bench();
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    const r = await install(b.engine, `${url}#main:apps/web`, { ...FAST, noStart: true });
    assert.deepEqual(r.started, []);
    assert.equal(b.host.unit("web.service").load, "loaded");
    assert.equal(b.host.unit("web.service").active, "inactive");
    assert.equal((await list(b.engine))[0]!.state, "inactive");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a secret the set uses must exist or be declared; a secret removed later fails the unit's next start", async () => {
  const b = await bench({ backend: "files" });
  try {
    const files = { "app.container": `[Container]\nImage=${NGINX}\nSecret=app-token,type=env,target=TOKEN\n` };
    const { url } = await repoWith(b.host, [{ folder: "app", files }]);
    await assert.rejects(install(b.engine, `${url}#main:apps/app`, { ...FAST, replace: true }), (e: LegerError) => {
      assert.match(e.message, /secret app-token is not declared in \.leger\.yaml and does not exist in podman/);
      return true;
    });
    assert.deepEqual(b.host.quadletFiles(), []);
    b.host.addSecret("app-token", "s3cr3t-value");
    await install(b.engine, `${url}#main:apps/app`, { ...FAST, replace: true });
    assert.equal(b.host.unit("app.service").active, "active");
    assert.deepEqual(b.host.containers()["systemd-app"]?.secrets, ["app-token"]);
    assert.ok(!JSON.stringify(b.host.calls).includes("s3cr3t-value"), "the value never shows in a call");

    b.host.run("podman", { args: ["secret", "rm", "app-token"], stdin: new Uint8Array(), env: {}, cwd: "/" });
    const states = await control(b.engine, "app", "restart").catch((e: Error) => e);
    assert.ok(states instanceof Error);
    assert.match(states.message, /Job for app\.service failed because the control process exited with error code/);
    assert.match(await logs(b.engine, "app", 5), /Error: no secret with name or id "app-token": no such secret/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("two installs checked at once: the one that gets the lock second is checked again and refused, not placed over the first", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    // Both runs check before either holds the lock; "two" then installs web.container first.
    const one = await installOps.prepare(b.engine, `${url}#main:apps/web`, { name: "one" });
    assert.equal(one.check.errors, 0, "nothing clashed when it was checked");
    await install(b.engine, `${url}#main:apps/web`, { ...FAST, name: "two" });
    await assert.rejects(
      guarded(b.engine, ["one"], (g) => installOps.installPrepared(b.engine, g, one, FAST)),
      /set two already installs web\.container/,
    );
    assert.deepEqual((await listManifests(b.engine.paths)).map((m) => m.name), ["two"]);
    assert.equal((await readManifest(b.engine.paths, "two"))?.files.length, 3);
    assert.equal(b.host.unit("web.service").active, "active");
  } finally {
    await b.cleanup();
  }
});
