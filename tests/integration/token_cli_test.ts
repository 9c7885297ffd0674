/**
 * A token in a source URL (`https://user:TOKEN@host/...`) reaches git and
 * nothing else: not leger's state, cache or journal, not its output (text or
 * `--json`), after an install and after errors; and a later stage finds the
 * repository again with the credential leger kept (0600). The forge is a
 * local git http-backend that wants basic authentication.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX } from "../fakes/fake_host_fixtures.ts";
import { makeRepo } from "../helpers/git_repo.ts";
import { serveGit } from "../host/git_http_server.ts";
import { runLeger } from "./cli_run.ts";

const TOKEN = "ghp_T0kenThatMustNotLeak42";

/** Files under `dir` holding `needle`, and files or folders others may read. */
async function scan(dir: string, needle: string): Promise<{ holding: string[]; open: string[] }> {
  const holding: string[] = [];
  const open: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      const info = await Deno.lstat(p);
      if (e.isDirectory) {
        if ((info.mode! & 0o077) !== 0) open.push(`${p} ${(info.mode! & 0o777).toString(8)}`);
        await walk(p);
      } else if (e.isFile) {
        if (new TextDecoder().decode(await Deno.readFile(p)).includes(needle)) holding.push(p);
      }
    }
  };
  await walk(dir);
  return { holding, open };
}

Deno.test("a token in the source URL is in no file, no output and no --json error; later fetches still authenticate", async () => {
  const b = await bench({ backend: "files" });
  const srv = join(b.host.root, "srv");
  await makeRepo(join(b.host.root, "work"), [{
    message: "v1",
    files: { "web/web.container": `[Container]\nImage=${NGINX}\n` },
  }]);
  const clone = await new Deno.Command("git", {
    args: ["clone", "-q", "--bare", join(b.host.root, "work"), join(srv, "web.git")],
  }).output();
  assert.ok(clone.success);
  const server = serveGit({ root: srv, port: 0, auth: `deploy:${TOKEN}` });
  const base = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/web.git`;
  const withToken = base.replace("://", `://deploy:${TOKEN}@`);
  try {
    const outputs: string[] = [];
    const leger = async (args: string[]) => {
      const r = await runLeger(b, args);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const installed = await leger(["install", `${withToken}#main:web`, "--name", "web"]);
    assert.equal(installed.code, 0, installed.stderr);
    const asJson = await leger(["--json", "install", `${withToken}#nope:web`, "--name", "web2"]);
    assert.equal(asJson.code, 5, asJson.stderr);
    assert.match(
      JSON.parse(asJson.stdout).error.message,
      new RegExp(`Cannot fetch ${base}: the ref "nope" does not exist`),
    );
    const bad = await leger(["install", `${withToken.replace(TOKEN, TOKEN + "x")}#main:web`, "--name", "web3"]);
    assert.notEqual(bad.code, 0);
    const parseError = await leger(["--json", "validate", "--no-host", `${withToken}#--upload-pack=x:web`]);
    assert.equal(parseError.code, 2);
    const inspect = await leger(["--json", "inspect", "web"]);
    assert.equal(JSON.parse(inspect.stdout).set.manifest.source.url, base);

    // A new commit is staged later with the credential leger kept: the manifest's URL holds none.
    await Deno.writeTextFile(
      join(b.host.root, "work/web/web.container"),
      `[Container]\nImage=${NGINX}\nEnvironment=A=1\n`,
    );
    for (const args of [["commit", "-qam", "v2"], ["push", "-q", join(srv, "web.git"), "main"]]) {
      const r = await new Deno.Command("git", {
        args: ["-C", join(b.host.root, "work"), "-c", "user.name=t", "-c", "user.email=t@e", ...args],
      }).output();
      assert.ok(r.success, new TextDecoder().decode(r.stderr));
    }
    const staged = await leger(["stage", "web"]);
    assert.equal(staged.code, 0, staged.stderr);
    assert.match(staged.stdout, /web: staged/);

    for (const out of outputs) assert.ok(!out.includes(TOKEN), `printed: ${out}`);
    const env = b.host.env();
    for (const dir of [env.LEGER_STATE_DIR, env.LEGER_CACHE_DIR, env.LEGER_CONFIG_DIR].filter(Boolean) as string[]) {
      const found = await scan(dir, TOKEN).catch(() => ({ holding: [], open: [] }));
      if (dir === env.LEGER_STATE_DIR) {
        // One file holds it on purpose: leger's credential store, 0600 in a 0700 folder.
        assert.deepEqual(found.holding.map((p) => p.slice(dir.length)).map((p) => p.replace(/[0-9a-f]{16}/, "ID")), [
          "/credentials/ID.json",
        ]);
        assert.equal((await Deno.stat(found.holding[0]!)).mode! & 0o777, 0o600);
      } else assert.deepEqual(found.holding, [], dir);
      assert.deepEqual(found.open, [], `${dir}: folders others may enter`);
    }
  } finally {
    await server.shutdown();
    await b.cleanup();
  }
});
