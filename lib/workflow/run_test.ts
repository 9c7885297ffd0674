/**
 * Workflows in process: finding one by name or path (the user's folder
 * first), the errors a user meets when one is missing or broken, the
 * arguments and flags it receives, its questions, `leger workflow list`,
 * and the daemon's update hooks (on-update.ts, on-rollback.ts,
 * on-failure.ts). The commands around them are run as a program in
 * tests/integration/.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench } from "../../tests/fakes/fake_host_fixtures.ts";
import { createLeger } from "../leger.ts";
import type { UpdateEvent } from "../gitops/updater.ts";
import { hookFileFor, runHook } from "./hooks.ts";
import { type Builtins, listWorkflows, parseWorkflowArgs, resolveWorkflow, runWorkflow } from "./run.ts";

/** One built-in workflow that returns what it was given. */
const BUILTINS: Builtins = {
  echo: {
    load: () =>
      Promise.resolve({
        description: "says what it was given",
        default: (ctx) => ({ args: ctx.args, flags: ctx.flags, dryRun: ctx.dryRun, scope: ctx.scope }),
      }),
    source: "export default () => {};\n",
  },
};

const EVENT: UpdateEvent = {
  kind: "rolled-back",
  set: "web",
  policy: "apply",
  from: { commit: "a".repeat(40) },
  to: { commit: "b".repeat(40) },
  message: "web: b did not come up",
  error: "web.service did not start",
};

Deno.test("workflow arguments: positionals, --key value, --key=value, a bare --flag, and everything after --", () => {
  assert.deepEqual(parseWorkflowArgs(["web", "--keep", "3", "--note=before the move", "db", "--dry", "--all"]), {
    args: ["web", "db"],
    flags: { keep: "3", note: "before the move", dry: true, all: true },
  });
  assert.deepEqual(parseWorkflowArgs(["--yes", "--", "--not-a-flag", "x"]), {
    args: ["--not-a-flag", "x"],
    flags: { yes: true },
  });
  assert.deepEqual(parseWorkflowArgs([]), { args: [], flags: {} });
});

Deno.test("a workflow is found in the user's folder before the built-in of the same name, then by path; else the error names both places", async () => {
  const b = await bench();
  try {
    const dir = b.engine.paths.workflowDir;
    assert.deepEqual(await resolveWorkflow(b.engine, "echo", BUILTINS), {
      name: "echo",
      kind: "builtin",
      location: "(built in) echo",
    });
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "echo.ts"), "export default () => 'mine';\n");
    assert.equal((await resolveWorkflow(b.engine, "echo", BUILTINS)).kind, "user");

    const file = join(b.host.root, "elsewhere", "report.ts");
    await Deno.mkdir(join(b.host.root, "elsewhere"));
    await Deno.writeTextFile(file, "export default () => 'report';\n");
    assert.deepEqual(await resolveWorkflow(b.engine, file, BUILTINS), { name: file, kind: "file", location: file });

    await assert.rejects(
      () => resolveWorkflow(b.engine, join(b.host.root, "nope.ts"), BUILTINS),
      (e: Error & { exitCode?: number }) =>
        /Cannot find the workflow file .*nope\.ts/.test(e.message) && e.exitCode === 5,
    );
    await assert.rejects(
      () => resolveWorkflow(b.engine, "deploy", BUILTINS),
      (e: Error & { hint?: string }) =>
        /Cannot find a workflow named "deploy"/.test(e.message) && e.hint!.includes("Built-in: echo") &&
        e.hint!.includes(dir),
    );
  } finally {
    await b.cleanup();
  }
});

Deno.test("a workflow gets its arguments, flags and scope; --yes answers its questions; without a terminal it is told to pass --yes", async () => {
  const b = await bench();
  try {
    const leger = createLeger(b.engine);
    const ref = await resolveWorkflow(b.engine, "echo", BUILTINS);
    assert.deepEqual(
      await runWorkflow(ref, {
        engine: b.engine,
        leger,
        builtins: BUILTINS,
        argv: ["web", "--keep", "2"],
        dryRun: true,
      }),
      { args: ["web"], flags: { keep: "2" }, dryRun: true, scope: "user" },
    );

    const file = join(b.host.root, "ask.ts");
    await Deno.writeTextFile(
      file,
      [
        "export default async (ctx) => {",
        "  const ok = await ctx.confirm('Remove web?');",
        "  const ps = await ctx.podman('ps', '--format', '{{.Names}}');",
        "  return { ok, podmanExit: ps.code };",
        "};",
        "",
      ].join("\n"),
    );
    const asked: string[] = [];
    const mine = await resolveWorkflow(b.engine, file, BUILTINS);
    assert.deepEqual(await runWorkflow(mine, { engine: b.engine, leger, builtins: BUILTINS, yes: true }), {
      ok: true,
      podmanExit: 0,
    });
    assert.deepEqual(
      await runWorkflow(mine, {
        engine: b.engine,
        leger,
        builtins: BUILTINS,
        ask: (q) => Promise.resolve(asked.push(q) < 0),
      }),
      { ok: false, podmanExit: 0 },
    );
    assert.deepEqual(asked, ["Remove web?"]);
    // Tests run without a terminal on stdin, as a script or a timer does.
    await assert.rejects(
      () => runWorkflow(mine, { engine: b.engine, leger, builtins: BUILTINS }),
      (e: Error & { hint?: string }) =>
        /Cannot ask "Remove web\?": there is no terminal/.test(e.message) && /--yes/.test(e.hint!),
    );
  } finally {
    await b.cleanup();
  }
});

Deno.test("a workflow file that does not load, or has no default function, is refused with what to fix", async () => {
  const b = await bench();
  try {
    const leger = createLeger(b.engine);
    const broken = join(b.host.root, "broken.ts");
    await Deno.writeTextFile(broken, "export default async (ctx => {\n");
    const runFile = async (file: string) =>
      await runWorkflow(await resolveWorkflow(b.engine, file, BUILTINS), {
        engine: b.engine,
        leger,
        builtins: BUILTINS,
      });
    await assert.rejects(
      () => runFile(broken),
      (e: Error & { hint?: string }) =>
        e.message.startsWith(`Cannot load the workflow ${broken}`) && /deno check/.test(e.hint!),
    );
    const noDefault = join(b.host.root, "lib.ts");
    await Deno.writeTextFile(noDefault, "export const description = 'a helper';\n");
    await assert.rejects(
      () => runFile(noDefault),
      (e: Error & { exitCode?: number; hint?: string }) =>
        /it has no default export function/.test(e.message) && e.exitCode === 2 &&
        /export default async function/.test(e.hint!),
    );
  } finally {
    await b.cleanup();
  }
});

Deno.test("workflow list: the built-ins, then the user's files with their descriptions, marking one that overrides a built-in", async () => {
  const b = await bench();
  try {
    const dir = b.engine.paths.workflowDir;
    assert.deepEqual((await listWorkflows(b.engine, BUILTINS)).map((w) => w.name), ["echo"], "no folder yet");
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "echo.ts"), 'export const description = "my echo";\nexport default () => 1;\n');
    await Deno.writeTextFile(join(dir, "nightly.ts"), "export default () => 1;\n");
    await Deno.writeTextFile(join(dir, "leger.d.ts"), "export {};\n");
    await Deno.writeTextFile(join(dir, "notes.md"), "not a workflow\n");
    assert.deepEqual(
      (await listWorkflows(b.engine, BUILTINS)).map((w) => [w.name, w.kind, w.description, w.overrides]),
      [
        ["echo", "builtin", "says what it was given", false],
        ["echo", "user", "my echo", true],
        ["nightly", "user", "", false],
      ],
    );
  } finally {
    await b.cleanup();
  }
});

Deno.test("update hooks: each event runs its file with the event; no file, nothing; a failing hook is a warning, not a stop", async () => {
  const b = await bench();
  try {
    assert.equal(hookFileFor("staged"), "on-update.ts");
    assert.equal(hookFileFor("applied"), "on-update.ts");
    assert.equal(hookFileFor("rolled-back"), "on-rollback.ts");
    assert.equal(hookFileFor("failed"), "on-failure.ts");
    assert.equal(hookFileFor("refused"), "on-failure.ts", "a commit the trust rule refused is a failure to update");

    const leger = createLeger(b.engine);
    assert.equal(await runHook(b.engine, leger, EVENT), false, "no on-rollback.ts: nothing runs");

    const dir = b.engine.paths.workflowDir;
    const seen = join(b.host.root, "seen.json");
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(
      join(dir, "on-rollback.ts"),
      `export default async (ctx) => { await Deno.writeTextFile(${
        JSON.stringify(seen)
      }, JSON.stringify({ args: ctx.args, yes: ctx.yes, event: ctx.event })); };\n`,
    );
    assert.equal(await runHook(b.engine, leger, EVENT), true);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(seen)), { args: ["web"], yes: true, event: EVENT });

    await Deno.writeTextFile(
      join(dir, "on-failure.ts"),
      "export default () => { throw new Error('pager down\\nmore'); };\n",
    );
    assert.equal(await runHook(b.engine, leger, { ...EVENT, kind: "failed" }), true);
    assert.ok(
      b.log.events.some((e) => e.level === "warn" && e.message === "on-failure.ts failed for web: pager down"),
      b.log.text(),
    );
  } finally {
    await b.cleanup();
  }
});
