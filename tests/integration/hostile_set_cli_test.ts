/**
 * Every command that reads a set, given a link out of the set to a file
 * holding a marker, never prints the marker and fails where the link
 * matters (issue 18): validate (folder, file, --json, --no-host, installed
 * name), install, stage, diff, check-conflicts and backup (the last four
 * read leger's stored or staged copy, tampered with here). Nothing on the
 * host changes when a set is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { runLeger } from "./cli_run.ts";

const MARKER = "MARKER-3b9d-must-never-appear";

async function leger(env: Record<string, string>, ...args: string[]) {
  const r = await runLeger(undefined, args, env);
  assert.ok(
    !(r.stdout + r.stderr).includes(MARKER),
    `leger ${args.join(" ")} printed the marker:\n${r.stdout}${r.stderr}`,
  );
  return r;
}

Deno.test("no command follows a link out of a set or prints what it points at", async () => {
  const b = await bench({ backend: "files" });
  try {
    const env = b.host.env();
    const secret = join(b.host.root, "secret.txt");
    await Deno.writeTextFile(secret, `[Container]\nImage=${MARKER}\nPublishPort=${MARKER}\n`);
    const lnk = join(b.host.root, "lnk");
    await Deno.mkdir(lnk);
    await Deno.symlink(secret, join(lnk, "web.container"));

    for (const args of [["validate", lnk], ["validate", "--no-host", lnk], ["--json", "validate", lnk]]) {
      const r = await leger(env, ...args);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stdout, /web\.container.*set\/link-outside|"code": "set\/link-outside"/s);
    }
    const file = await leger(env, "validate", join(lnk, "web.container"));
    assert.equal(file.code, 3);
    const inst = await leger(env, "--backend", "files", "install", lnk);
    assert.equal(inst.code, 3, inst.stderr);
    assert.match(inst.stderr, /web\.container points outside the set/);
    assert.deepEqual(b.host.quadletFiles(), []);
    assert.equal(b.host.reloads, 0);

    // An installed set whose stored copy and source gain a link out afterwards.
    const src = join(b.host.root, "src");
    await Deno.mkdir(src);
    for (const [name, text] of Object.entries(WEB_SET)) await Deno.writeTextFile(join(src, name), text);
    const ok = await leger(env, "--backend", "files", "install", src, "--name", "web", "--no-start");
    assert.equal(ok.code, 0, ok.stderr);
    const before = b.host.quadletFiles();
    await Deno.writeTextFile(join(src, "web.container"), WEB_SET["web.container"] + "# v2\n");
    const staged = await leger(env, "stage", "web");
    assert.equal(staged.code, 0, staged.stderr);

    const stored = join(env.LEGER_STATE_DIR!, "sets", "web");
    await Deno.remove(join(stored, "web.container"));
    await Deno.symlink(secret, join(stored, "web.container"));
    for (const args of [["validate", "web"], ["check-conflicts", "web"], ["diff", "web"], ["backup", "web"]]) {
      const r = await leger(env, ...args);
      assert.equal(r.code, 3, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /web\.container points outside the set/, args.join(" "));
    }

    await Deno.remove(join(src, "web-data.volume"));
    await Deno.symlink(secret, join(src, "web-data.volume"));
    const stage = await leger(env, "stage", "web");
    assert.equal(stage.code, 3, stage.stderr);
    assert.match(stage.stderr, /web-data\.volume points outside the set/);
    assert.deepEqual(b.host.quadletFiles(), before, "nothing on the host changed");
  } finally {
    await b.cleanup();
  }
});
