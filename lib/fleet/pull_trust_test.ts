import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, WEB_SET } from "../../tests/fakes/fake_host_fixtures.ts";
import { makeRepo } from "../../tests/helpers/git_repo.ts";
import { commitAs, makeSigners } from "../../tests/helpers/signing.ts";
import type { UpdateEvent } from "../gitops/updater.ts";
import { createLeger } from "../leger.ts";
import { listManifests } from "../state/manifest.ts";
import { syncFleet } from "./pull.ts";
import { readFleetRecord } from "../state/fleet_record.ts";

Deno.test("a leger-hosts.yaml on an unsigned commit installs nothing, is reported once; signed, it installs", async () => {
  const signers = await makeSigners();
  const b = await bench({ backend: "files", crashAfterMs: 100 });
  try {
    const dir = join(b.host.root, "fleet-repo");
    const files = Object.fromEntries(Object.entries(WEB_SET).map(([k, v]) => [`apps/web/${k}`, v]));
    await makeRepo(dir, [{ message: "unsigned", files: { "leger-hosts.yaml": "all: [apps/web]\n", ...files } }]);
    const url = `file://${dir}`;
    await Deno.mkdir(join(b.host.home, ".config/leger"), { recursive: true });
    await Deno.writeTextFile(
      join(b.host.home, ".config/leger/config.yaml"),
      `host-name: web-1\nhealth-settle: 300ms\nfleet: { source: "${url}", ref: main, interval: 5m }\n` +
        `trust:\n  keys:\n    alice: { identity: alice@example.com, ssh: "${signers.sshLine.alice}" }\n` +
        `  fleet: { verify: signed }\n`,
    );
    const engine = await b.another();
    const events: UpdateEvent[] = [];
    let clock = Date.parse("2026-11-30T10:00:00Z");
    const tick = async () => {
      clock += 6 * 60_000;
      engine.fetcher.forget();
      return await syncFleet(engine, createLeger(engine), {
        now: () => new Date(clock),
        random: () => 0.5,
        onEvent: (e) => void events.push(e),
      });
    };

    const first = await tick();
    assert.equal(first.result, "failed");
    assert.match(
      first.error!,
      /Cannot read leger-hosts\.yaml of .*: commit [0-9a-f]{12} is not signed by a key trust\.fleet allows: the commit is not signed/,
    );
    assert.deepEqual(await listManifests(engine.paths), [], "nothing installed");
    assert.deepEqual(events.map((e) => [e.kind, e.set]), [["refused", "fleet"]]);
    const record = await readFleetRecord(engine.paths, `${url}#main`);
    assert.equal(record.refused?.problem, "the commit is not signed");
    assert.equal(record.file, undefined, "the file was not taken");

    // The same commit: not fetched or reported again.
    const fetches = engine.fetcher.stats.fetches;
    assert.equal((await tick()).result, "failed");
    assert.equal(engine.fetcher.stats.fetches, fetches);
    assert.equal(events.length, 1);

    // A commit alice signed: the file is read, and the set it assigns (same repository, rule trust.fleet) installed.
    const signed = await commitAs(signers, dir, "alice", "signed", { "apps/web/README.md": "signed\n" });
    const second = await tick();
    assert.equal(second.result, "done", second.error);
    assert.deepEqual(second.assigned.map((a) => [a.name, a.outcome]), [["web", "installed"]]);
    const [m] = await listManifests(engine.paths);
    assert.equal(m!.source.commit, signed);
    assert.equal(m!.trust?.rule, "trust.fleet");
    assert.equal(m!.trust?.verified, true);
    assert.equal((await readFleetRecord(engine.paths, `${url}#main`)).refused, undefined);

    // By hand: the same rule for leger install of the repository (its leger-hosts.yaml).
    await commitAs(signers, dir, undefined, "unsigned again", { "apps/web/README.md": "unsigned\n" });
    await assert.rejects(createLeger(engine).assignment(url), /is not signed by a key trust\.fleet allows/);
    const taken = await createLeger(engine).assignment(url, { allowUnsigned: true });
    assert.deepEqual([taken!.trust.verified, taken!.trust.allowUnsigned], [false, true]);
  } finally {
    await b.cleanup();
    await signers.close();
  }
});
