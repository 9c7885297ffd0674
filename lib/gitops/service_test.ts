import assert from "node:assert/strict";
import { dirname } from "node:path";
import { bench, NGINX, repoWith } from "../../tests/fakes/fake_host_fixtures.ts";
import { install } from "../ops/install.ts";
import { writeUpdateRecord } from "./record.ts";
import { startUpdater } from "./service.ts";

/** Counts the reads of the manifests folder and of `.leger.yaml` files while `body` runs. */
async function countingReads(manifestsDir: string, body: () => Promise<void>) {
  const counts = { manifestLists: 0, legerYaml: 0 };
  const d = Deno as unknown as Record<string, unknown>;
  const readDir = Deno.readDir, openSync = Deno.openSync;
  d.readDir = (path: string | URL) => {
    if (String(path) === manifestsDir) counts.manifestLists++;
    return readDir(path);
  };
  d.openSync = (path: string | URL, options?: Deno.OpenOptions) => {
    if (String(path).endsWith("/.leger.yaml")) counts.legerYaml++;
    return openSync(path, options);
  };
  try {
    await body();
  } finally {
    d.readDir = readDir;
    d.openSync = openSync;
  }
  return counts;
}

Deno.test("an updater tick reads the manifests and each .leger.yaml once, for both the interval and the cycle", async () => {
  const b = await bench({ backend: "files" });
  try {
    const repo = await repoWith(b.host, [{
      folder: "web",
      files: {
        "web.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n`,
        ".leger.yaml": "version: 1\nupdates:\n  policy: apply\n  interval: 1h\n",
      },
    }]);
    await install(b.engine, `${repo.url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    // Checked a moment ago: the tick finds the set, works out its interval, and the cycle finds it not due.
    await writeUpdateRecord(b.engine.paths, { name: "web", lastCheck: new Date().toISOString(), bad: [] });
    const stop = new AbortController();
    const counts = await countingReads(b.engine.paths.manifestsDir, async () => {
      const updater = startUpdater(b.engine, { signal: stop.signal, maxTickMs: 60_000 });
      while (!updater.last().at) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(updater.last().results, [{ name: "web", result: "not-due" }]);
      stop.abort();
      await updater.done;
    });
    assert.deepEqual(counts, { manifestLists: 1, legerYaml: 1 });
  } finally {
    await b.cleanup();
  }
});

Deno.test("SIGHUP's reload re-reads config.yaml in the updater at once; an unchanged file is not re-read each tick", async () => {
  const b = await bench({ backend: "files" });
  try {
    const stop = new AbortController();
    const updater = startUpdater(b.engine, { signal: stop.signal, maxTickMs: 60_000 });
    await Deno.mkdir(dirname(b.engine.paths.configFile), { recursive: true });
    await Deno.writeTextFile(b.engine.paths.configFile, "updates:\n  interval: 2h\n");
    await updater.reload();
    assert.equal(b.engine.config.updates.interval, "2h");
    stop.abort();
    await updater.done;
  } finally {
    await b.cleanup();
  }
});
