/**
 * Backups that freeze the set for the reflink copy (decision 79), on the
 * fake host with storage that clones (backup_fixtures_test.ts `clones`)
 * and systemd's freezer as systemd 262 answers (tests/fakes/systemd/
 * freezer.ts). The real thing on btrfs: tests/e2e/backup_cow_test.ts.
 */
import assert from "node:assert/strict";
import type { LegerError } from "../../../core/errors.ts";
import { join } from "node:path";
import { beginEntry, pendingEntries } from "../../../state/journal.ts";
import { type BackupInfo, verifyBackup } from "../../../backup/info.ts";
import { recoverPending } from "../../recover/recover.ts";
import { leftoversOf } from "../../recover/leftovers.ts";
import { backup, restore } from "../../../../tests/helpers/ops.ts";
import { fillTree, installSet, mountpoint, refuseClones, tarBench, treeDigest } from "../backup_fixtures_test.ts";
import { copyFrozen, thaw } from "./freeze.ts";
import { createLeger } from "../../../leger.ts";
import { resolveWorkflow, runWorkflow } from "../../../workflow/run.ts";
import { BUILTIN_WORKFLOWS } from "../../../../commands/builtin_workflows.ts";

const VOLUME = "systemd-web-data";

/** The fake calls matching `verb` since the `from`th. */
function calls(b: { calls: string[] }, verb: RegExp, from = 0): string[] {
  return b.calls.slice(from).filter((c) => verb.test(c));
}

Deno.test("where volumes clone, a backup freezes the units for the copy and never stops them; it restores exactly", async () => {
  const b = await tarBench({ clones: true });
  try {
    await installSet(b, "web");
    await fillTree(mountpoint(b, VOLUME), "v1");
    const before = await treeDigest(mountpoint(b, VOLUME));
    const from = b.calls.length;
    const info: BackupInfo = await backup(b.engine, "web");
    assert.deepEqual(info.frozen, ["web.service"]);
    assert.deepEqual(info.stopped, [], "nothing stopped");
    assert.deepEqual(calls(b, / (stop|start|restart) /, from), [], "no stop, no start");
    const freeze = b.calls.indexOf("systemctl --user freeze -- web.service");
    const thawed = b.calls.indexOf("systemctl --user thaw -- web.service");
    const exported = b.calls.indexOf("podman volume export -- leger-snapshot-systemd-web-data");
    assert.ok(freeze >= 0 && freeze < thawed && thawed < exported, b.calls.join("\n"));
    assert.deepEqual(b.host.unit("web.service"), {
      ...b.host.unit("web.service"),
      active: "active",
      freezer: "running",
    });
    assert.match(b.log.text(), /Freezing web\.service for a reflink copy/);
    assert.match(b.log.text(), /web\.service was frozen for \d+ ms \(freeze \d+ ms, copy \d+ ms, thaw \d+ ms\)/);
    assert.deepEqual((await verifyBackup(info)).problems, []);
    assert.deepEqual(Object.keys(b.host.volumes()), [VOLUME], "the copy is gone");
    assert.deepEqual(await pendingEntries(b.engine.paths), []);

    await Deno.writeTextFile(join(mountpoint(b, VOLUME), "index.html"), "changed");
    await restore(b.engine, "web", info.id, { previous: "drop" });
    assert.deepEqual(await treeDigest(mountpoint(b, VOLUME)), before);
  } finally {
    await b.cleanup();
  }
});

Deno.test("backup --stop stops the units for the reflink copy and starts them before the archive, as before", async () => {
  const b = await tarBench({ clones: true });
  try {
    await installSet(b, "web");
    const info = await backup(b.engine, "web", { stop: true });
    assert.deepEqual(info.stopped, ["web.service"]);
    assert.equal(info.frozen, undefined);
    assert.deepEqual(calls(b, / (freeze|thaw) /), []);
    const start = b.calls.indexOf("systemctl --user start -- web.service");
    assert.ok(start >= 0 && start < b.calls.indexOf("podman volume export -- leger-snapshot-systemd-web-data"));
  } finally {
    await b.cleanup();
  }
});

Deno.test("where systemd cannot freeze, the units are thawed, the warning says why, and they are stopped for the copy", async () => {
  const b = await tarBench({ clones: true });
  try {
    await installSet(b, "web");
    b.faults.freezeFails = true;
    const info = await backup(b.engine, "web");
    assert.match(
      b.log.text(),
      /web: could not freeze web\.service \(Failed to freeze unit web\.service: .*does not support freezing\.\); stopping them for the copy instead/,
    );
    assert.deepEqual(info.stopped, ["web.service"]);
    assert.equal(info.frozen, undefined);
    assert.ok(b.calls.includes("systemctl --user thaw -- web.service"), "thawed whatever was frozen");
    assert.ok(b.calls.includes("podman volume export -- leger-snapshot-systemd-web-data"), "still the copy");
    assert.equal(b.host.unit("web.service").active, "active");
    assert.equal(b.host.unit("web.service").freezer, "running");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a copy that fails while frozen: thawed, then the originals are archived with the units stopped", async () => {
  const b = await tarBench({ clones: true });
  try {
    await installSet(b, "web");
    await fillTree(mountpoint(b, VOLUME), "v1");
    await refuseClones(b);
    const info = await backup(b.engine, "web");
    assert.match(b.log.text(), /Cannot make a reflink copy of systemd-web-data: .*Invalid cross-device link/);
    assert.deepEqual(info.frozen, ["web.service"]);
    assert.deepEqual(info.stopped, ["web.service"]);
    const thawed = b.calls.indexOf("systemctl --user thaw -- web.service");
    const stop = b.calls.indexOf("systemctl --user stop -- web.service");
    const exported = b.calls.indexOf("podman volume export -- systemd-web-data");
    assert.ok(thawed >= 0 && thawed < stop && stop < exported, b.calls.join("\n"));
    assert.deepEqual((await verifyBackup(info)).problems, []);
    assert.equal(b.host.unit("web.service").active, "active");
  } finally {
    await b.cleanup();
  }
});

Deno.test("the copy runs while every unit is frozen and active; they run again after, whatever the copy did", async () => {
  const b = await tarBench({ clones: true });
  try {
    await installSet(b, "web");
    const entry = await beginEntry(b.engine.paths, "backup", "web", {});
    const seen: string[] = [];
    const copy = () => {
      const u = b.host.unit("web.service");
      seen.push(`${u.active} ${u.freezer}`);
      assert.equal(entry.step, "freezing");
      assert.deepEqual(entry.data.frozen, ["web.service"], "listed in the journal before the freeze");
      return Promise.resolve(true);
    };
    await b.engine.systemd.stop(["web-data-volume.service"]);
    const r = await copyFrozen(b.engine, "web", ["web.service", "web-data-volume.service"], entry, copy);
    assert.deepEqual(seen, ["active frozen"]);
    assert.deepEqual(r && { units: r.units, copied: r.copied }, { units: ["web.service"], copied: true });
    assert.deepEqual(entry.data.frozen, []);
    assert.equal(b.host.unit("web.service").freezer, "running");

    await assert.rejects(
      copyFrozen(b.engine, "web", ["web.service"], entry, () => Promise.reject(new Error("copier died"))),
      /copier died/,
    );
    assert.equal(b.host.unit("web.service").freezer, "running", "thawed in a finally");
  } finally {
    await b.cleanup();
  }
});

Deno.test("a backup killed while frozen: the next run thaws the units; thawing units that are not frozen is no harm", async () => {
  const b = await tarBench({ clones: true });
  try {
    await installSet(b, "web");
    await b.engine.$`systemctl --user freeze web.service`.quiet();
    assert.equal(b.host.unit("web.service").freezer, "frozen");
    const stop = await b.engine.systemd.systemctl(["stop", "--", "web.service"]);
    assert.match(stop.stderr, /Cannot perform operation on frozen unit web\.service\./, "why a recovery thaws first");
    await beginEntry(b.engine.paths, "backup", "web", {
      partial: "/nonexistent.partial",
      stopped: [],
      frozen: ["web.service"],
    });
    const report = await recoverPending(b.engine);
    assert.match(report.join("\n"), /the unfinished backup of web was removed, web\.service thawed/);
    assert.deepEqual(b.host.unit("web.service"), {
      ...b.host.unit("web.service"),
      active: "active",
      freezer: "running",
    });
    assert.deepEqual(await thaw(b.engine, ["web.service"]), [], "a running unit thaws with exit 0");
    await b.engine.systemd.stop(["web.service"]);
    assert.deepEqual(await thaw(b.engine, ["web.service"]), [], "an inactive one is refused, and is not frozen");
  } finally {
    await b.cleanup();
  }
});

Deno.test("backup --dry-run says a volume that clones is frozen for the copy (--stop: stopped), and changes nothing", async () => {
  const b = await tarBench({ clones: true });
  try {
    await installSet(b, "web");
    const ref = await resolveWorkflow(b.engine, "backup", BUILTIN_WORKFLOWS);
    const leger = createLeger(b.engine);
    const from = b.calls.length;
    for (const stop of [false, true]) {
      await runWorkflow(ref, {
        engine: b.engine,
        leger,
        builtins: BUILTIN_WORKFLOWS,
        args: ["web"],
        flags: { stop },
        dryRun: true,
      });
    }
    const said = b.log.events.filter((e) => /would back up/.test(e.message)).map((e) => e.message);
    assert.deepEqual(said, [
      "web: would back up\n  volume systemd-web-data: frozen for a reflink copy (btrfs: reflink copy)",
      "web: would back up\n  volume systemd-web-data: stopped only for a reflink copy (btrfs: reflink copy)",
    ]);
    assert.deepEqual(calls(b, / (stop|freeze|start) /, from), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a thaw that fails: the backup fails saying how to thaw, its journal entry stays, and the next run thaws", async () => {
  const b = await tarBench({ clones: true });
  try {
    await installSet(b, "web");
    b.faults.thawFails = true;
    await assert.rejects(backup(b.engine, "web"), (e: LegerError) => {
      assert.match(e.message, /Cannot thaw web\.service \(Failed to thaw unit web\.service: Connection timed out\)/);
      assert.match(e.hint ?? "", /systemctl --user thaw web\.service; or leger recover/);
      return true;
    });
    assert.equal(b.host.unit("web.service").freezer, "frozen");
    assert.deepEqual((await pendingEntries(b.engine.paths)).map((e) => [e.op, e.data.frozen]), [["backup", [
      "web.service",
    ]]]);
    const [entry] = await pendingEntries(b.engine.paths);
    assert.ok(
      (await leftoversOf(b.engine, entry!)).some((l) => l.what === "web.service" && /maybe frozen/.test(l.detail)),
    );
    b.faults.thawFails = false;
    assert.match((await recoverPending(b.engine)).join("\n"), /web\.service thawed/);
    assert.deepEqual(b.host.unit("web.service"), {
      ...b.host.unit("web.service"),
      active: "active",
      freezer: "running",
    });
    assert.deepEqual(await pendingEntries(b.engine.paths), []);
  } finally {
    await b.cleanup();
  }
});
