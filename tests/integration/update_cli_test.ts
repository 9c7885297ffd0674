/**
 * `leger stage/staged/diff/apply/update` as a user runs them: main.ts in a
 * subprocess, with the fake host's podman/systemctl/journalctl on PATH.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Bench, bench, NGINX, repoWith } from "../fakes/fake_host_fixtures.ts";
import { readManifest } from "../../lib/state/manifest.ts";
import { install } from "../helpers/ops.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

const V1 = {
  "web.container": `[Container]\nImage=${NGINX}\nPublishPort=8080:80\n`,
  ".leger.yaml": "version: 1.0.0\n",
};
const V2 = { "web.container": V1["web.container"].replace("8080", "8081"), ".leger.yaml": "version: 2.0.0\n" };
const V3 = { "web.container": V1["web.container"].replace("8080", "8082"), ".leger.yaml": "version: 3.0.0\n" };
const CRASH = { "web.container": V3["web.container"] + "Exec=/bin/false\n", ".leger.yaml": "version: 4.0.0\n" };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `leger ARGS` against the bench's fake host (stdin is not a terminal). */
async function leger(b: Bench, ...args: string[]): Promise<Run> {
  const env = {
    ...b.host.env(),
    DENO_DIR: Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache/deno"),
    NO_COLOR: "1",
  };
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, "--backend", "files", ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}

async function setup() {
  const b = await bench({ backend: "files", crashAfterMs: 200 });
  const { url, ids } = await repoWith(b.host, [
    { folder: "web", files: V1, tag: "v1" },
    { folder: "web", files: V2, tag: "v2" },
    { folder: "web", files: V3, tag: "v3" },
    { folder: "web", files: CRASH, tag: "crash" },
  ]);
  await install(b.engine, `${url}#v1:apps/web`, { healthTimeoutMs: 5_000 });
  return { b, ids };
}

Deno.test("leger stage, staged --json, diff --json and apply --yes: a staged update end to end", async () => {
  const { b, ids } = await setup();
  try {
    const staging = await leger(b, "stage", "web", "--ref", "v2");
    assert.equal(staging.code, 0, staging.stderr);
    assert.equal(
      staging.stdout,
      `web: staged v1.0.0 ${ids[0]!.slice(0, 12)} -> v2.0.0 ${ids[1]!.slice(0, 12)} (leger diff web)\n`,
    );

    const staged = await leger(b, "staged", "--json");
    assert.equal(staged.code, 0, staged.stderr);
    const rows = JSON.parse(staged.stdout).sets;
    assert.deepEqual(rows.map((r: { name: string; from: unknown; to: unknown }) => [r.name, r.from, r.to]), [
      ["web", { commit: ids[0], version: "1.0.0" }, { commit: ids[1], version: "2.0.0" }],
    ]);

    const d = await leger(b, "diff", "web", "--json");
    assert.equal(d.code, 0, d.stderr);
    const data = JSON.parse(d.stdout);
    assert.deepEqual([data.from.version, data.to.version], ["1.0.0", "2.0.0"]);
    assert.deepEqual([data.summary.portsAdded, data.summary.portsRemoved], [["8081:80"], ["8080:80"]]);
    assert.deepEqual(data.summary.units.restart, ["web.service"]);

    const text = await leger(b, "diff", "web");
    assert.match(text.stdout, /^-PublishPort=8080:80$/m);
    assert.ok(!text.stdout.includes("\x1b["), "no color when stdout is not a terminal");

    const applied = await leger(b, "apply", "web", "--yes", "--no-backup", "--health-timeout", "10s");
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^web: applied v1\.0\.0 [0-9a-f]{12} -> v2\.0\.0 [0-9a-f]{12}$/m);
    assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8081:80"]);

    const none = await leger(b, "staged");
    assert.equal(none.stdout, "nothing staged\n");
    const again = await leger(b, "stage", "web");
    assert.equal(again.stdout, "web: no change\n");
  } finally {
    await b.cleanup();
  }
});

Deno.test("leger update without a terminal and without --yes refuses and says to pass --yes", async () => {
  const { b, ids } = await setup();
  try {
    const r = await leger(b, "update", "web", "--ref", "v2");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /there is no terminal/);
    assert.match(r.stderr, /hint: Pass --yes/);
    assert.match(r.stdout, /^\+PublishPort=8081:80$/m, "the diff was shown before the question");
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids[0], "nothing applied");
  } finally {
    await b.cleanup();
  }
});

Deno.test("leger update --yes stages, shows the diff and applies; a crashing version exits 7 and is rolled back", async () => {
  const { b, ids } = await setup();
  try {
    const r = await leger(b, "update", "web", "--ref", "v3", "--yes", "--no-backup", "--health-timeout", "10s");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\+PublishPort=8082:80$/m);
    assert.match(r.stdout, /^web: applied v1\.0\.0 [0-9a-f]{12} -> v3\.0\.0 [0-9a-f]{12}$/m);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids[2]);

    const up = await leger(b, "update", "web", "--yes");
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /web: up to date/);

    const crash = await leger(
      b,
      "--json",
      "update",
      "web",
      "--ref",
      "crash",
      "--yes",
      "--no-backup",
      "--health-timeout",
      "10s",
    );
    assert.equal(crash.code, 7, crash.stderr);
    const body = JSON.parse(crash.stdout.slice(crash.stdout.lastIndexOf('{\n  "version": 1,\n  "error"')));
    assert.match(body.error.message, /^Cannot apply web: web\.service did not come up; rolled back/);
    assert.equal(body.error.exitCode, 7);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.commit, ids[2]);
    assert.deepEqual(b.host.containers()["systemd-web"]?.ports, ["8082:80"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("leger apply and diff of a set with nothing staged exit 5 with a hint", async () => {
  const { b } = await setup();
  try {
    const r = await leger(b, "apply", "web", "--yes");
    assert.equal(r.code, 5);
    assert.ok(
      r.stderr.includes("error: Cannot apply web: nothing is staged for it\n  hint: Run leger stage web first."),
      r.stderr,
    );
    const d = await leger(b, "diff", "web");
    assert.equal(d.code, 5);
  } finally {
    await b.cleanup();
  }
});
