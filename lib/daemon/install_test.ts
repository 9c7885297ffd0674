import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultConfig } from "../config.ts";
import { createEngine, type Engine } from "../engine.ts";
import { LegerError } from "../core/errors.ts";
import { memoryLogger } from "../../tests/helpers/memory_logger.ts";
import type { Scope } from "../core/paths.ts";
import { createShell, type FakeResult } from "../host/shell.ts";
import { currentLegerCommand, DAEMON_UNIT, daemonUnitText, installDaemon } from "./install.ts";

interface Env {
  engine: Engine;
  root: string;
  packagedDir: string;
  unitDir: string;
  lingerDir: string;
  calls: string[][];
  /** Answers of the fake systemctl by first argument. */
  answers: Record<string, FakeResult>;
  linger: string;
}

async function env(
  scope: Scope,
  fn: (e: Env) => Promise<void>,
  server = "https://secrets.example.ts.net",
): Promise<void> {
  const root = await Deno.makeTempDir();
  const calls: string[][] = [];
  const e = {
    root,
    packagedDir: join(root, "usr/lib/systemd", scope),
    unitDir: join(root, "etc/systemd", scope),
    lingerDir: join(root, "linger"),
    calls,
    answers: {} as Record<string, FakeResult>,
    linger: "no",
  } as Env;
  const $ = createShell({
    fakes: {
      systemctl: ({ args }) => {
        calls.push(["systemctl", ...args]);
        const verb = args.find((a) => !a.startsWith("--")) ?? "";
        return e.answers[verb] ?? {};
      },
      loginctl: ({ args }) => {
        calls.push(["loginctl", ...args]);
        return { stdout: `${e.linger}\n` };
      },
    },
  });
  const config = defaultConfig();
  if (server) config.daemon["setec-server"] = server;
  e.engine = await createEngine({
    scope,
    $,
    log: memoryLogger(),
    config,
    env: { HOME: root, USER: "alice", LEGER_STATE_DIR: join(root, "state") },
  });
  try {
    await fn(e);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function options(e: Env) {
  return {
    packagedDir: e.packagedDir,
    unitDir: e.unitDir,
    lingerDir: e.lingerDir,
    command: ["/usr/bin/leger"],
  };
}

/** The unit without comment lines. */
const body = (text: string) => text.split("\n").filter((l) => !l.startsWith("#")).join("\n");

for (
  const [scope, file] of [["user", "systemd/leger-daemon.service"], [
    "system",
    "systemd/system/leger-daemon.service",
  ]] as const
) {
  Deno.test(`the ${scope} unit leger writes matches the packaged ${file}`, async () => {
    const packaged = await Deno.readTextFile(new URL(`../../${file}`, import.meta.url));
    assert.equal(body(daemonUnitText(scope, ["/usr/bin/leger"])), body(packaged));
  });
}

Deno.test("daemon install (user) writes the unit when the package has none, enables it and points at linger", () =>
  env("user", async (e) => {
    const r = await installDaemon(e.engine, { ...options(e), now: true });
    const target = join(e.unitDir, DAEMON_UNIT);
    assert.equal(r.source, "written");
    assert.equal(r.unitPath, target);
    assert.equal(r.started, true);
    assert.equal(r.linger, false);
    assert.match(await Deno.readTextFile(target), /^ExecStart=\/usr\/bin\/leger daemon$/m);
    assert.deepEqual(e.calls, [
      ["systemctl", "--user", "daemon-reload"],
      ["systemctl", "--user", "enable", "--now", DAEMON_UNIT],
      ["loginctl", "show-user", "alice", "--property=Linger", "--value"],
    ]);
    assert.ok(r.notes.some((n) => n.includes("loginctl enable-linger $USER")));

    // Again, with linger on and without --now: the same file, no linger note.
    e.linger = "yes";
    const again = await installDaemon(e.engine, options(e));
    assert.equal(again.linger, true);
    assert.ok(!again.notes.some((n) => n.includes("enable-linger")));
    assert.ok(again.notes.some((n) => n.includes("systemctl --user start leger-daemon.service")));
  }));

Deno.test("daemon install uses the packaged unit and removes a copy leger wrote earlier", () =>
  env("user", async (e) => {
    await installDaemon(e.engine, options(e));
    await Deno.mkdir(e.packagedDir, { recursive: true });
    await Deno.writeTextFile(join(e.packagedDir, DAEMON_UNIT), "[Service]\n");
    const r = await installDaemon(e.engine, options(e));
    assert.equal(r.source, "packaged");
    assert.equal(r.unitPath, join(e.packagedDir, DAEMON_UNIT));
    await assert.rejects(Deno.stat(join(e.unitDir, DAEMON_UNIT)), Deno.errors.NotFound);
  }));

Deno.test("daemon install keeps a unit the user wrote", () =>
  env("user", async (e) => {
    await Deno.mkdir(e.unitDir, { recursive: true });
    const mine = "[Service]\nExecStart=/opt/leger daemon\n";
    await Deno.writeTextFile(join(e.unitDir, DAEMON_UNIT), mine);
    const r = await installDaemon(e.engine, options(e));
    assert.equal(r.source, "kept");
    assert.equal(await Deno.readTextFile(join(e.unitDir, DAEMON_UNIT)), mine);
  }));

Deno.test("daemon install (system) uses systemctl without --user and no linger", () =>
  env("system", async (e) => {
    const r = await installDaemon(e.engine, { ...options(e), now: true });
    assert.match(await Deno.readTextFile(r.unitPath), /^ExecStart=\/usr\/bin\/leger daemon --scope system$/m);
    assert.equal(r.linger, undefined);
    assert.deepEqual(e.calls, [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", DAEMON_UNIT],
    ]);
  }));

Deno.test("daemon install reports a systemctl failure with a hint, and warns when no Setec server is set", () =>
  env("user", async (e) => {
    e.answers["enable"] = { code: 1, stderr: "Failed to connect to bus: No medium found\n" };
    const error = await installDaemon(e.engine, options(e)).catch((x) => x);
    assert.ok(error instanceof LegerError);
    // Any systemctl call that cannot reach systemd is "host not ready" (lib/host/systemd.ts), named the same way.
    assert.match(error.message, /^Cannot reach systemd \(user\): Failed to connect to bus: No medium found/);
    assert.equal(error.exitCode, 6);
    assert.match(error.hint!, /enable-linger/);

    delete e.answers["enable"];
    const r = await installDaemon(e.engine, options(e));
    assert.ok(r.notes.some((n) => n.includes("No Setec server is configured")));
  }, ""));

Deno.test("currentLegerCommand is the binary, or deno run of main.ts from source", () => {
  assert.deepEqual(currentLegerCommand("/usr/bin/leger", "file:///x/main.ts"), ["/usr/bin/leger"]);
  assert.deepEqual(currentLegerCommand("/usr/local/bin/deno", "file:///src/leger/main.ts"), [
    "/usr/local/bin/deno",
    "run",
    "-A",
    "--v8-flags=--max-semi-space-size=1",
    "/src/leger/main.ts",
  ]);
  assert.equal(
    daemonUnitText("user", ["/home/a b/leger"]).match(/^ExecStart=.*$/m)![0],
    'ExecStart="/home/a b/leger" daemon',
  );
});
