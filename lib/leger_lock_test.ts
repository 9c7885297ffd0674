import assert from "node:assert/strict";
import { bench, logged, repoWith, WEB_SET } from "../tests/fakes/fake_host_fixtures.ts";
import { install } from "../tests/helpers/ops.ts";
import { withLock } from "./core/lock.ts";
import { tryScopeLock } from "./daemon/scope_lock.ts";
import { createLeger } from "./leger.ts";

Deno.test("leger start, restart and stop wait for another run that holds the lock (a backup's copy, the daemon), say whose, then act", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    const leger = createLeger(b.engine);
    let release!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((r) => held = r);
    // Another leger run: it stops web for a consistent copy and holds the lock until the copy is done.
    const other = withLock(b.engine.paths.lockFile, async () => {
      await b.engine.systemd.stop(["web.service"]);
      held();
      await new Promise<void>((r) => release = r);
    });
    await holding;
    let started = false;
    const start = leger.start("web").then((states) => (started = true, states));
    const saidTimes = () =>
      logged(b.log.events, "info").filter((l) =>
        /^waiting for another leger run \(pid \d+( \(leger daemon\))?\) to finish$/.test(l)
      ).length;
    const waitingSaid = () => saidTimes() > 0;
    for (let i = 0; i < 300 && !waitingSaid() && !started; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(waitingSaid(), `the run did not say it waits: ${logged(b.log.events, "info").join("\n")}`);
    assert.equal(started, false, "the start waited for the lock");
    assert.equal(b.host.unit("web.service").active, "inactive", "nothing started during the other run's copy");
    release();
    await other;
    const states = await start;
    assert.ok(states.some((s) => s.unit === "web.service" && s.active === "active"), JSON.stringify(states));
    // The daemon's hold is named as such.
    const daemonHold = await tryScopeLock(b.engine.paths.lockFile);
    const during = leger.restart("web");
    for (let i = 0; i < 300 && saidTimes() < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await daemonHold!.release();
    await during;
    assert.ok(
      logged(b.log.events, "info").some((l) =>
        /^waiting for another leger run \(pid \d+ \(leger daemon\)\) to finish$/.test(l)
      ),
      logged(b.log.events, "info").join("\n"),
    );
    // A stop waits the same way: the unit still runs when the other run lets go.
    let activeAtRelease = "";
    let heldAgain!: () => void;
    const holdingAgain = new Promise<void>((r) => heldAgain = r);
    const again = withLock(b.engine.paths.lockFile, async () => {
      heldAgain();
      for (let i = 0; i < 300 && saidTimes() < 3; i++) await new Promise((r) => setTimeout(r, 20));
      activeAtRelease = b.host.unit("web.service").active;
    });
    await holdingAgain;
    await leger.stop("web");
    await again;
    assert.equal(saidTimes(), 3, "the stop said it waits");
    assert.equal(activeAtRelease, "active", "the stop waited for the other run");
    assert.equal(b.host.unit("web.service").active, "inactive");
  } finally {
    await b.cleanup();
  }
});
