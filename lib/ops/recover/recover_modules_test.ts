/**
 * Every kind of interrupted operation can be recovered by any command,
 * whatever that command loaded: a fresh process that imports only
 * recover.ts finds a handler for each kind the journal can hold. The
 * recovery of an interrupted restore met by `leger backup`, which does not
 * load restore, failed before the handlers were loaded on demand.
 */
import assert from "node:assert/strict";
import { JournalEntry } from "../../state/journal.ts";

Deno.test("a process that loaded only recover.ts finds the handler of every journal operation", async () => {
  const kinds = JournalEntry.shape.op.options;
  const recover = JSON.stringify(new URL("./recover.ts", import.meta.url).href);
  for (const op of kinds) {
    // One process per kind: nothing loaded for one kind helps another.
    const script = `const { recoveryHandler } = await import(${recover});
      console.log(typeof (await recoveryHandler(${JSON.stringify(op)})));`;
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    assert.equal(new TextDecoder().decode(r.stdout).trim(), "function", `no handler for an interrupted ${op}`);
  }
});
