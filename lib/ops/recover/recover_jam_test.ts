// A recovery that cannot finish blocks only its own set (issue 10, item 4).
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Bench, bench, CACHE_SET, logged, repoWith, WEB_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import { createEngine, type Engine } from "../../engine.ts";
import { memoryLogger } from "../../../tests/helpers/memory_logger.ts";
import { createShell } from "../../host/shell.ts";
import { atomicWriteJson } from "../../core/fs.ts";
import { type JournalEntry, pendingEntries } from "../../state/journal.ts";
import { listManifests, readManifest } from "../../state/manifest.ts";
import { abandon, pendingRecoveries, recover } from "./pending.ts";
import { doctor } from "../query/doctor.ts";
import { backup, install, remove, stage } from "../../../tests/helpers/ops.ts";

const FAST = { healthTimeoutMs: 5_000 };

/**
 * An engine on the same host whose systemd refuses to reload (podman's
 * refusals no longer stop a removal: leger then deletes its own files).
 */
async function brokenPodman(
  b: Bench,
): Promise<{ engine: Engine; log: ReturnType<typeof memoryLogger>; rmCalls: () => number }> {
  const fakes = b.host.fakes();
  let calls = 0;
  const log = memoryLogger();
  const engine = await createEngine({
    scope: "user",
    log,
    env: b.host.env(),
    backend: "native",
    $: createShell({
      fakes: {
        ...fakes,
        systemctl: (call) => {
          if (call.args.includes("daemon-reload")) {
            calls++;
            return { code: 1, stderr: "Failed to reload daemon: Access denied\n" };
          }
          return fakes.systemctl(call);
        },
      },
    }),
  });
  return { engine, log, rmCalls: () => calls };
}

/** Two installed sets and what a killed `leger remove web` left: its entry, web still in place. */
async function killedRemoveOfWeb(): Promise<Bench> {
  const b = await bench({ backend: "native" });
  const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }, { folder: "cache", files: CACHE_SET }]);
  await install(b.engine, `${url}#main:apps/web`, FAST);
  await install(b.engine, `${url}#main:apps/cache`, FAST);
  const manifest = (await readManifest(b.engine.paths, "web"))!;
  const entry: JournalEntry = {
    id: `${Date.now()}-remove-web`,
    op: "remove",
    name: "web",
    step: "begin",
    pid: 2_000_000_000,
    startedAt: new Date().toISOString(),
    data: { manifest, purgeVolumes: false },
  };
  await atomicWriteJson(join(b.engine.paths.journalDir, `${entry.id}.json`), entry);
  return b;
}

Deno.test("a recovery that fails blocks only its own set: other sets stay workable, the failure says what is left", async () => {
  const b = await killedRemoveOfWeb();
  try {
    const broken = await brokenPodman(b);
    // An unrelated command tries the recovery once, reports it, and does its own work.
    await backup(broken.engine, "cache");
    const errors = logged(broken.log.events, "error").join("\n");
    assert.match(errors, /could not recover the interrupted remove of web: .*Access denied/);
    assert.match(errors, /left on the host:\n( {2}.*\n)* {2}volume systemd-web-data: exists \(data kept\)\n/);
    assert.match(errors, /unit web\.service: /);
    assert.match(errors, /leger recover web .*leger recover web --abandon/);
    const [pending] = await pendingEntries(b.engine.paths);
    assert.equal(pending?.recoveryFailed?.attempts, 1);
    const tries = broken.rmCalls();

    // Later commands on other sets are not blocked, and do not retry it behind the user's back.
    await stage(broken.engine, "cache");
    await remove(b.engine, "cache");
    assert.deepEqual((await listManifests(b.engine.paths)).map((m) => m.name), ["web"]);
    assert.equal(broken.rmCalls(), tries);
    assert.match(logged(broken.log.events, "warn").join("\n"), /it blocks only web: run leger recover web/);

    // A command on web itself retries, and stops with the ways out.
    await assert.rejects(() => remove(broken.engine, "web"), (e: Error & { hint?: string }) => {
      assert.match(e.message, /Cannot change web: an interrupted remove of it could not be recovered/);
      assert.match(e.message, /record .*manifests\/web\.json: leger lists web as installed/);
      assert.match(e.hint ?? "", /leger recover web.*--abandon/);
      return true;
    });
    await assert.rejects(() => recover(broken.engine, "web"), /could not be recovered/);
    assert.equal((await pendingEntries(b.engine.paths))[0]?.recoveryFailed?.attempts, 3);

    // doctor lists it.
    const check = (await doctor(broken.engine)).find((c) => c.name === "pending recoveries");
    assert.equal(check?.ok, false);
    assert.match(check?.detail ?? "", /remove of web .*Access denied/);
    assert.match(check?.fix ?? "", /leger recover web/);

    // Once podman works again, `leger recover web` finishes the removal.
    const done = await recover(b.engine, "web");
    assert.deepEqual(done.recovered, ["the removal of web was completed"]);
    assert.deepEqual(await pendingEntries(b.engine.paths), []);
    assert.deepEqual(await listManifests(b.engine.paths), []);
    assert.equal(b.host.unit("web.service").load, "not-found");
    assert.equal((await doctor(b.engine)).find((c) => c.name === "pending recoveries")?.ok, true);
  } finally {
    await b.cleanup();
  }
});

Deno.test("recover --abandon shows what it leaves, then sets the entry aside; the host is left as it is", async () => {
  const b = await killedRemoveOfWeb();
  try {
    const broken = await brokenPodman(b);
    await assert.rejects(() => recover(broken.engine), /could not be recovered/);
    const before = b.host.quadletFiles();
    const unitBefore = b.host.unit("web.service").active; // the failed recovery stopped it

    const preview = await abandon(broken.engine, "web", { dryRun: true });
    assert.equal(preview.dryRun, true);
    assert.deepEqual(preview.keptAt, []);
    const left = preview.abandoned[0]!.leftovers;
    assert.ok(left.some((l) => l.kind === "volume" && l.what === "systemd-web-data"), JSON.stringify(left));
    assert.ok(left.some((l) => l.kind === "unit" && l.what === "web.service"), JSON.stringify(left));
    assert.ok(left.some((l) => l.kind === "record" && l.what.endsWith("manifests/web.json")), JSON.stringify(left));
    assert.equal((await pendingEntries(b.engine.paths)).length, 1, "a dry run changes nothing");

    const done = await abandon(broken.engine, "web");
    assert.equal(done.keptAt.length, 1);
    assert.match(done.keptAt[0]!, /\.json\.abandoned$/);
    assert.deepEqual(await pendingEntries(b.engine.paths), []);
    assert.deepEqual(await pendingRecoveries(b.engine), []);
    assert.deepEqual(b.host.quadletFiles(), before, "abandon changes nothing on the host");
    assert.equal(b.host.unit("web.service").active, unitBefore);

    // web is no longer blocked: with podman working, it can be removed as usual.
    await remove(b.engine, "web");
    assert.deepEqual((await listManifests(b.engine.paths)).map((m) => m.name), ["cache"]);
    await assert.rejects(() => abandon(b.engine, "web"), /Cannot find a pending recovery of web/);
  } finally {
    await b.cleanup();
  }
});
