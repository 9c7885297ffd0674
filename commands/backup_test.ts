import assert from "node:assert/strict";
import { main } from "../main.ts";
import { listBackups } from "../lib/backup/info.ts";
import { installSet, installSetThatCannotRestart, tarBench } from "../lib/ops/backup/backup_fixtures_test.ts";
import { createShell } from "../lib/host/shell.ts";
import { humanAge } from "./backup.ts";
import { humanSize } from "../lib/core/progress/meter.ts";

Deno.test("humanSize and humanAge read as people write them", () => {
  assert.equal(humanSize(512), "512 B");
  assert.equal(humanSize(1536), "1.5 KiB");
  assert.equal(humanSize(2 * 1024 ** 3), "2.0 GiB");
  const now = Date.parse("2026-05-10T00:00:00Z");
  assert.equal(humanAge("2026-05-09T23:59:30Z", now), "30s");
  assert.equal(humanAge("2026-05-09T23:00:00Z", now), "60m");
  assert.equal(humanAge("2026-05-09T00:00:00Z", now), "24h");
  assert.equal(humanAge("2026-05-01T00:00:00Z", now), "9d");
});

Deno.test("leger backup / backups / backup prune / restore from the command line", async () => {
  const b = await tarBench();
  try {
    await installSet(b, "web");
    const runtime = { env: b.host.env(), shell: () => createShell({ fakes: b.host.fakes() }) };
    const quiet = ["--quiet", "--backend", "files"];
    assert.equal(await main(["backup", "all", "--reason", "nightly", ...quiet], runtime), 0);
    const made = await listBackups(b.engine, "web");
    assert.equal(made.length, 1);
    assert.equal(made[0]!.note, "nightly");
    assert.equal(await main(["backups", ...quiet], runtime), 0);
    assert.equal(await main(["backups", "web", "--json", ...quiet], runtime), 0);
    assert.equal(await main(["backup", "prune", "--dry-run", ...quiet], runtime), 0);
    assert.equal(
      await main(["restore", "web", made[0]!.id, ...quiet], runtime),
      2,
      "no terminal and no --yes: refused",
    );
    assert.equal(await main(["restore", "web", made[0]!.id, "--yes", "--health-timeout", "5s", ...quiet], runtime), 0);
    assert.equal(await main(["restore", "web", "nope", "--yes", ...quiet], runtime), 5);
  } finally {
    await b.cleanup();
  }
});

Deno.test("leger backup exits 1 when a unit it stopped does not start again, and keeps the backup", async () => {
  const b = await tarBench();
  try {
    await installSetThatCannotRestart(b);
    const runtime = { env: b.host.env(), shell: () => createShell({ fakes: b.host.fakes() }) };
    try {
      assert.equal(await main(["backup", "web", "--quiet", "--backend", "files"], runtime), 1);
    } finally {
      Deno.exitCode = 0;
    }
    assert.equal((await listBackups(b.engine, "web")).length, 1);
  } finally {
    await b.cleanup();
  }
});
