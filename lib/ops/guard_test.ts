import assert from "node:assert/strict";
import { ExitCode, LegerError } from "../core/errors.ts";
import { scopePaths } from "../core/paths.ts";
import { pendingEntries } from "../state/journal.ts";
import { guardOf } from "./guard.ts";

async function withGuard(fn: (g: ReturnType<typeof guardOf>, pending: () => Promise<string[]>) => Promise<void>) {
  const home = await Deno.makeTempDir();
  try {
    const paths = scopePaths("user", { HOME: home });
    const g = guardOf(paths, () => Promise.resolve());
    await fn(g, async () => (await pendingEntries(paths)).map((e) => e.step));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("a journal entry ends when the work returns, and when it throws (the work undid itself)", async () => {
  await withGuard(async (g, pending) => {
    assert.equal(await g.journal("backup", "web", {}, () => Promise.resolve(1)), 1);
    assert.deepEqual(await pending(), []);
    await assert.rejects(g.journal("backup", "web", {}, () => Promise.reject(new Error("no"))), /no/);
    assert.deepEqual(await pending(), []);
  });
});

Deno.test("keepOnSuccess leaves the entry for leger recover (an aside restore waiting to archive the old data)", async () => {
  await withGuard(async (g, pending) => {
    await g.journal("restore", "web", {}, () => Promise.resolve(), { keepOnSuccess: true });
    assert.deepEqual(await pending(), ["begin"]);
  });
});

Deno.test("keepOnFailure can look at the error: put back ends the entry, not put back keeps it", async () => {
  await withGuard(async (g, pending) => {
    const keepOnFailure = (e: unknown) => !(e instanceof LegerError && e.exitCode === ExitCode.rolledBack);
    await assert.rejects(
      g.journal("restore", "web", {}, () => {
        throw new LegerError("put back", { exitCode: ExitCode.rolledBack });
      }, { keepOnFailure }),
    );
    assert.deepEqual(await pending(), []);
    await assert.rejects(
      g.journal("restore", "web", {}, () => {
        throw new LegerError("could not put back");
      }, { keepOnFailure }),
    );
    assert.deepEqual(await pending(), ["begin"]);
  });
});
