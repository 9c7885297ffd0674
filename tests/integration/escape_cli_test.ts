/**
 * Text from outside never reaches the terminal raw: unit files quoted by
 * validate, journal lines, names in error messages, podman's messages.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { transact } from "../fakes/fake_host_state.ts";
import { bench, repoWith, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { runLeger } from "./cli_run.ts";
import { install } from "../helpers/ops.ts";

// ESC, BEL, CR, a C1 CSI, a bidi override: none may reach the terminal.
// deno-lint-ignore no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

Deno.test("leger validate shows escape sequences in a unit file as text", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "web.container"),
      "[Container]\nImage=docker.io/x:1\nImag\x1b]0;pwned\x07=1\nPublishPort=80\x1b[2J\u202e:80\n",
    );
    const r = await runLeger(undefined, ["validate", "--no-host", dir]);
    assert.equal(r.code, 3, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, RAW);
    assert.match(r.stdout, /unsupported key 'Imag\\x1b\]0;pwned\\x07'/);
    assert.match(r.stdout, /"80\\x1b\[2J\\u202e"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leger logs, error messages and hints escape what they quote", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    transact(b.host.dir, (s) => {
      s.journal.push({
        t: Date.now(),
        unit: "web.service",
        ident: "web[7]",
        msg: "hello\x1b[2J\x1b]0;owned\x07\u202eevil",
      });
    });
    const logs = await runLeger(b, ["logs", "web"]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /hello\\x1b\[2J\\x1b\]0;owned\\x07\\u202eevil/);
    assert.doesNotMatch(logs.stdout + logs.stderr, RAW);

    const follow = await runLeger(b, ["logs", "web", "-f", "-n", "5"]);
    assert.match(follow.stdout, /hello\\x1b\[2J/);
    assert.doesNotMatch(follow.stdout + follow.stderr, RAW);

    // A name typed (or scripted) with escapes is quoted back escaped, in the message and the hint.
    const missing = await runLeger(b, ["inspect", "x\x1b[2J"]);
    assert.equal(missing.code, 5);
    assert.match(missing.stderr, /Cannot find a set named "x\\x1b\[2J"/);
    assert.doesNotMatch(missing.stderr, RAW);

    // commander's own usage errors repeat the argument: escaped too.
    const usage = await runLeger(b, ["instal\x1b[2J"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /instal\\x1b\[2J/);
    assert.doesNotMatch(usage.stderr, RAW);

    // --json stays JSON (C0 escaped by JSON itself; C1 and bidi as \u escapes).
    const json = await runLeger(b, ["--json", "logs", "web"]);
    assert.doesNotMatch(json.stdout, RAW);
    assert.ok(JSON.parse(json.stdout).lines.some((l: string) => l.includes("hello\x1b[2J\x1b]0;owned\x07\u202eevil")));
  } finally {
    await b.cleanup();
  }
});
