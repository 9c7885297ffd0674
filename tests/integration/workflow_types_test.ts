/**
 * Workflow authoring: `leger workflow eject` writes files that `deno check`
 * accepts in their own folder, offline and with no source tree around
 * them (the declarations come from the program, not from mod.ts on disk);
 * the declarations are what scripts/workflow_types.ts prints from mod.ts,
 * and they agree with the real API both ways.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { WORKFLOW_TYPES } from "../../lib/workflow/declarations.ts";
import { BUILTIN_WORKFLOWS } from "../../commands/builtin_workflows.ts";
import { generate, moduleText } from "../../scripts/workflow_types.ts";
import { bench } from "../fakes/fake_host_fixtures.ts";
import { PROJECT_ROOT, runLeger } from "./cli_run.ts";

/** `deno check` in `dir` with an empty Deno cache and no network: only what is in the folder counts. */
async function denoCheck(dir: string, files: string[], config?: string) {
  const cache = await Deno.makeTempDir({ prefix: "leger-empty-deno-dir-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--cached-only", ...(config ? ["--config", config] : []), ...files],
      cwd: dir,
      env: { DENO_DIR: config ? Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME")!, ".cache/deno") : cache },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr) };
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
}

Deno.test("lib/workflow/declarations.ts is what scripts/workflow_types.ts prints from mod.ts (run it after changing the API)", async () => {
  const now = await Deno.readTextFile(join(PROJECT_ROOT, "lib/workflow/declarations.ts"));
  assert.equal(now, moduleText(generate()));
});

Deno.test("every ejected built-in workflow passes deno check in its own folder, offline; a wrong call does not", async () => {
  const b = await bench({ backend: "files" });
  try {
    const dir = b.engine.paths.workflowDir;
    assert.ok(!dir.startsWith(PROJECT_ROOT), "the workflow folder is outside the source tree");
    const names = Object.keys(BUILTIN_WORKFLOWS);
    for (const name of names) {
      const r = await runLeger(b, ["--json", "workflow", "eject", name]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.path, join(dir, `${name}.ts`));
      assert.equal(doc.types, join(dir, "leger.d.ts"));
      assert.equal(doc.configState, names.indexOf(name) === 0 ? "written" : "kept");
    }
    assert.equal(await Deno.readTextFile(join(dir, "leger.d.ts")), WORKFLOW_TYPES);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "deno.json"))), {
      imports: { leger: "./leger.d.ts" },
    });
    const ok = await denoCheck(dir, names.map((n) => `${n}.ts`));
    assert.equal(ok.code, 0, ok.text);

    // The check is real: the declarations are precise enough to refuse a misspelt operation and a wrong field.
    await Deno.writeTextFile(
      join(dir, "typo.ts"),
      `import type { WorkflowContext } from "leger";\n` +
        `export default async function ({ leger, args }: WorkflowContext) {\n` +
        `  const r = await leger.install(args[0]!);\n` +
        `  await leger.instal(args[0]!);\n` +
        `  return r.manifest.unitz;\n}\n`,
    );
    const bad = await denoCheck(dir, ["typo.ts"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.text, /Property 'instal' does not exist/);
    assert.match(bad.text, /Property 'unitz' does not exist/);
    await Deno.remove(join(dir, "typo.ts"));

    // leger.d.ts is not a workflow, and the ejected copies still run (the import is erased at run time).
    const list = JSON.parse((await runLeger(b, ["--json", "workflow", "list"])).stdout);
    assert.deepEqual(
      list.workflows.filter((w: { kind: string }) => w.kind === "user").map((w: { name: string }) => w.name).sort(),
      [...names].sort(),
    );
    const dry = await runLeger(b, ["--backend", "files", "--yes", "backup", "all", "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /using your backup workflow/);

    // A deno.json of the user's own is left alone, and the output says what to add.
    await Deno.writeTextFile(join(dir, "deno.json"), '{ "imports": {} }\n');
    const mine = JSON.parse((await runLeger(b, ["--json", "workflow", "eject", "backup", "--force"])).stdout);
    assert.equal(mine.configState, "yours");
    assert.match(mine.notes[0], /Add "leger": ".\/leger.d.ts" to "imports"/);
    assert.equal(await Deno.readTextFile(join(dir, "deno.json")), '{ "imports": {} }\n');
  } finally {
    await b.cleanup();
  }
});

const ONE_WAY = ["Shell", "Systemd", "WorkflowContext"];

Deno.test("the declarations agree with mod.ts both ways (leger's shell fits the declared one)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leger-types-" });
  try {
    await Deno.writeTextFile(join(dir, "leger.d.ts"), WORKFLOW_TYPES);
    const declared = [...WORKFLOW_TYPES.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]!);
    const mod = await Deno.readTextFile(join(PROJECT_ROOT, "mod.ts"));
    const exported = [...mod.matchAll(/export type \{([^}]+)\}/g)].flatMap((m) => m[1]!.split(",").map((s) => s.trim()))
      .filter(Boolean);
    assert.deepEqual(exported.filter((n) => !declared.includes(n)), [], "every type mod.ts exports is declared");
    const lines = [
      `import type * as D from "./leger.d.ts";`,
      `import type * as R from "${new URL("../../mod.ts", import.meta.url).href}";`,
      `type Fits<A, B> = [A] extends [B] ? true : false;`,
      `function same<_T extends true>() {}`,
      ...exported.filter((n) => !ONE_WAY.includes(n) && n !== "WorkflowModule").flatMap((n) => [
        `same<Fits<R.${n}, D.${n}>>();`,
        `same<Fits<D.${n}, R.${n}>>();`,
      ]),
      // Classes (Systemd) keep private state, so only the real one fits the declared one, as with dax's $...
      ...ONE_WAY.map((n) => `same<Fits<R.${n}, D.${n}>>();`),
      // ...and a module written against the declarations is one leger can run.
      `same<Fits<D.WorkflowModule, R.WorkflowModule>>();`,
      `same<Fits<Omit<D.WorkflowContext, "$" | "systemd">, Omit<R.WorkflowContext, "$" | "systemd">>>();`,
    ];
    await Deno.writeTextFile(join(dir, "compat.ts"), lines.join("\n") + "\n");
    const r = await denoCheck(dir, ["compat.ts"], join(PROJECT_ROOT, "deno.json"));
    assert.equal(r.code, 0, r.text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("workflow types puts the API's types beside a workflow kept anywhere; deno check from elsewhere uses them", async () => {
  const b = await bench({ backend: "files" });
  const elsewhere = await Deno.makeTempDir({ prefix: "leger-elsewhere-" });
  const cache = await Deno.makeTempDir({ prefix: "leger-empty-deno-dir-" });
  const check = async (config: string, file: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--cached-only", "--config", config, file],
      cwd: elsewhere,
      env: { DENO_DIR: cache },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr) };
  };
  try {
    const ops = join(b.host.root, "repo", "ops");
    await Deno.mkdir(ops, { recursive: true });
    const file = join(ops, "notify.ts");
    await Deno.writeTextFile(
      file,
      `import type { WorkflowContext } from "leger";\n` +
        `export default async function ({ leger, args, log }: WorkflowContext) {\n` +
        `  const [r] = await leger.apply(args[0] ?? "all", { noBackup: false, acceptWarnings: true });\n` +
        `  log.info(r?.outcome ?? "nothing");\n}\n`,
    );
    const r = await runLeger(b, ["--json", "workflow", "types", file]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual([doc.folder, doc.types, doc.config, doc.configState], [
      ops,
      join(ops, "leger.d.ts"),
      join(ops, "deno.json"),
      "written",
    ]);
    assert.equal(doc.check, `deno check --config ${join(ops, "deno.json")}`);
    assert.equal(await Deno.readTextFile(join(ops, "leger.d.ts")), WORKFLOW_TYPES);
    const ok = await check(doc.config, file);
    assert.equal(ok.code, 0, ok.text);

    // The types refuse what the program would: a dead option key (issue 25's `force`) and a misspelt operation.
    await Deno.writeTextFile(
      join(ops, "dead.ts"),
      `import type { WorkflowContext } from "leger";\n` +
        `export default async function ({ leger, args }: WorkflowContext) {\n` +
        `  const prepared = await leger.prepare(args[0]!);\n` +
        `  const options = { force: true, noStart: true };\n` +
        `  await leger.installPrepared(prepared, options);\n` +
        `  await leger.aply("web");\n}\n`,
    );
    const dead = await check(doc.config, join(ops, "dead.ts"));
    assert.notEqual(dead.code, 0);
    assert.match(dead.text, /Types of property 'force' are incompatible/);
    assert.match(dead.text, /Property 'aply' does not exist/);

    // Again in the folder: the declarations are rewritten, the deno.json kept; a leger.d.ts of someone else's is not.
    const again = JSON.parse((await runLeger(b, ["--json", "workflow", "types", ops])).stdout);
    assert.equal(again.configState, "kept");
    await Deno.writeTextFile(join(ops, "leger.d.ts"), "export type Mine = 1;\n");
    const foreign = await runLeger(b, ["workflow", "types", ops]);
    assert.equal(foreign.code, 1, foreign.stderr);
    assert.match(foreign.stderr, /a file of that name is there, not written by leger/);
    assert.equal(await Deno.readTextFile(join(ops, "leger.d.ts")), "export type Mine = 1;\n");
    assert.equal((await runLeger(b, ["workflow", "types", ops, "--force"])).code, 0);
    assert.equal(await Deno.readTextFile(join(ops, "leger.d.ts")), WORKFLOW_TYPES);
    const missing = await runLeger(b, ["workflow", "types", join(ops, "nope.ts")]);
    assert.equal(missing.code, 5, missing.stderr);
  } finally {
    await b.cleanup();
    await Deno.remove(elsewhere, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});
