/**
 * The daemon and the scope lock, on the fake host with the whole stack
 * (install, the Setec stand-in, Podman secrets, systemd): a rotation never
 * changes the host while another leger run holds the lock, its restarts
 * wait for the lock, and they are try-restarts (a stopped unit stays
 * stopped).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX } from "../../tests/fakes/fake_host_fixtures.ts";
import { startSetecStandIn } from "../../tests/fakes/setec/server.ts";
import { withLock } from "../core/lock.ts";
import { control } from "../ops/query/query.ts";
import { daemonSync } from "./control_client.ts";
import { runDaemon } from "../../tests/helpers/in_process_daemon.ts";
import { install } from "../../tests/helpers/ops.ts";
import * as removeOps from "../ops/install/remove.ts";
import { lockedGuard } from "../ops/recover/recover.ts";

const KEY = "leger/web/key";
const SET = {
  "web.container": `[Container]\nImage=${NGINX}\nSecret=web-key,type=env,target=KEY\n`,
  ".leger.yaml": `secrets:\n  - name: ${KEY}\n    podman-secret: web-key\n    env: KEY\n`,
};

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scene(
  fn: (s: {
    b: Awaited<ReturnType<typeof bench>>;
    setec: Awaited<ReturnType<typeof startSetecStandIn>>;
    tryRestarts: () => string[];
    lines: string[];
  }) => Promise<void>,
) {
  const b = await bench({ backend: "files" });
  const setec = await startSetecStandIn();
  const stop = new AbortController();
  try {
    setec.put(KEY, "value-one");
    b.engine.config.daemon["setec-server"] = setec.url;
    b.engine.config.daemon["setec-ca-file"] = setec.caFile;
    b.engine.config.daemon["poll-interval"] = "150ms";
    const dir = join(b.host.root, "web");
    await Deno.mkdir(dir);
    for (const [name, text] of Object.entries(SET)) await Deno.writeTextFile(join(dir, name), text);
    await install(b.engine, dir, { healthTimeoutMs: 5000 });
    assert.equal(b.host.unit("web.service").active, "active");
    const lines: string[] = [];
    const daemon = await runDaemon({
      paths: b.engine.paths,
      config: b.engine.config,
      $: b.engine.$,
      log: { info: (l) => lines.push(l), warn: (l) => lines.push(`WARN ${l}`) },
      systemd: b.engine.systemd,
      signal: stop.signal,
      client: { timeoutMs: 2000, retries: 0 },
      lockRetryMs: 100,
    });
    await fn({
      b,
      setec,
      lines,
      tryRestarts: () => b.host.callLines("systemctl").filter((l) => l.includes("try-restart")),
    });
    stop.abort();
    await daemon.done;
  } finally {
    stop.abort();
    await setec.close();
    await b.cleanup();
  }
}

Deno.test("daemon: a rotation waits while another leger run holds the scope lock, then try-restarts", () =>
  scene(async ({ b, setec, tryRestarts, lines }) => {
    await sleep(400); // a few polls: nothing to do
    assert.deepEqual(tryRestarts(), []);
    await withLock(b.engine.paths.lockFile, async () => {
      setec.rotate(KEY, "value-two");
      await sleep(800); // several poll intervals
      assert.equal(b.host.secretValue("web-key"), "value-one", "the daemon changed the host under another run's lock");
      assert.deepEqual(tryRestarts(), []);
    });
    await waitFor("the rotation after the lock is free", () => b.host.secretValue("web-key") === "value-two");
    await waitFor("the try-restart", () => tryRestarts().length === 1);
    assert.deepEqual(tryRestarts(), ["--user try-restart -- web.service"]);
    assert.equal(b.host.unit("web.service").active, "active");
    assert.ok(!b.host.callLines("systemctl").some((l) => /^--user restart /.test(l)), "never a plain restart");
    assert.ok(!lines.join("\n").includes("value-"), "a value reached the log");
  }));

Deno.test("daemon: a rotation never starts a unit the user stopped", () =>
  scene(async ({ b, setec, tryRestarts }) => {
    await control(b.engine, "web", "stop");
    assert.equal(b.host.unit("web.service").active, "inactive");
    setec.rotate(KEY, "value-two");
    await waitFor("the rotation", () => b.host.secretValue("web-key") === "value-two");
    await waitFor("the try-restart", () => tryRestarts().length === 1);
    await sleep(300);
    assert.equal(b.host.unit("web.service").active, "inactive", "a rotation started a stopped unit");
  }));

Deno.test("daemon: a sync asked for by a run holding the lock updates the secret now and restarts after", () =>
  scene(async ({ b, setec, tryRestarts, lines }) => {
    await withLock(b.engine.paths.lockFile, async () => {
      setec.rotate(KEY, "value-two");
      const report = await daemonSync(b.engine.paths, KEY);
      assert.deepEqual(report!.results.map((r) => [r.action, r.toVersion]), [["rotated", 2]]);
      assert.equal(b.host.secretValue("web-key"), "value-two");
      await sleep(500);
      assert.deepEqual(tryRestarts(), [], "restarted while another run held the lock");
      assert.ok(lines.some((l) => /restart of web\.service waits for the scope lock/.test(l)), lines.join("\n"));
    });
    await waitFor("the queued try-restart", () => tryRestarts().length === 1);
    assert.ok(lines.some((l) => /restarted web\.service \(try-restart/.test(l)), lines.join("\n"));
  }));

Deno.test("daemon: a restart that waited for the lock skips a set the lock's holder removed meanwhile", () =>
  scene(async ({ b, setec, tryRestarts, lines }) => {
    await withLock(b.engine.paths.lockFile, async () => {
      setec.rotate(KEY, "value-two");
      await daemonSync(b.engine.paths, KEY);
      assert.ok(lines.some((l) => /restart of web\.service waits for the scope lock/.test(l)), lines.join("\n"));
      // The run holding the lock removes web (the wrapper's work, done here under the same lock).
      await removeOps.remove(b.engine, lockedGuard(b.engine), "web", {});
    });
    await waitFor("the waiting restart to give up web", () => lines.some((l) => /not restarting web\.service/.test(l)));
    assert.deepEqual(tryRestarts(), [], "a removed set's unit was try-restarted");
    assert.ok(!lines.some((l) => l.startsWith("WARN failed to restart")), lines.join("\n"));
  }));
