import assert from "node:assert/strict";
import { join } from "node:path";
import { type SetecStandIn, startSetecStandIn } from "../../tests/fakes/setec/server.ts";
import { createFakePodmanSecrets, type FakePodmanSecrets } from "../../tests/fakes/podman/secrets_in_memory.ts";
import { defaultConfig } from "../config.ts";
import { type Daemon, runDaemon } from "../../tests/helpers/in_process_daemon.ts";
import { daemonSync } from "../daemon/control_client.ts";
import { createEngine, type Engine } from "../engine.ts";
import { LegerError } from "../core/errors.ts";
import { type LogEvent, memoryLogger } from "../../tests/helpers/memory_logger.ts";
import { createShell, type FakeCall } from "../host/shell.ts";
import { writeSecretSet } from "../../tests/fakes/secret_set.ts";
import { SecretCache } from "./cache.ts";
import { ensureSetSecrets } from "./ensure.ts";
import { SetecClient } from "./setec_client.ts";

const VALUE = "web-Secret-Value-91bd";
const KEY = { name: "leger/web/key", podmanSecret: "web-key" };

interface Env {
  engine: Engine;
  setec: SetecStandIn;
  podman: FakePodmanSecrets;
  systemctl: string[][];
  events: LogEvent[];
  /** A client that gives up at once (for unreachable-server tests). */
  quickClient(server?: string): SetecClient;
}

async function env(
  fn: (e: Env) => Promise<void>,
  opts: { server?: boolean } = {},
): Promise<void> {
  const root = await Deno.makeTempDir();
  const setec = await startSetecStandIn();
  const podman = createFakePodmanSecrets();
  const systemctl: string[][] = [];
  const $ = createShell({
    fakes: {
      podman: podman.podman,
      systemctl: (call: FakeCall) => {
        systemctl.push(call.args);
        return {};
      },
    },
  });
  const config = defaultConfig();
  if (opts.server !== false) config.daemon["setec-server"] = setec.url;
  config.daemon["setec-ca-file"] = setec.caFile;
  const log = memoryLogger();
  const engine = await createEngine({
    scope: "user",
    $,
    log,
    config,
    env: {
      HOME: root,
      LEGER_QUADLET_DIR: join(root, "quadlets"),
      LEGER_RUNTIME_DIR: join(root, "run", "leger"),
    },
  });
  try {
    await fn({
      engine,
      setec,
      podman,
      systemctl,
      events: log.events,
      quickClient: (server = setec.url) =>
        new SetecClient({ server, retries: 0, timeoutMs: 500, ...(setec.caPem ? { caCert: setec.caPem } : {}) }),
    });
    const logged = log.text();
    assert.ok(!logged.includes(VALUE), "a secret value reached the log");
  } finally {
    await setec.close();
    await Deno.remove(root, { recursive: true });
  }
}

/** Writes the manifest (and container file) of an installed set. */
function installed(engine: Engine, name: string, secret: { name: string; podmanSecret: string }): Promise<void> {
  return writeSecretSet(engine.paths, name, [secret], { source: "/src" });
}

async function rejection(p: Promise<unknown>): Promise<LegerError> {
  const error = await p.then(() => undefined, (e) => e);
  assert.ok(error instanceof LegerError, `expected a LegerError, got ${error}`);
  return error;
}

Deno.test("ensureSetSecrets creates a missing Podman secret from Setec's active version and caches it", () =>
  env(async ({ engine, setec, podman }) => {
    setec.put(KEY.name, VALUE);
    const first = await ensureSetSecrets(engine, "web", [KEY]);
    assert.deepEqual(first, { created: ["web-key"], present: [] });
    assert.equal(podman.text("web-key"), VALUE);
    const cache = await SecretCache.open(engine.paths.secretCacheDir);
    const hit = await cache.read(KEY.name);
    assert.equal(hit?.version, 1);
    assert.ok(podman.calls.every((c) => !c.args.join(" ").includes(VALUE)));

    // A second run finds it in place; a rotation since is applied.
    setec.rotate(KEY.name, VALUE + "-v2");
    const second = await ensureSetSecrets(engine, "web", [KEY]);
    assert.deepEqual(second, { created: [], present: ["web-key"] });
    assert.equal(podman.text("web-key"), VALUE + "-v2");
  }));

Deno.test("ensureSetSecrets dry run fetches but creates nothing", () =>
  env(async ({ engine, setec, podman }) => {
    setec.put(KEY.name, VALUE);
    const r = await ensureSetSecrets(engine, "web", [KEY], { dryRun: true });
    assert.deepEqual(r, { created: ["web-key"], present: [] });
    assert.equal(podman.secrets.size, 0);
  }));

Deno.test("ensureSetSecrets stops on 403 naming the Setec secret and the ACL action get", () =>
  env(async ({ engine, setec, podman }) => {
    setec.put(KEY.name, VALUE);
    setec.setAcl((name) => name !== KEY.name);
    const e = await rejection(ensureSetSecrets(engine, "web", [KEY]));
    assert.equal(e.exitCode, 1);
    assert.match(
      e.message,
      /^Cannot install web: access to Setec secret leger\/web\/key denied \(403\)/,
    );
    assert.match(e.message, /tailscale\.com\/cap\/secrets action "get"/);
    assert.match(e.hint!, /tailnet policy file/);
    assert.equal(podman.secrets.size, 0);
  }));

Deno.test("ensureSetSecrets stops on 404 naming the Setec secret and how to create it", () =>
  env(async ({ engine, podman }) => {
    const e = await rejection(
      ensureSetSecrets(engine, "web", [KEY], { verb: "apply" }),
    );
    assert.equal(e.exitCode, 1);
    assert.match(
      e.message,
      /^Cannot apply web: Setec secret leger\/web\/key \(for Podman secret web-key\) does not exist \(404\)$/,
    );
    assert.match(e.hint!, /setec put leger\/web\/key/);
    // 404 never means "no access": the server checks the grant first and answers 403.
    assert.doesNotMatch(e.message, /may not see/);
    assert.match(e.hint!, /without it Setec answers 403/);
    assert.equal(podman.secrets.size, 0);
  }));

Deno.test("ensureSetSecrets without a Setec server accepts an existing Podman secret and refuses a missing one", () =>
  env(async ({ engine, podman, events }) => {
    await engine.$`podman secret create web-key -`.stdinText("by-hand").quiet();
    const r = await ensureSetSecrets(engine, "web", [KEY]);
    assert.deepEqual(r, { created: [], present: ["web-key"] });
    assert.ok(
      events.some((ev) => /using the existing Podman secret web-key as is/.test(ev.message)),
    );

    const e = await rejection(
      ensureSetSecrets(engine, "db", [{
        name: "leger/db/pass",
        podmanSecret: "db-pass",
      }]),
    );
    assert.match(
      e.message,
      /Podman secret db-pass does not exist and no Setec server is configured to fetch Setec secret leger\/db\/pass/,
    );
    assert.match(e.hint!, /daemon\.setec-server/);
    assert.match(e.hint!, /SETEC_SERVER/);
    assert.equal(podman.text("db-pass"), undefined);
  }, { server: false }));

Deno.test("ensureSetSecrets uses the cached value while Setec is unreachable, and fails without one", () =>
  env(async ({ engine, setec, podman, events, quickClient }) => {
    setec.put(KEY.name, VALUE);
    await ensureSetSecrets(engine, "web", [KEY]);
    await engine.$`podman secret rm web-key`.quiet();
    const down = quickClient("http://127.0.0.1:9");
    const r = await ensureSetSecrets(engine, "web", [KEY], { client: down });
    assert.deepEqual(r, { created: ["web-key"], present: [] });
    assert.equal(podman.text("web-key"), VALUE);
    assert.ok(
      events.some((ev) =>
        ev.level === "warn" &&
        /holds the cached v1 of leger\/web\/key/.test(ev.message)
      ),
    );

    const e = await rejection(
      ensureSetSecrets(engine, "db", [{
        name: "leger/db/pass",
        podmanSecret: "db-pass",
      }], { client: down }),
    );
    assert.match(
      e.message,
      /Podman secret db-pass \(Setec secret leger\/db\/pass\) could not be set/,
    );
    assert.match(e.hint!, /tailscale status/);
  }));

Deno.test("ensureSetSecrets refuses a Podman secret another set fills from a different Setec secret", () =>
  env(async ({ engine, setec }) => {
    setec.put(KEY.name, VALUE);
    await installed(engine, "other", {
      name: "leger/other/key",
      podmanSecret: "web-key",
    });
    const e = await rejection(ensureSetSecrets(engine, "web", [KEY]));
    assert.match(
      e.message,
      /Podman secret web-key for web: set other fills it from Setec secret leger\/other\/key/,
    );
    // Its own earlier manifest (an update renaming the Setec secret) is no conflict.
    await Deno.remove(join(engine.paths.manifestsDir, "other.json"));
    await installed(engine, "web", {
      name: "leger/web/old",
      podmanSecret: "web-key",
    });
    const r = await ensureSetSecrets(engine, "web", [KEY]);
    assert.deepEqual(r, { created: ["web-key"], present: [] });
  }));

/** A daemon (its cycles in-process) serving the engine's scope, once it holds KEY at v1; stopped after `fn`. */
async function withDaemon(e: Env, fn: (daemon: Daemon, lines: string[]) => Promise<void>): Promise<void> {
  const { engine, podman } = e;
  const lines: string[] = [];
  const stop = new AbortController();
  const daemon = await runDaemon({
    paths: engine.paths,
    config: { ...engine.config, daemon: { ...engine.config.daemon, "poll-interval": "1h" } },
    $: engine.$,
    log: { info: (l) => lines.push(l), warn: (l) => lines.push(`WARN ${l}`) },
    restartUnits: () => Promise.resolve(),
    signal: stop.signal,
    client: { retries: 0, timeoutMs: 500 },
  });
  try {
    const deadline = Date.now() + 3000;
    while (!podman.secrets.has("web-key") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await fn(daemon, lines);
  } finally {
    stop.abort();
    await daemon.done;
  }
}

Deno.test("ensureSetSecrets asks the running daemon, and syncs in-process what the daemon does not know yet", () =>
  env(async (e) => {
    const { engine, setec, podman, systemctl } = e;
    setec.put(KEY.name, VALUE);
    setec.put("leger/new/token", "new-Token");
    await installed(engine, "web", KEY);
    await withDaemon(e, async (daemon, lines) => {
      setec.rotate(KEY.name, VALUE + "-v2");
      const before = setec.requests.length;
      // A command's engine may ask the daemon (commands/common.ts gives it the control socket).
      const linked: Engine = {
        ...engine,
        daemon: { syncSecrets: (name, dryRun) => daemonSync(engine.paths, name, dryRun) },
      };
      const r = await ensureSetSecrets(linked, "web2", [
        KEY,
        { name: "leger/new/token", podmanSecret: "new-token" },
      ]);
      assert.deepEqual(r, { created: ["new-token"], present: ["web-key"] });
      assert.equal(podman.text("web-key"), VALUE + "-v2");
      assert.equal(podman.text("new-token"), "new-Token");
      // The daemon did the rotation (its log says so) and kept its state.
      assert.ok(lines.some((l) => l.startsWith("rotated leger/web/key v1 -> v2")), lines.join("\n"));
      const status = await daemon.status();
      assert.equal(status.secrets.find((s) => s.name === KEY.name)?.version, 2);
      assert.ok(setec.requests.slice(before).some((q) => q.name === "leger/new/token"));
      assert.deepEqual(systemctl, []);
    });
  }));

Deno.test("a run that may not ask the daemon (a daemon's own cycle child) syncs in-process though one listens", () =>
  env(async (e) => {
    const { engine, setec, podman, events } = e;
    setec.put(KEY.name, VALUE);
    await installed(engine, "web", KEY);
    await withDaemon(e, async (_daemon, lines) => {
      setec.rotate(KEY.name, VALUE + "-v2");
      assert.equal(engine.daemon, undefined);
      const r = await ensureSetSecrets(engine, "web2", [KEY]);
      assert.deepEqual(r, { created: [], present: ["web-key"] });
      assert.equal(podman.text("web-key"), VALUE + "-v2");
      assert.ok(!lines.some((l) => l.startsWith("rotated")), "the daemon was asked");
      assert.ok(
        events.some((ev) => ev.message.startsWith("web2: rotated leger/web/key v1 -> v2")),
        events.map((ev) => ev.message).join("\n"),
      );
    });
  }));
