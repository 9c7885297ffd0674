/**
 * Sync against the real server's quirks: a deleted and re-created secret
 * restarts at version 1 (a conditional get would answer 304 for it), and a
 * plain 500 is the server's permanent error, not an outage.
 */
import assert from "node:assert/strict";
import { type SetecStandIn, startSetecStandIn } from "../../tests/fakes/setec_server.ts";
import { createFakePodmanSecrets, type FakePodmanSecrets } from "../../tests/fakes/podman_secrets.ts";
import { createShell } from "../host/shell.ts";
import { SecretCache } from "./cache.ts";
import { SetecClient } from "./setec_client.ts";
import { type DeclaredSecret, syncSecrets } from "./sync.ts";

const APP: DeclaredSecret = { name: "leger/app/key", podmanSecret: "app-key", users: ["app.service"] };

interface World {
  setec: SetecStandIn;
  podman: FakePodmanSecrets;
  cache: SecretCache;
  lines: string[];
  restarts: string[][];
  sync(at?: Date): ReturnType<typeof syncSecrets>;
}

async function world(fn: (w: World) => Promise<void>) {
  const setec = await startSetecStandIn();
  const podman = createFakePodmanSecrets();
  const $ = createShell({ fakes: { podman: podman.podman } });
  const dir = await Deno.makeTempDir();
  const cache = await SecretCache.open(`${dir}/secrets`);
  const client = new SetecClient({ server: setec.url, caCert: setec.caPem!, retries: 2, backoffMs: 1 });
  const lines: string[] = [];
  const restarts: string[][] = [];
  const t0 = Date.parse("2026-05-01T00:00:00Z");
  try {
    await fn({
      setec,
      podman,
      cache,
      lines,
      restarts,
      sync: (at = new Date(t0)) =>
        syncSecrets({
          $,
          client,
          cache,
          declared: [APP],
          prefix: "leger/",
          restartUnits: (u) => {
            restarts.push(u);
            return Promise.resolve();
          },
          log: { info: (l) => lines.push(`info: ${l}`), warn: (l) => lines.push(`warn: ${l}`) },
          now: () => at,
        }),
    });
  } finally {
    client.close();
    await setec.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a secret deleted (seen missing by a poll) and created again at the same version is fetched anew", () =>
  world(async (w) => {
    w.setec.put(APP.name, "old-one");
    assert.equal((await w.sync()).results[0]!.action, "created");
    w.setec.remove(APP.name); // `setec delete`
    const gone = await w.sync();
    assert.equal(gone.results[0]!.action, "failed");
    assert.match(gone.results[0]!.error!.message, /it does not exist \(404\)/);
    assert.equal(w.podman.text("app-key"), "old-one", "a failed poll changes nothing");
    assert.equal(w.setec.put(APP.name, "new-one"), 1); // created again: version 1 once more
    const back = await w.sync();
    assert.deepEqual(
      back.results.map((r) => [r.action, r.fromVersion, r.toVersion, r.restarted]),
      [["rotated", 1, 1, ["app.service"]]],
    );
    assert.equal(w.podman.text("app-key"), "new-one");
    assert.ok(w.lines.some((l) => /deleted and created again in Setec \(now v1\)/.test(l)), w.lines.join("\n"));
    // Settled: the next poll is conditional again and changes nothing.
    assert.equal((await w.sync()).results[0]!.action, "unchanged");
    assert.equal(w.setec.requests.at(-1)!.updateIfChanged, true);
  }));

Deno.test("a secret whose versions went backwards in list (re-created between polls) is compared by digest", () =>
  world(async (w) => {
    w.setec.put(APP.name, "old-one");
    w.setec.put(APP.name, "old-two"); // v2 exists, not active: list shows versions [1, 2]
    await w.sync();
    assert.equal((await w.cache.read(APP.name))?.seenLatest, 2);
    w.setec.remove(APP.name);
    w.setec.put(APP.name, "new-one"); // v1, active; a conditional get of v1 answers 304
    const r = await w.sync();
    assert.deepEqual(r.results.map((x) => [x.action, x.toVersion]), [["rotated", 1]]);
    assert.equal(w.podman.text("app-key"), "new-one");
    assert.deepEqual(w.restarts, [["app.service"]]);
  }));

Deno.test("a re-create that leaves no trace is caught by the daily full fetch; an unchanged value restarts nothing", () =>
  world(async (w) => {
    const t0 = new Date("2026-05-01T00:00:00Z");
    w.setec.put(APP.name, "old-one");
    await w.sync(t0);
    w.setec.remove(APP.name);
    w.setec.put(APP.name, "new-one");
    const hourLater = await w.sync(new Date(t0.getTime() + 3600_000));
    assert.equal(hourLater.results[0]!.action, "unchanged"); // 304: nothing shows it yet
    const dayLater = await w.sync(new Date(t0.getTime() + 25 * 3600_000));
    assert.equal(dayLater.results[0]!.action, "rotated");
    assert.equal(w.podman.text("app-key"), "new-one");
    const again = await w.sync(new Date(t0.getTime() + 50 * 3600_000));
    assert.equal(again.results[0]!.action, "unchanged", "same digest: no rotation, no restart");
    assert.deepEqual(w.restarts, [["app.service"]]);
  }));

Deno.test("a plain 500 is the server's error: reported with its text, not retried, not served stale", () =>
  world(async (w) => {
    w.setec.put(APP.name, "v1");
    await w.sync();
    w.setec.setCallerKnown(false);
    const before = w.setec.requests.length;
    const r = await w.sync();
    assert.equal(r.unreachable, false);
    assert.equal(r.results[0]!.action, "failed");
    assert.match(r.results[0]!.error!.message, /the Setec server refused it \(500: unable to identify caller\)/);
    assert.equal(r.results[0]!.error!.status, 500);
    // One list and one get: neither retried.
    assert.equal(w.setec.requests.length - before, 2);
    assert.ok(!w.lines.some((l) => /stale|retries on its next poll/.test(l)), w.lines.join("\n"));
    assert.equal(w.podman.text("app-key"), "v1");
  }));

Deno.test("502/503/504 are an outage: retried, then the cache is served as stale", () =>
  world(async (w) => {
    w.setec.put(APP.name, "v1");
    await w.sync();
    w.setec.failNext(100, 502);
    const r = await w.sync();
    assert.equal(r.unreachable, true);
    assert.equal(r.results[0]!.action, "stale");
    assert.match(r.results[0]!.error!.message, /502: bad gateway/);
  }));
