/**
 * The supervisor's schedules, with a scripted runner standing in for the
 * cycle children (the cycles themselves are tested in daemon_test.ts
 * through the in-process runner, and as real children in
 * spawn_runner_test.ts).
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { ExitCode, LegerError } from "../core/errors.ts";
import { type ScopePaths, scopePaths } from "../core/paths.ts";
import type { CycleRunner, SecretsReply, UpdatesReply, UpdatesRequest } from "./cycle_protocol.ts";
import { daemonUpdate } from "./control_client.ts";
import { runSupervisor } from "./supervisor.ts";

const OFF: SecretsReply = { enabled: false, server: "", pollIntervalMs: 3_600_000, secrets: [] };

interface Script {
  updates: (request: UpdatesRequest, n: number) => UpdatesReply | Error;
  secrets?: () => SecretsReply | Error;
}

async function scene(
  script: Script,
  fn: (
    s: { paths: ScopePaths; calls: UpdatesRequest[]; times: number[]; lines: string[]; closed: () => boolean },
  ) => Promise<void>,
  watchMs = 100,
) {
  const root = await Deno.makeTempDir();
  const paths = scopePaths("user", { HOME: root, LEGER_RUNTIME_DIR: join(root, "run") });
  const calls: UpdatesRequest[] = [];
  /** When each update check was asked for. */
  const times: number[] = [];
  const lines: string[] = [];
  let closed = false;
  const runner: CycleRunner = {
    secrets: () => {
      const r = script.secrets?.() ?? OFF;
      return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
    },
    updates: (request) => {
      calls.push(request);
      times.push(Date.now());
      const r = script.updates(request, calls.length);
      return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
  const stop = new AbortController();
  try {
    const daemon = await runSupervisor({
      paths,
      runner,
      log: { info: (l) => lines.push(l), warn: (l) => lines.push(`WARN ${l}`) },
      signal: stop.signal,
      watchMs,
    });
    await fn({ paths, calls, times, lines, closed: () => closed });
    stop.abort();
    await daemon.done;
    assert.equal(closed, true, "the runner was closed when the daemon stopped");
  } finally {
    stop.abort();
    await Deno.remove(root, { recursive: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond` holds (polled every 20 ms), failing after `ms`. */
async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

Deno.test("update checks run when the next set is due, not every minute", () =>
  scene(
    { updates: () => ({ followed: true, at: new Date().toISOString(), results: [], nextDueMs: 250 }) },
    async ({ calls, times }) => {
      await until("the check at start", () => calls.length >= 1);
      await until("the check when the set is due", () => calls.length >= 2);
      // Timed from the checks themselves, not from fixed sleeps: on a loaded machine a sleep says little.
      const gap = times[1]! - times[0]!;
      assert.ok(gap >= 240, `the second check came ${gap} ms after the first, before the set was due (250 ms)`);
      assert.ok(gap < 30_000, `the second check came ${gap} ms after the first: not when due but at the next watch`);
    },
    60_000,
  ));

Deno.test("with nothing followed the daemon spawns no check until config.yaml or the sets change", () =>
  scene({ updates: () => ({ followed: false, results: [] }) }, async ({ paths, calls }) => {
    // Nothing to wait for here: nothing must happen during four looks at the files.
    await sleep(400);
    assert.equal(calls.length, 1);
    await Deno.mkdir(dirname(paths.configFile), { recursive: true });
    await Deno.writeTextFile(paths.configFile, "updates:\n  interval: 5m\n");
    await until("the check the edit brings", () => calls.length >= 2);
    assert.equal(calls.length, 2, "the edit brought one check");
    await Deno.mkdir(paths.manifestsDir, { recursive: true });
    await until("the check a new manifests folder (an install) brings", () => calls.length >= 3);
    assert.equal(calls.length, 3);
  }));

Deno.test("a failing check is said once and tried again within a minute; leger update --now gets results or the error", () =>
  scene({
    updates: (request, n) =>
      request.now
        ? (request.now[0] === "bad"
          ? { followed: true, results: [], error: "cannot reach the forge" }
          : { followed: true, at: "t", results: [{ name: "web", result: "applied", commit: "abc" }] })
        : n < 4
        ? new LegerError("the update cycle ended without an answer")
        : { followed: false, results: [] },
  }, async ({ paths, calls, lines }) => {
    while (calls.length < 4) await sleep(20);
    assert.equal(lines.filter((l) => l.startsWith("WARN update check failed")).length, 1, lines.join("\n"));
    assert.deepEqual(await daemonUpdate(paths, ["web"]), [{ name: "web", result: "applied", commit: "abc" }]);
    await assert.rejects(daemonUpdate(paths, ["bad"]), /cannot reach the forge/);
  }));

Deno.test("a config.yaml the first cycle cannot use stops the daemon with its error (exit 78)", async () => {
  const bad = new LegerError("config.yaml: daemon.poll-interval: not a duration", { exitCode: ExitCode.config });
  const root = await Deno.makeTempDir();
  try {
    const paths = scopePaths("user", { HOME: root, LEGER_RUNTIME_DIR: join(root, "run") });
    let closed = false;
    const daemon = await runSupervisor({
      paths,
      runner: {
        secrets: () => Promise.reject(bad),
        updates: () => Promise.reject(bad),
        close: () => Promise.resolve(void (closed = true)),
      },
      log: { info: () => {}, warn: () => {} },
    });
    await assert.rejects(daemon.done, (e) => e === bad);
    assert.equal(closed, true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
