import assert from "node:assert/strict";
import { bench, repoWith, WEB_SET } from "../tests/fakes/fake_host_fixtures.ts";
import { createLeger } from "./leger.ts";
import type { Leger } from "./leger_api.ts";
import { LegerError } from "./core/errors.ts";
import { OPTION_KEYS } from "./leger_options.ts";

/** A workflow file is not type-checked when leger loads it: its calls reach the facade as they are. */
function untyped(leger: Leger): Record<string, (...args: unknown[]) => Promise<unknown>> {
  return leger as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
}

Deno.test("an option an operation does not take is refused (exit 2, naming it and the known ones), and nothing runs", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    const leger = createLeger(b.engine);
    const prepared = await leger.prepare(`${url}#main:apps/web`);
    const calls: Array<[string, unknown[]]> = [
      ["installPrepared", [prepared, { force: true, noStart: true }]],
      ["install", [`${url}#main:apps/web`, { force: true }]],
      ["apply", ["web", { force: true }]],
      ["stage", ["web", { overwriteEdits: true }]],
      ["backup", ["web", { locked: true }]],
      ["restore", ["web", undefined, { locked: true }]],
      ["remove", ["web", { purge: true }]],
      ["prepare", [url, { replace: true }]],
      ["validate", [url, { accept: true }]],
      ["prune", [{ all: true }]],
    ];
    for (const [op, args] of calls) {
      await assert.rejects(untyped(leger)[op]!(...args), (e: unknown) => {
        assert.ok(e instanceof LegerError, `${op}: ${e}`);
        assert.equal(e.exitCode, 2, op);
        assert.match(e.message, new RegExp(`^leger\\.${op} has no option "\\w+"$`), op);
        assert.match(e.hint ?? "", /Its options are \w+/, op);
        return true;
      });
    }
    assert.deepEqual(b.host.quadletFiles(), [], "nothing was installed");
    // Known keys pass, and so does undefined.
    const dry = await leger.installPrepared(prepared, { dryRun: true, noStart: true });
    assert.equal(dry.dryRun, true);
  } finally {
    await b.cleanup();
  }
});

Deno.test("the option lists name exactly the keys of the facade's option types", () => {
  // The compiler keeps each list equal to its type (a missing or extra key fails `deno check`); this keeps the two
  // facade-only restrictions visible: the lock belongs to the facade, never to a caller.
  assert.equal("locked" in OPTION_KEYS.backup, false);
  assert.equal("locked" in OPTION_KEYS.restore, false);
  assert.deepEqual(Object.keys(OPTION_KEYS.installPrepared).sort(), [
    "acceptWarnings",
    "dryRun",
    "healthTimeoutMs",
    "noStart",
    "replace",
  ]);
});
