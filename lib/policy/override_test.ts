import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX, repoWith } from "../../tests/fakes/fake_host_fixtures.ts";
import type { LegerError } from "../core/errors.ts";
import { withLock } from "../core/lock.ts";
import { editPolicy, showPolicies } from "./override.ts";
import { install } from "../../tests/helpers/ops.ts";

const CONFIG = "# owner's comment\nhealth-timeout: 40s # inline\nupdates:\n  interval: 2h\n";

async function withConfig(text: string | undefined) {
  const b = await bench({ backend: "files" });
  const file = join(b.host.home, ".config/leger/config.yaml");
  if (text !== undefined) {
    await Deno.mkdir(join(b.host.home, ".config/leger"), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
  return { b, file, engine: await b.another() };
}

Deno.test("policy set edits only updates.sets.NAME, keeps comments, and a second run changes nothing", async () => {
  const { b, file, engine } = await withConfig(CONFIG);
  try {
    const first = await editPolicy(engine, "web", { policy: "apply", window: "Sun *-*-* 03:00..05:00" });
    assert.equal(first.changed, true);
    assert.deepEqual(first.before, {});
    assert.equal(first.installed, false);
    assert.equal(first.intervalMs, 2 * 3600_000);
    assert.equal(
      await Deno.readTextFile(file),
      CONFIG + "  sets:\n    web:\n      policy: apply\n      window: Sun *-*-* 03:00..05:00\n",
    );
    const again = await editPolicy(engine, "web", { policy: "apply" });
    assert.equal(again.changed, false);
    // a dry run says what would change and writes nothing
    const before = await Deno.readTextFile(file);
    const dry = await editPolicy(engine, "web", { window: null }, { dryRun: true });
    assert.equal(dry.changed, true);
    assert.deepEqual(dry.override, { policy: "apply" });
    assert.equal(await Deno.readTextFile(file), before);
    // dropping every part removes the emptied maps, and the owner's text is as it was
    await editPolicy(engine, "web", { policy: null, window: null });
    assert.equal(await Deno.readTextFile(file), CONFIG);
    await editPolicy(engine, "web", { policy: "notify" });
    assert.equal((await editPolicy(engine, "web", "reset")).changed, true);
    assert.equal(await Deno.readTextFile(file), CONFIG);
  } finally {
    await b.cleanup();
  }
});

Deno.test("policy set refuses bad values and a config it cannot edit, and writes nothing", async () => {
  const { b, file, engine } = await withConfig(CONFIG);
  try {
    const code = (p: Promise<unknown>) => p.then(() => 0, (e: LegerError) => e.exitCode);
    assert.equal(await code(editPolicy(engine, "web", { policy: "sometimes" })), 2);
    assert.equal(await code(editPolicy(engine, "web", { follow: "trunk" })), 2);
    assert.equal(await code(editPolicy(engine, "web", { interval: "soon" })), 2);
    assert.equal(await code(editPolicy(engine, "web", { window: "Someday 03:00" })), 2);
    assert.equal(await code(editPolicy(engine, "../etc", { policy: "apply" })), 2);
    assert.equal(await Deno.readTextFile(file), CONFIG);
    await Deno.writeTextFile(file, "updates: [\n");
    assert.equal(await code(editPolicy(engine, "web", { policy: "apply" })), 78);
    await Deno.writeTextFile(file, "- a list\n");
    assert.equal(await code(editPolicy(engine, "web", { policy: "apply" })), 78);
    assert.equal(await Deno.readTextFile(file), "- a list\n");
  } finally {
    await b.cleanup();
  }
});

Deno.test("policy set creates config.yaml when there is none, and waits for the scope lock", async () => {
  const { b, file, engine } = await withConfig(undefined);
  try {
    let released = false;
    let release = () => {};
    let acquired = () => {};
    const holding = new Promise<void>((r) => (acquired = r));
    const held = withLock(engine.paths.lockFile, () => {
      acquired();
      return new Promise<void>((r) => (release = r));
    });
    // another leger run (a second engine) holds the lock: the edit waits for it
    await holding;
    const other = await b.another();
    const pending = editPolicy(other, "web", { policy: "notify" }).then((c) => ({ c, releasedFirst: released }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await Deno.readTextFile(file).catch(() => "absent"), "absent");
    released = true;
    release();
    await held;
    const done = await pending;
    assert.ok(done.releasedFirst, "the edit finished while another run held the lock");
    assert.equal(done.c.changed, true);
    assert.equal(await Deno.readTextFile(file), "updates:\n  sets:\n    web:\n      policy: notify\n");
    assert.equal((await editPolicy(other, "web", "reset")).changed, true);
    assert.equal(await Deno.readTextFile(file), "");
  } finally {
    await b.cleanup();
  }
});

Deno.test("policy show merges the set's .leger.yaml under the host's override, and names the layers", async () => {
  const { b, engine } = await withConfig(
    "updates:\n  sets:\n    web: { window: '03:00..05:00' }\n    later: { policy: notify }\n",
  );
  try {
    const repo = await repoWith(b.host, [{
      folder: "web",
      files: { "web.container": `[Container]\nImage=${NGINX}\n`, ".leger.yaml": "updates:\n  policy: apply\n" },
    }]);
    await install(engine, `${repo.url}#main:apps/web`, { healthTimeoutMs: 5_000 });
    const rows = await showPolicies(engine);
    assert.deepEqual(rows.map((r) => [r.name, r.installed, r.policy, r.window ?? "-", r.from.join(" < ")]), [
      ["later", false, "notify", "-", "config updates.sets.later"],
      ["web", true, "apply", "03:00..05:00", ".leger.yaml < config updates.sets.web"],
    ]);
    assert.equal((await showPolicies(engine, "web"))[0]!.policy, "apply");
    await assert.rejects(showPolicies(engine, "nope"), (e: LegerError) => e.exitCode === 5);
  } finally {
    await b.cleanup();
  }
});
