import assert from "node:assert/strict";
import { bench, CACHE_SET, repoWith, WEB_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import { overallState } from "./list.ts";
import { control, inspect, list, logs } from "./query.ts";
import { install } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };

Deno.test("list shows each set with its units' states, and a crash turns it failed", async () => {
  const b = await bench({ crashAfterMs: 100 });
  try {
    assert.deepEqual(await list(b.engine), []);
    const { url, ids } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }, {
      folder: "cache",
      files: CACHE_SET,
    }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    await install(b.engine, `${url}#main:apps/cache`, FAST);
    const rows = await list(b.engine);
    assert.deepEqual(rows.map((r) => [r.name, r.state, r.backend, r.commit]), [
      ["cache", "active", "native", ids[1]],
      ["web", "active", "native", ids[1]],
    ]);
    assert.deepEqual(rows[1]!.units.map((u) => `${u.unit}=${u.active}/${u.sub}`), [
      "web-data-volume.service=active/exited",
      "web.service=active/running",
    ]);
    b.host.crashUnit("cache.service");
    await b.engine.systemd.restart(["cache.service"]);
    // The fake's unit crashes on its own clock: polled, not slept for.
    let after = await list(b.engine);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if (after.find((r) => r.name === "cache")!.state === "failed") break;
      await new Promise((r) => setTimeout(r, 20));
      after = await list(b.engine);
    }
    assert.equal(after.find((r) => r.name === "cache")!.state, "failed");
    assert.equal(after.find((r) => r.name === "web")!.state, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("inspect reports files edited or removed by hand", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    assert.deepEqual((await inspect(b.engine, "web")).drift, []);
    const m = (await inspect(b.engine, "web")).manifest;
    const web = m.files.find((f) => f.name === "web.container")!;
    const vol = m.files.find((f) => f.name === "web-data.volume")!;
    await Deno.writeTextFile(web.path, (await Deno.readTextFile(web.path)) + "# edited\n");
    await Deno.remove(vol.path);
    const d = await inspect(b.engine, "web");
    assert.deepEqual(d.drift.map((x) => `${x.name}:${x.change}`), ["web-data.volume:missing", "web.container:changed"]);
    assert.equal(d.state, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("logs shows the journal of the set's units; stop, start and restart drive them", async () => {
  const b = await bench();
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    b.host.addJournal("web.service", "GET / 200");
    const text = await logs(b.engine, "web", 50);
    assert.match(text, /fakehost systemd\[\d+\]: Started web\.service - Web server\./);
    assert.match(text, /GET \/ 200/);
    assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 /m, "short-iso timestamps");

    const stopped = await control(b.engine, "web", "stop");
    assert.deepEqual(stopped.map((s) => s.active), ["inactive", "inactive"]);
    assert.ok(
      b.host.callLines("systemctl").includes("--user stop -- web.service web-data-volume.service"),
      "stops in reverse order",
    );
    assert.ok(!b.host.containers()["systemd-web"]);
    const started = await control(b.engine, "web", "start");
    assert.deepEqual(started.map((s) => s.active), ["active", "active"]);
    const restarted = await control(b.engine, "web", "restart");
    assert.deepEqual(restarted.map((s) => `${s.active}/${s.sub}`), ["active/exited", "active/running"]);
    await assert.rejects(logs(b.engine, "nope"), /Cannot find a set named "nope"/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("overallState sums unit states into one word", () => {
  const s = (active: string, sub = "running") => ({ unit: "u", active, sub, load: "loaded", result: "", restarts: 0 });
  assert.equal(overallState([]), "none");
  assert.equal(overallState([s("active"), s("active", "exited")]), "active");
  assert.equal(overallState([s("inactive", "dead"), s("inactive", "dead")]), "inactive");
  assert.equal(overallState([s("active"), s("inactive", "dead")]), "partial");
  assert.equal(overallState([s("active"), s("activating", "auto-restart")]), "failed");
});
