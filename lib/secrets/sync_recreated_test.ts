/**
 * Sync against the real server's quirks: a deleted and re-created secret
 * restarts at version 1 (a conditional get would answer 304 for it), an
 * older version activated on purpose is told apart from that, a plain 500
 * is the server's permanent error, and 500 "unable to identify caller"
 * (tailscaled restarting) is an outage for reads.
 */
import assert from "node:assert/strict";
import { type SetecStandIn, startSetecStandIn } from "../../tests/fakes/setec/server.ts";
import { createFakePodmanSecrets, type FakePodmanSecrets } from "../../tests/fakes/podman/secrets_in_memory.ts";
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
  sync(at?: Date, verifyEveryMs?: number): ReturnType<typeof syncSecrets>;
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
      sync: (at = new Date(t0), verifyEveryMs?: number) =>
        syncSecrets({
          ...(verifyEveryMs === undefined ? {} : { verifyEveryMs }),
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

Deno.test("a re-create that leaves no trace is caught by the hourly full fetch; an unchanged value restarts nothing", () =>
  world(async (w) => {
    const t0 = new Date("2026-05-01T00:00:00Z");
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    w.setec.put(APP.name, "old-one");
    await w.sync(t0);
    w.setec.remove(APP.name);
    w.setec.put(APP.name, "new-one");
    const soon = await w.sync(at(59));
    assert.equal(soon.results[0]!.action, "unchanged"); // 304: nothing shows it yet
    const hourLater = await w.sync(at(60));
    assert.equal(hourLater.results[0]!.action, "rotated");
    assert.equal(w.podman.text("app-key"), "new-one");
    assert.ok(w.lines.some((l) => /deleted and created again in Setec \(now v1\)/.test(l)), w.lines.join("\n"));
    const again = await w.sync(at(121));
    assert.equal(again.results[0]!.action, "unchanged", "same digest: no rotation, no restart");
    assert.deepEqual(w.restarts, [["app.service"]]);
  }));

Deno.test("daemon.verify-interval sets the bound: with 5m, a re-create is caught within five minutes", () =>
  world(async (w) => {
    const t0 = new Date("2026-05-01T00:00:00Z");
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    w.setec.put(APP.name, "old-one");
    await w.sync(t0, 5 * 60_000);
    w.setec.remove(APP.name);
    w.setec.put(APP.name, "new-one");
    assert.equal((await w.sync(at(4), 5 * 60_000)).results[0]!.action, "unchanged");
    assert.equal((await w.sync(at(5), 5 * 60_000)).results[0]!.action, "rotated");
    assert.equal(w.podman.text("app-key"), "new-one");
  }));

Deno.test("an older version made active on purpose is said so, not taken for a re-create", () =>
  world(async (w) => {
    w.setec.put(APP.name, "one");
    w.setec.rotate(APP.name, "two");
    w.setec.rotate(APP.name, "three");
    await w.sync();
    w.setec.activate(APP.name, 2); // a rollback: v3 is still there
    const r = await w.sync();
    assert.deepEqual(r.results.map((x) => [x.action, x.fromVersion, x.toVersion]), [["rotated", 3, 2]]);
    assert.equal(w.podman.text("app-key"), "two");
    assert.ok(
      w.lines.includes("info: leger/app/key: an older version was made active in Setec (v3 -> v2): taking its value"),
      w.lines.join("\n"),
    );
    assert.ok(!w.lines.some((l) => /deleted and created again/.test(l)), w.lines.join("\n"));
    // Deleted and put three times again: v1..v3 once more, v1 active, v3's value another. That is a re-create.
    w.setec.activate(APP.name, 3);
    await w.sync();
    w.setec.remove(APP.name);
    w.setec.put(APP.name, "new-one");
    w.setec.put(APP.name, "new-two");
    w.setec.put(APP.name, "new-three");
    const recreated = await w.sync();
    assert.deepEqual(recreated.results.map((x) => [x.action, x.toVersion]), [["rotated", 1]]);
    assert.equal(w.podman.text("app-key"), "new-one");
    assert.ok(w.lines.some((l) => /deleted and created again in Setec \(now v1\)/.test(l)), w.lines.join("\n"));
  }));

Deno.test("a plain 500 is the server's error: reported with its text, not retried, not served stale", () =>
  world(async (w) => {
    w.setec.put(APP.name, "v1");
    await w.sync();
    w.setec.failNext(2, 500); // list and get: "service unavailable" with status 500, not a passing outage's status
    const before = w.setec.requests.length;
    const r = await w.sync();
    assert.equal(r.unreachable, false);
    assert.equal(r.results[0]!.error?.status, 500);
    assert.equal(r.results[0]!.action, "failed");
    assert.match(r.results[0]!.error!.message, /the Setec server refused it \(500: service unavailable\)/);
    assert.ok(w.setec.requests.length - before <= 2, "not retried");
    assert.ok(!w.lines.some((l) => /stale|retries on its next poll/.test(l)), w.lines.join("\n"));
    assert.equal(w.podman.text("app-key"), "v1");
  }));

Deno.test("500 'unable to identify caller' (tailscaled restarting) is an outage for reads: retried, then served stale", () =>
  world(async (w) => {
    w.setec.put(APP.name, "v1");
    await w.sync();
    w.setec.setCallerKnown(false);
    const before = w.setec.requests.length;
    const r = await w.sync();
    assert.equal(r.unreachable, true);
    assert.deepEqual(r.results.map((x) => [x.action, x.toVersion]), [["stale", 1]]);
    assert.match(r.results[0]!.error!.message, /could not tell who this host is \(500: unable to identify caller\)/);
    assert.match(r.results[0]!.error!.hint ?? "", /tailscaled restarts/);
    assert.ok(w.setec.requests.length - before > 2, "retried");
    assert.ok(
      w.lines.some((l) =>
        /^warn: stale leger\/app\/key: Setec could not tell who this host is, serving cached v1/.test(l)
      ),
      w.lines.join("\n"),
    );
    assert.equal(w.podman.text("app-key"), "v1");
    w.setec.setCallerKnown(true); // tailscaled is back
    assert.equal((await w.sync()).results[0]!.action, "unchanged");
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
