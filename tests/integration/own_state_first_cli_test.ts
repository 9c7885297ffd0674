/**
 * What leger's own state answers (not found: 5; nothing to do: 0) is
 * answered before the host is asked whether it is ready (6): a user with
 * nothing staged is told so, not sent to fix systemd first.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, repoWith, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { listManifests } from "../../lib/state/manifest.ts";
import { runLeger, systemdDownEnv } from "./cli_run.ts";
import { install, stage } from "../helpers/ops.ts";

Deno.test("with systemd unreachable, install refuses a taken name (1) or an invalid set (3), apply with nothing staged says so (all: 0, NAME: 5); with a staged version it exits 6", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url, dir } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    const env = await systemdDownEnv(b);
    const run = (...args: string[]) => runLeger(b, ["--backend", "files", ...args], env);

    const bad = join(b.host.root, "bad");
    await Deno.mkdir(bad);
    await Deno.writeTextFile(join(bad, "bad.container"), "[Container]\nExec=sleep 1\n");
    const [again, invalid] = await Promise.all([run("install", `${url}#main:apps/web`), run("install", bad)]);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, /Cannot install web: a set with that name is installed/);
    assert.equal(invalid.code, 3, invalid.stderr);

    const [all, web, nope, stop, backup, restore] = await Promise.all([
      run("apply", "all"),
      run("apply", "web"),
      run("apply", "nope"),
      run("stop", "nope"),
      run("backup", "nope"),
      run("restore", "nope", "--yes"),
    ]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /nothing staged/);
    assert.equal(web.code, 5, web.stderr);
    assert.match(web.stderr, /Cannot apply web: nothing is staged for it[\s\S]*hint: Run leger stage web first/);
    for (
      const [label, r] of [["apply nope", nope], ["stop nope", stop], ["backup nope", backup], [
        "restore nope",
        restore,
      ]] as const
    ) {
      assert.equal(r.code, 5, `${label}: ${r.stderr}`);
    }

    // With a version staged, apply needs the host: 6, and nothing changes.
    await Deno.writeTextFile(join(dir, "apps/web/web.container"), WEB_SET["web.container"] + "# v2\n");
    const git = (...a: string[]) => new Deno.Command("git", { args: a, cwd: dir, stdout: "null" }).output();
    await git("commit", "-qam", "v2");
    await stage(b.engine, "web");
    const manifests = JSON.stringify(await listManifests(b.engine.paths));
    const files = b.host.quadletFiles();
    for (const target of ["web", "all"]) {
      const r = await run("apply", target);
      assert.equal(r.code, 6, `apply ${target}: ${r.stderr}`);
      assert.match(r.stderr, /Cannot reach systemd \(user\)/);
    }
    assert.equal(JSON.stringify(await listManifests(b.engine.paths)), manifests);
    assert.deepEqual(b.host.quadletFiles(), files);
  } finally {
    await b.cleanup();
  }
});
