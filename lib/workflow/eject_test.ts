/**
 * `ejectWorkflow` in process: the copy, the declarations and the deno.json
 * beside it; a user's own deno.json is never touched; an existing copy is
 * kept unless forced. (tests/integration/workflow_types_test.ts runs
 * `deno check` on the result.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench } from "../../tests/fakes/fake_host_fixtures.ts";
import { ejectWorkflow, TYPES_FILE, workflowDenoJson } from "./eject.ts";
import { BUILTIN_WORKFLOWS } from "../../commands/builtin_workflows.ts";
import { WORKFLOW_TYPES } from "./declarations.ts";

Deno.test("eject writes the copy, leger.d.ts and a deno.json mapping leger; a user's deno.json is left alone", async () => {
  const b = await bench();
  try {
    const dir = b.engine.paths.workflowDir;
    const first = await ejectWorkflow(b.engine, BUILTIN_WORKFLOWS, "update");
    assert.equal(first.path, join(dir, "update.ts"));
    assert.match(await Deno.readTextFile(first.path), /from "leger"/);
    assert.doesNotMatch(await Deno.readTextFile(first.path), /\.\.\/mod\.ts/);
    assert.equal(await Deno.readTextFile(join(dir, TYPES_FILE)), WORKFLOW_TYPES);
    assert.equal(await Deno.readTextFile(first.config), workflowDenoJson());
    assert.deepEqual([first.configState, first.notes], ["written", []]);

    await assert.rejects(() => ejectWorkflow(b.engine, BUILTIN_WORKFLOWS, "update"), /update\.ts exists/);
    await assert.rejects(() => ejectWorkflow(b.engine, BUILTIN_WORKFLOWS, "nope"), /no such built-in workflow/);

    assert.equal((await ejectWorkflow(b.engine, BUILTIN_WORKFLOWS, "backup")).configState, "kept");
    const mine = '{ "imports": { "x": "./x.ts" } }\n';
    await Deno.writeTextFile(first.config, mine);
    await Deno.writeTextFile(join(dir, TYPES_FILE), "stale");
    const again = await ejectWorkflow(b.engine, BUILTIN_WORKFLOWS, "update", true);
    assert.equal(again.configState, "yours");
    assert.match(again.notes[0]!, /Add "leger": "\.\/leger\.d\.ts" to "imports"/);
    assert.equal(await Deno.readTextFile(first.config), mine, "the user's deno.json is untouched");
    assert.equal(await Deno.readTextFile(join(dir, TYPES_FILE)), WORKFLOW_TYPES, "the declarations follow this leger");
    await Deno.writeTextFile(first.config, "not json");
    assert.equal((await ejectWorkflow(b.engine, BUILTIN_WORKFLOWS, "update", true)).configState, "yours");
  } finally {
    await b.cleanup();
  }
});
