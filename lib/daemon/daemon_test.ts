import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { type SetecStandIn, startSetecStandIn } from "../../tests/fakes/setec/server.ts";
import { createFakePodmanSecrets, type FakePodmanSecrets } from "../../tests/fakes/podman/secrets_in_memory.ts";
import { createShell } from "../host/shell.ts";
import { type Config, defaultConfig } from "../config.ts";
import { type ScopePaths, scopePaths } from "../core/paths.ts";
import { writeSecretSet } from "../../tests/fakes/secret_set.ts";
import { type Daemon, runDaemon } from "../../tests/helpers/in_process_daemon.ts";
import { daemonIsRunning, daemonStatus, daemonSync } from "./control_client.ts";
import { LegerError } from "../core/errors.ts";
import { runSecretsCycle } from "./secrets_cycle.ts";
import { tryScopeLock } from "./scope_lock.ts";

const APP_VALUE = "app-Secret-Value-4af1";
const DB_VALUE = "db-Secret-Value-77c0";

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function installSet(paths: ScopePaths, name: string, secrets: { setec: string; podman: string }[]) {
  return writeSecretSet(paths, name, secrets.map((s) => ({ name: s.setec, podmanSecret: s.podman })), {
    dir: join(paths.quadletDir, name),
    image: `docker.io/library/${name}`,
  });
}

interface Env {
  paths: ScopePaths;
  setec: SetecStandIn;
  podman: FakePodmanSecrets;
  lines: string[];
  restarts: string[][];
  config: Config;
  start(extra?: { signal?: AbortSignal }): Promise<Daemon>;
}

async function env(fn: (e: Env) => Promise<void>) {
  const root = await Deno.makeTempDir();
  const paths = scopePaths("user", {
    HOME: root,
    LEGER_QUADLET_DIR: join(root, "quadlets"),
    LEGER_RUNTIME_DIR: join(root, "run", "leger"),
  });
  const setec = await startSetecStandIn();
  const podman = createFakePodmanSecrets();
  const $ = createShell({ fakes: { podman: podman.podman } });
  const lines: string[] = [];
  const restarts: string[][] = [];
  const config = defaultConfig();
  config.daemon["setec-server"] = setec.url;
  config.daemon["setec-ca-file"] = setec.caFile;
  config.daemon["poll-interval"] = "200ms";
  const e: Env = {
    paths,
    setec,
    podman,
    lines,
    restarts,
    config,
    start: (extra = {}) =>
      runDaemon({
        paths,
        config: e.config,
        $,
        log: {
          info: (l) => lines.push(l),
          warn: (l) => lines.push(`WARN ${l}`),
        },
        restartUnits: (units) => {
          restarts.push(units);
          return Promise.resolve();
        },
        client: { timeoutMs: 500, retries: 0 },
        ...extra,
      }),
  };
  try {
    await fn(e);
  } finally {
    await setec.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("daemon: rotation updates the podman secret and restarts exactly its units", () =>
  env(async (e) => {
    e.setec.put("leger/app/key", APP_VALUE);
    e.setec.put("leger/db/pass", DB_VALUE);
    await installSet(e.paths, "app", [{
      setec: "leger/app/key",
      podman: "app-key",
    }]);
    await installSet(e.paths, "db", [{
      setec: "leger/db/pass",
      podman: "db-pass",
    }]);
    const stop = new AbortController();
    const daemon = await e.start({ signal: stop.signal });
    await waitFor("initial sync", () => e.podman.secrets.size === 2);
    assert.equal(e.podman.text("app-key"), APP_VALUE);
    assert.deepEqual(e.restarts, []);

    e.setec.put("leger/app/key", APP_VALUE + "-v2");
    // A put alone is not a rotation: after two more polls of the server, the old value is still in use.
    const asked = e.setec.requests.length;
    await waitFor("two more polls", () => e.setec.requests.length >= asked + 2);
    assert.equal(e.podman.text("app-key"), APP_VALUE);
    e.setec.activate("leger/app/key", 2);
    await waitFor(
      "rotation",
      () => e.podman.text("app-key") === APP_VALUE + "-v2",
    );
    await waitFor("restart", () => e.restarts.length === 1);
    assert.deepEqual(e.restarts, [["app.service"]]);
    assert.ok(
      e.lines.includes("rotated leger/app/key v1 -> v2, restarted app.service"),
      e.lines.join("\n"),
    );

    // The status is the last finished cycle's: wait for the rotating one's answer.
    await waitFor("the rotation in the status", async () =>
      (await daemonStatus(e.paths))?.secrets.find((s) => s.name === "leger/app/key")?.version === 2);
    // The control socket works and is private.
    assert.equal((await Deno.stat(daemon.socketPath)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(e.paths.runtimeDir)).mode! & 0o777, 0o700);
    const status = await daemonStatus(e.paths);
    assert.ok(status);
    assert.equal(status.pid, Deno.pid);
    assert.equal(status.server, e.setec.url);
    assert.ok(status.nextPollAt);
    const app = status.secrets.find((s) =>
      s.name === "leger/app/key"
    )!;
    assert.deepEqual([app.podmanSecret, app.version, app.stale, app.users], [
      "app-key",
      2,
      false,
      ["app.service"],
    ]);
    assert.ok(app.fetchedAt && app.checkedAt);
    const report = await daemonSync(e.paths, "leger/db/pass");
    assert.deepEqual(report!.results.map((r) => [r.name, r.action]), [[
      "leger/db/pass",
      "unchanged",
    ]]);
    const unknown = await daemonSync(e.paths, "leger/nope").catch((err) => err);
    assert.ok(unknown instanceof LegerError);
    assert.equal(unknown.exitCode, 5);

    // Abort stops it and removes the socket. The bound is far from both outcomes: an abort not heard never ends, a
    // heard one takes well under a second on a quiet machine (1.1 s was seen with the load at 20 on two cores).
    const t0 = Date.now();
    stop.abort();
    await daemon.done;
    assert.ok(Date.now() - t0 < 10_000, `stopped in ${Date.now() - t0} ms`);
    assert.equal(await daemonStatus(e.paths), undefined);
    assert.equal(await daemonSync(e.paths), undefined);

    const logged = e.lines.join("\n");
    assert.ok(
      !logged.includes(APP_VALUE) && !logged.includes(DB_VALUE),
      "a value reached the log",
    );
    assert.ok(!logged.includes(btoa(APP_VALUE).slice(0, 12)));
  }));

Deno.test("daemon: sets installed while it runs are picked up on the next cycle", () =>
  env(async (e) => {
    e.setec.put("leger/app/key", APP_VALUE);
    e.setec.put("leger/new/token", "t");
    await installSet(e.paths, "app", [{
      setec: "leger/app/key",
      podman: "app-key",
    }]);
    const daemon = await e.start();
    await waitFor("initial sync", () => e.podman.secrets.has("app-key"));
    await installSet(e.paths, "new", [{
      setec: "leger/new/token",
      podman: "new-token",
    }]);
    await waitFor("new set synced", () => e.podman.secrets.has("new-token"));
    // The status is the last finished cycle's: the one that created the secret may still be answering.
    await waitFor("the cycle's answer", async () => (await daemon.status()).secrets.length === 2);
    const status = await daemon.status();
    assert.deepEqual(status.secrets.map((s) => s.name), [
      "leger/app/key",
      "leger/new/token",
    ]);
    await daemon.stop();
  }));

Deno.test("daemon: with Setec down, a restarted daemon serves the cached values", () =>
  env(async (e) => {
    e.setec.put("leger/app/key", APP_VALUE);
    await installSet(e.paths, "app", [{
      setec: "leger/app/key",
      podman: "app-key",
    }]);
    const first = await e.start();
    await waitFor("initial sync", () => e.podman.secrets.has("app-key"));
    await first.stop();

    await e.setec.close();
    e.podman.secrets.clear(); // e.g. a fresh boot
    const second = await e.start();
    await waitFor(
      "cached value restored",
      () => e.podman.text("app-key") === APP_VALUE,
    );
    await waitFor(
      "stale status",
      async () => (await second.status()).secrets[0]?.stale === true,
    );
    const status = await daemonStatus(e.paths);
    assert.equal(status!.secrets[0]!.version, 1);
    assert.ok(status!.consecutiveFailures >= 1);
    assert.ok(
      e.lines.some((l) =>
        /^WARN stale leger\/app\/key: Setec unreachable, serving cached v1/
          .test(l)
      ),
    );
    const t0 = Date.now();
    await second.stop();
    assert.ok(Date.now() - t0 < 1000);
  }));

async function writeConfig(e: Env, poll: string, server = true): Promise<void> {
  await Deno.mkdir(dirname(e.paths.configFile), { recursive: true });
  await Deno.writeTextFile(
    e.paths.configFile,
    server
      ? `daemon:\n  setec-server: ${e.setec.url}\n  setec-ca-file: ${e.setec.caFile}\n  poll-interval: ${poll}\n`
      : `daemon:\n  poll-interval: ${poll}\n`,
  );
}

Deno.test("daemon: SIGHUP's reload runs a cycle at once, which reads the edited config; a second daemon is refused", () =>
  env(async (e) => {
    e.config.daemon["poll-interval"] = "1h";
    const d = await e.start();
    await waitFor("the first poll", async () => (await d.status()).pollIntervalMs === 3_600_000);
    await writeConfig(e, "5s");
    await d.reload();
    await waitFor("the edited poll interval", async () => (await d.status()).pollIntervalMs === 5000);
    assert.ok(e.lines.includes(`config.yaml changed: polling ${e.setec.url} every 5s`), e.lines.join("\n"));
    const second = await e.start().catch((err) => err);
    assert.ok(second instanceof LegerError);
    assert.match(second.message, /another leger daemon listens/);
    assert.equal(await daemonIsRunning(e.paths), true);
    await d.stop();
    assert.equal(await daemonIsRunning(e.paths), false);
  }));

Deno.test("daemon: an edited config.yaml is read at the next poll, without SIGHUP, and said once", () =>
  env(async (e) => {
    const d = await e.start();
    await waitFor("the first poll", async () => (await d.status()).pollIntervalMs === 200);
    await writeConfig(e, "300ms");
    await waitFor("the edited poll interval", async () => (await d.status()).pollIntervalMs === 300);
    // Two more polls, each one's end seen in the status.
    const seen = new Set([(await d.status()).lastSyncAt]);
    await waitFor("two more polls", async () => seen.add((await d.status()).lastSyncAt).size >= 3);
    assert.equal(e.lines.filter((l) => l.startsWith("config.yaml changed")).length, 1, e.lines.join("\n"));
    await d.stop();
  }));

Deno.test("daemon: a set that declares a secret with no Setec server configured stops it with exit 78, saying where to set it", () =>
  env(async (e) => {
    delete e.config.daemon["setec-server"];
    await installSet(e.paths, "app", [{ setec: "leger/app/key", podman: "app-key" }]);
    const d = await e.start();
    const error = await d.done.then(() => undefined, (err) => err);
    assert.ok(error instanceof LegerError);
    assert.equal(error.exitCode, 78);
    assert.match(error.hint ?? "", /daemon\.setec-server/);
    assert.equal(await daemonIsRunning(e.paths), false);
  }));

Deno.test("daemon: without a Setec server and secrets it follows updates only, and says so when asked to sync", () =>
  env(async (e) => {
    delete e.config.daemon["setec-server"];
    const d = await e.start();
    await waitFor("the start line", () => e.lines.some((l) => /unattended updates only/.test(l)));
    const status = await daemonStatus(e.paths);
    assert.deepEqual([status!.server, status!.pollIntervalMs, status!.secrets], ["", 0, []]);
    const error = await daemonSync(e.paths).catch((err) => err);
    assert.match(String(error?.message), /runs without a Setec server/);
    // A set that declares a secret, and a server, later: the sleeping secrets schedule wakes on the change.
    e.setec.put("leger/app/key", APP_VALUE);
    await writeConfig(e, "200ms");
    await installSet(e.paths, "app", [{ setec: "leger/app/key", podman: "app-key" }]);
    await d.reload();
    await waitFor("the secret synced", () => e.podman.text("app-key") === APP_VALUE);
    await d.stop();
  }));

Deno.test("control socket answers bad requests clearly", () =>
  env(async (e) => {
    const d = await e.start();
    const client = Deno.createHttpClient({
      proxy: { transport: "unix", path: d.socketPath },
    });
    const get = await fetch("http://x/sync", { client });
    assert.equal(get.status, 405);
    await get.body?.cancel();
    const bad = await fetch("http://x/sync", {
      method: "POST",
      body: "{",
      client,
    });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    const none = await fetch("http://x/nothing", { client });
    assert.equal(none.status, 404);
    await none.body?.cancel();
    const dry = await fetch("http://x/sync", {
      method: "POST",
      body: '{"dryRun":true}',
      client,
    });
    assert.equal((await dry.json()).dryRun, true);
    client.close();
    await d.stop();
  }));

Deno.test("a poll deferred by the scope lock still answers what the cache holds (the status keeps its versions)", () =>
  env(async (e) => {
    e.setec.put("leger/app/key", APP_VALUE);
    await installSet(e.paths, "app", [{ setec: "leger/app/key", podman: "app-key" }]);
    const first = await e.start();
    await waitFor("initial sync", () => e.podman.secrets.has("app-key"));
    await first.stop();
    const held = await tryScopeLock(e.paths.lockFile);
    try {
      const $ = createShell({ fakes: { podman: e.podman.podman } });
      const { reply } = await runSecretsCycle(
        { paths: e.paths, config: e.config, $, log: { info() {}, warn() {} } },
        {},
      );
      assert.equal(reply.deferred, true);
      assert.equal(reply.report, undefined, "nothing synced without the lock");
      assert.deepEqual(reply.secrets.map((s) => [s.name, s.version, typeof s.fetchedAt]), [
        ["leger/app/key", 1, "string"],
      ]);
    } finally {
      await held!.release();
    }
  }));
