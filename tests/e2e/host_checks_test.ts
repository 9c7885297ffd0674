/**
 * On a real host: a user whose systemd cannot be reached gets exit code 6
 * before anything is written, and text from outside (journal lines, unit
 * files) reaches the terminal escaped.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createRepo } from "../host/git_fixture.ts";
import { BACKENDS, leger, portFor, sharedHost, webContainer, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const alice: Who = { user: "alice", scope: "user", backend: BACKENDS[0]! };
// A raw bidi override, ESC or C1 control in what leger prints.
// deno-lint-ignore no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

Deno.test({
  name: "alice without a reachable user systemd: install and doctor exit 6 and nothing is written",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const name = "homelab/not-ready";
    await createRepo(host, name, [{
      message: "web",
      files: { "apps/web/web.container": webContainer({ port: portFor(alice, 7) }) },
    }]);
    // A session without the user bus (e.g. su without a login session): no XDG_RUNTIME_DIR, no bus address.
    // (XDG_RUNTIME_DIR=/nonexistent would stop rootless podman first: "Failed to obtain podman configuration".)
    const run = (args: string[]) =>
      host.exec(
        [
          "env",
          "-u",
          "XDG_RUNTIME_DIR",
          "-u",
          "DBUS_SESSION_BUS_ADDRESS",
          "leger",
          "--backend",
          alice.backend,
          ...args,
        ],
        { user: "alice", timeoutMs: 240_000 },
      );
    const inst = await run(["install", `http://127.0.0.1:8418/${name}.git#main:apps/web`, "--name", "notready"]);
    assert.equal(inst.code, 6, inst.stderr);
    assert.match(inst.stderr, /Cannot reach systemd \(user\): Failed to connect to user scope bus/);
    assert.match(inst.stderr, /hint: Run leger doctor/);
    assert.doesNotMatch(inst.stderr, /could not undo/);
    const files = await host.exec(["find", "/home/alice/.config/containers/systemd", "-name", "*notready*"], {
      user: "alice",
    });
    assert.equal(files.stdout.trim(), "", "no quadlet file was written");
    const list = await leger(host, alice, ["--json", "list"]);
    assert.ok(!(JSON.parse(list.stdout).sets as { name: string }[]).some((r) => r.name === "notready"));
    const doctor = await run(["doctor"]);
    assert.equal(doctor.code, 6, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, /FAIL\s+systemd \(user\)/);
  },
});

Deno.test({
  name: "leger logs and validate show control characters from a container and a unit file escaped",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const name = "homelab/hostile-output";
    const unit = webContainer({ port: portFor(alice, 8), env: { MSG: "bidi-\u202e-evil" } }).replace(
      "echo hello-from-leger-e2e",
      "echo $$MSG",
    );
    await createRepo(host, name, [{ message: "web", files: { "apps/loud/loud.container": unit } }]);
    const inst = await leger(host, alice, ["install", `http://127.0.0.1:8418/${name}.git#main:apps/loud`]);
    assert.equal(inst.code, 0, inst.stderr);
    const logs = await leger(host, alice, ["logs", "loud"]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.doesNotMatch(logs.stdout + logs.stderr, RAW);
    assert.match(logs.stdout, /bidi-\\u202e-evil/, logs.stdout);

    await host.writeFile("/home/alice/esc/web.container", "[Container]\nImage=x\nPublishPort=80\x1b[2J:80\n", {
      user: "alice",
    });
    const v = await leger(host, alice, ["validate", "/home/alice/esc"]);
    assert.equal(v.code, 3, v.stderr);
    assert.doesNotMatch(v.stdout + v.stderr, RAW);
    assert.match(v.stdout, /"80\\x1b\[2J"/);
    await leger(host, alice, ["remove", "loud"]);
  },
});
