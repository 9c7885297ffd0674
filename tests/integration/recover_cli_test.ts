/**
 * `leger recover` as a user runs it: a recovery that cannot finish blocks
 * only its own set; recover retries, --abandon shows what it leaves and
 * asks; doctor lists what is pending.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Bench, bench, CACHE_SET, repoWith, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { runLeger } from "./cli_run.ts";

/** `leger --backend files ARGS` on the bench's host. */
const leger = (b: Bench, ...args: string[]) => runLeger(b, ["--backend", "files", ...args]);

Deno.test("CLI: a failed recovery blocks only its set; recover retries; --abandon asks, shows, sets it aside", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }, { folder: "cache", files: CACHE_SET }]);
    assert.equal((await leger(b, "install", `${url}#main:apps/web`)).code, 0);
    assert.equal((await leger(b, "install", `${url}#main:apps/cache`)).code, 0);
    // A restore of web killed midway whose backups are gone since: its recovery cannot finish.
    const id = `${Date.now()}-restore-web`;
    await Deno.mkdir(b.engine.paths.journalDir, { recursive: true });
    await Deno.writeTextFile(
      join(b.engine.paths.journalDir, `${id}.json`),
      JSON.stringify({
        id,
        op: "restore",
        name: "web",
        step: "begin",
        pid: 2_000_000_000,
        startedAt: new Date().toISOString(),
        data: { id: "gone", dir: join(b.host.root, "gone"), preDir: join(b.host.root, "gone-too") },
      }),
    );

    const other = await leger(b, "backup", "cache");
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stderr, /could not recover the interrupted restore of web: neither its backup/);
    assert.match(other.stderr, /Other sets are not blocked by it\. Run leger recover web/);

    const mine = await leger(b, "backup", "web");
    assert.equal(mine.code, 1);
    assert.match(mine.stderr, /Cannot change web: an interrupted restore of it could not be recovered/);
    assert.match(mine.stderr, /leger recover web --abandon/);

    const doc = JSON.parse((await leger(b, "--json", "doctor")).stdout);
    const pending = doc.checks.find((c: { name: string }) => c.name === "pending recoveries");
    assert.equal(pending.ok, false);
    assert.match(pending.detail, /restore of web .*recovery failed 2 time\(s\)/);

    assert.equal((await leger(b, "recover", "web")).code, 1);
    const unconfirmed = await leger(b, "recover", "web", "--abandon");
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /without confirmation/);

    const preview = await leger(b, "--json", "recover", "web", "--abandon", "--dry-run");
    assert.equal(preview.code, 0, preview.stderr);
    const shown = JSON.parse(preview.stdout);
    assert.equal(shown.dryRun, true);
    assert.ok(
      shown.abandoned[0].leftovers.some((l: { what: string }) => l.what.endsWith("web.container")),
      preview.stdout,
    );

    const done = await leger(b, "--yes", "recover", "web", "--abandon");
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /left on the host:\n(.*\n)*\s+file .*web\.container: on disk/);
    assert.match(done.stdout, /stopped trying to recover web; the entries are kept in .*\.json\.abandoned/);
    assert.equal((await leger(b, "backup", "web")).code, 0);
    assert.match((await leger(b, "recover")).stdout, /nothing to recover/);
  } finally {
    await b.cleanup();
  }
});
