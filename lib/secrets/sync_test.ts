import assert from "node:assert/strict";
import { type SetecStandIn, startSetecStandIn } from "../../tests/fakes/setec/server.ts";
import { createFakePodmanSecrets, type FakePodmanSecrets } from "../../tests/fakes/podman/secrets_in_memory.ts";
import { createShell } from "../host/shell.ts";
import { SecretCache } from "./cache.ts";
import { SetecClient } from "./setec_client.ts";
import { type DeclaredSecret, formatAge, type SyncOptions, syncSecrets } from "./sync.ts";
import { NotFoundError } from "../core/errors.ts";

interface World {
  setec: SetecStandIn;
  podman: FakePodmanSecrets;
  cache: SecretCache;
  lines: string[];
  restarts: string[][];
  sync(
    declared: DeclaredSecret[],
    extra?: Partial<SyncOptions>,
  ): ReturnType<typeof syncSecrets>;
  dir: string;
}

const APP: DeclaredSecret = {
  name: "leger/app/key",
  podmanSecret: "app-key",
  users: ["app.service"],
};
const DB: DeclaredSecret = {
  name: "leger/db/pass",
  podmanSecret: "db-pass",
  users: ["app.service", "db.service"],
};

async function world(fn: (w: World) => Promise<void>) {
  const setec = await startSetecStandIn();
  const podman = createFakePodmanSecrets();
  const $ = createShell({ fakes: { podman: podman.podman } });
  const dir = await Deno.makeTempDir();
  const cache = await SecretCache.open(`${dir}/secrets`);
  const lines: string[] = [];
  const restarts: string[][] = [];
  const client = new SetecClient({
    server: setec.url,
    retries: 1,
    backoffMs: 1,
    caCert: setec.caPem!,
  });
  const w: World = {
    setec,
    podman,
    cache,
    lines,
    restarts,
    dir,
    sync: (declared, extra = {}) =>
      syncSecrets({
        $,
        client,
        cache,
        declared,
        prefix: "leger/",
        restartUnits: (units) => {
          restarts.push(units);
          return Promise.resolve();
        },
        log: {
          info: (l) => lines.push(`info: ${l}`),
          warn: (l) => lines.push(`warn: ${l}`),
        },
        ...extra,
      }),
  };
  try {
    await fn(w);
  } finally {
    client.close();
    await setec.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("first sync creates the Podman secrets and caches them, restarting nothing", () =>
  world(async (w) => {
    w.setec.put(APP.name, "app-v1");
    const report = await w.sync([APP]);
    assert.equal(report.ok, true);
    assert.deepEqual(report.results, [
      {
        name: APP.name,
        podmanSecret: "app-key",
        action: "created",
        toVersion: 1,
        restarted: [],
      },
    ]);
    assert.equal(w.podman.text("app-key"), "app-v1");
    assert.equal((await w.cache.read(APP.name))?.version, 1);
    assert.deepEqual(w.restarts, []);
    assert.deepEqual(w.lines, [
      "info: created leger/app/key v1 as podman secret app-key",
    ]);
  }));

Deno.test("a later sync asks Setec with UpdateIfChanged and changes nothing while unchanged", () =>
  world(async (w) => {
    w.setec.put(APP.name, "app-v1");
    await w.sync([APP]);
    w.setec.put(APP.name, "app-v2"); // put without activate: not a rotation yet
    const writes = w.podman.calls.filter((c) => c.args[1] === "create").length;
    const report = await w.sync([APP]);
    assert.equal(report.results[0]!.action, "unchanged");
    const last = w.setec.requests.at(-1)!;
    assert.deepEqual([
      last.path,
      last.version,
      last.updateIfChanged,
      last.status,
    ], ["/api/get", 1, true, 304]);
    assert.equal(
      w.podman.calls.filter((c) => c.args[1] === "create").length,
      writes,
    );
    assert.equal(w.podman.text("app-key"), "app-v1");
  }));

Deno.test("rotation updates cache and Podman secret and restarts each using unit once", () =>
  world(async (w) => {
    w.setec.put(APP.name, "app-v1");
    w.setec.put(DB.name, "db-v1");
    const other: DeclaredSecret = {
      name: "leger/other",
      podmanSecret: "other",
      users: ["other.service"],
    };
    w.setec.put(other.name, "o-v1");
    await w.sync([APP, DB, other]);
    w.setec.rotate(APP.name, "app-v2");
    w.setec.rotate(DB.name, "db-v2");
    w.lines.length = 0;
    const report = await w.sync([APP, DB, other]);
    assert.deepEqual(
      report.results.map((r) => [r.action, r.fromVersion, r.toVersion]),
      [
        ["rotated", 1, 2],
        ["rotated", 1, 2],
        ["unchanged", 1, 1],
      ],
    );
    assert.deepEqual(w.restarts, [["app.service", "db.service"]]);
    assert.deepEqual(report.restarted, ["app.service", "db.service"]);
    assert.equal(w.podman.text("app-key"), "app-v2");
    assert.equal((await w.cache.read(DB.name))?.version, 2);
    assert.deepEqual(w.lines, [
      "info: rotated leger/app/key v1 -> v2, restarted app.service",
      "info: rotated leger/db/pass v1 -> v2, restarted app.service, db.service",
    ]);
  }));

Deno.test("restart: false and restart-on-rotate off rotate without restarting", () =>
  world(async (w) => {
    w.setec.put(APP.name, "1");
    await w.sync([{ ...APP, restart: false }]);
    w.setec.rotate(APP.name, "2");
    const r = await w.sync([{ ...APP, restart: false }]);
    assert.equal(r.results[0]!.action, "rotated");
    w.setec.rotate(APP.name, "3");
    await w.sync([APP], { restartOnRotate: false });
    assert.deepEqual(w.restarts, []);
    assert.equal(w.podman.text("app-key"), "3");
  }));

Deno.test("names outside the secret prefix are refused without asking Setec", () =>
  world(async (w) => {
    const report = await w.sync([{
      name: "prod/root-pw",
      podmanSecret: "pw",
      users: [],
    }]);
    assert.equal(report.ok, false);
    assert.equal(report.results[0]!.action, "failed");
    assert.match(
      report.results[0]!.error!.message,
      /prod\/root-pw: it is outside the secret prefix "leger\/"/,
    );
    assert.match(report.results[0]!.error!.hint!, /daemon\.secret-prefix/);
    assert.equal(w.setec.requests.length, 0);
  }));

Deno.test("a missing secret and a denied one fail with the Setec name and the ACL action", () =>
  world(async (w) => {
    w.setec.put(DB.name, "db");
    w.setec.setAcl((name, action) => !(name === DB.name && action === "get"));
    const report = await w.sync([APP, DB]);
    const [missing, denied] = report.results;
    assert.equal(missing!.action, "failed");
    assert.match(
      missing!.error!.message,
      /leger\/app\/key: it does not exist \(404\)/,
    );
    assert.equal(denied!.action, "failed");
    assert.equal(denied!.error!.aclAction, "get");
    assert.match(
      denied!.error!.message,
      /leger\/db\/pass.*tailscale\.com\/cap\/secrets action "get"/,
    );
    assert.equal(w.podman.secrets.size, 0);
    assert.ok(w.lines.some((l) => l.startsWith("warn: failed leger/db/pass")));
  }));

Deno.test("with Setec unreachable the cached value is served and marked stale with its age", () =>
  world(async (w) => {
    w.setec.put(APP.name, "cached-value");
    const t0 = new Date("2026-03-01T10:00:00Z");
    await w.sync([APP], { now: () => t0 });
    await w.setec.close();
    w.podman.secrets.clear(); // e.g. after a reboot with podman storage reset
    const later = new Date(t0.getTime() + 5 * 60_000);
    const report = await w.sync([APP, DB], { now: () => later });
    const [app, db] = report.results;
    assert.equal(report.unreachable, true);
    assert.equal(app!.action, "stale");
    assert.deepEqual(app!.stale, {
      fetchedAt: t0.toISOString(),
      ageMs: 300_000,
    });
    assert.equal(w.podman.text("app-key"), "cached-value");
    assert.equal(db!.action, "failed"); // never fetched: nothing to fall back on
    assert.ok(
      w.lines.includes(
        "warn: stale leger/app/key: Setec unreachable, serving cached v1 from 5m ago",
      ),
    );
  }));

Deno.test("a dry run fetches and reports but changes nothing", () =>
  world(async (w) => {
    w.setec.put(APP.name, "1");
    w.setec.put(DB.name, "1");
    await w.sync([APP]);
    w.setec.rotate(APP.name, "2");
    const report = await w.sync([APP, DB], { dryRun: true });
    assert.deepEqual(report.results.map((r) => r.action), [
      "would-rotate",
      "would-create",
    ]);
    assert.deepEqual(report.restarted, ["app.service"]);
    assert.deepEqual(w.restarts, []);
    assert.equal(w.podman.text("app-key"), "1");
    assert.equal(w.podman.secrets.has("db-pass"), false);
    assert.equal((await w.cache.read(APP.name))?.version, 1);
    assert.ok(
      w.lines.includes(
        "info: would rotate leger/app/key v1 -> v2, would restart app.service",
      ),
    );
  }));

Deno.test("only syncs the named secret, by Setec or Podman name; an unknown name is not found", () =>
  world(async (w) => {
    w.setec.put(APP.name, "1");
    w.setec.put(DB.name, "1");
    const report = await w.sync([APP, DB], { only: "db-pass" });
    assert.deepEqual(report.results.map((r) => r.name), [DB.name]);
    await assert.rejects(w.sync([APP], { only: "nope" }), NotFoundError);
  }));

Deno.test("a Podman secret already in the host with no cache is refreshed, not 'rotated'", () =>
  world(async (w) => {
    w.setec.put(APP.name, "1");
    w.podman.secrets.set("app-key", {
      id: "x",
      value: new TextEncoder().encode("old"),
      writes: 1,
    });
    const report = await w.sync([APP]);
    assert.equal(report.results[0]!.action, "refreshed");
    assert.deepEqual(w.restarts, []);
    assert.equal(w.podman.text("app-key"), "1");
  }));

Deno.test("two Setec secrets feeding one Podman secret is an error; restart failures are reported", () =>
  world(async (w) => {
    w.setec.put(APP.name, "1");
    w.setec.put(DB.name, "1");
    const clash = await w.sync([APP, { ...DB, podmanSecret: "app-key" }]);
    assert.equal(clash.results[1]!.action, "failed");
    assert.match(
      clash.results[1]!.error!.message,
      /already fed by leger\/app\/key/,
    );
    w.setec.rotate(APP.name, "2");
    const report = await w.sync([APP], {
      restartUnits: () => Promise.reject(new Error("Job for app.service failed")),
    });
    assert.equal(report.ok, false);
    assert.equal(report.restartError, "Job for app.service failed");
    assert.deepEqual(report.results[0]!.restarted, []);
  }));

Deno.test("a secret value never reaches log lines, reports, argv, env or readable files", () =>
  world(async (w) => {
    const VALUE = "pa55-Zebra-Unique-9f2c";
    w.setec.put(APP.name, VALUE);
    w.setec.put(DB.name, VALUE + "-db");
    await w.sync([APP, DB]);
    w.setec.rotate(APP.name, VALUE + "-v2");
    const reports = [
      await w.sync([APP, DB]),
      await w.sync([APP, DB], { dryRun: true }),
    ];
    w.setec.setAcl(() => false);
    reports.push(await w.sync([APP, DB]));
    await w.setec.close();
    reports.push(await w.sync([APP, DB]));
    const haystack = [
      ...w.lines,
      JSON.stringify(reports),
      JSON.stringify(w.podman.calls),
      JSON.stringify(w.setec.requests),
    ].join("\n");
    const b64 = btoa(VALUE).slice(0, 16);
    assert.ok(!haystack.includes(VALUE.slice(0, 12)), "value leaked");
    assert.ok(!haystack.includes(b64), "base64 value leaked");
    assert.equal(w.podman.text("app-key"), VALUE + "-v2");
    for await (const e of Deno.readDir(w.cache.dir)) {
      assert.equal(
        (await Deno.stat(`${w.cache.dir}/${e.name}`)).mode! & 0o077,
        0,
        e.name,
      );
    }
    assert.equal((await Deno.stat(w.cache.dir)).mode! & 0o777, 0o700);
  }));

Deno.test("formatAge reads like a person would say it", () => {
  assert.deepEqual(
    [5_000, 300_000, 3 * 3600_000, 3 * 86400_000].map(formatAge),
    ["5s", "5m", "3h", "3d"],
  );
});
