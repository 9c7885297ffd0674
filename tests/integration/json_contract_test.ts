/**
 * The `--json` contract: every command's real output, run as a user runs
 * it (main.ts in a subprocess against the fake host), passes the schema
 * published for it in docs/schemas/, carries its version, and every
 * published output schema is exercised here. The progress events on
 * stderr and the error document are checked the same way.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Validator } from "@cfworker/json-schema";
import { JSON_OUTPUTS, schemaFile } from "../../lib/contract/outputs.ts";
import { type Bench, bench, NGINX, repoWith, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { PROJECT_ROOT, runLeger } from "./cli_run.ts";

const V2 = {
  ...WEB_SET,
  "web.container": WEB_SET["web.container"].replace("8080:80", "8081:80"),
  ".leger.yaml": "version: 2.0.0\n",
};
const V3 = { ...V2, ".leger.yaml": "version: 3.0.0\n", "extra.container": `[Container]\nImage=${NGINX}\n` };

const schemas = new Map<string, Record<string, unknown>>();
async function schemaOf(output: string): Promise<Record<string, unknown>> {
  if (!schemas.has(output)) {
    schemas.set(
      output,
      JSON.parse(await Deno.readTextFile(join(PROJECT_ROOT, "docs/schemas", schemaFile(output)))),
    );
  }
  return schemas.get(output)!;
}

function problems(schema: Record<string, unknown>, doc: unknown): string[] {
  return new Validator(schema, "2020-12", false).validate(doc).errors.map((e) => `${e.instanceLocation}: ${e.error}`);
}

/** What was checked: output name -> documents. */
const seen = new Map<string, unknown[]>();

/** Runs `leger --json ARGS`, checks stdout against `output`'s schema and stderr's lines against the event schema. */
async function check(
  b: Bench,
  output: string,
  args: string[],
  codes = [0],
  env: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const r = await runLeger(b, ["--json", "--backend", "files", ...args], env);
  assert.ok(codes.includes(r.code), `leger ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  const doc = JSON.parse(r.stdout);
  assert.ok(output === "error" || !("error" in doc), `leger ${args.join(" ")} failed: ${r.stdout}\n${r.stderr}`);
  assert.deepEqual(problems(await schemaOf(output), doc), [], `leger ${args.join(" ")}: ${r.stdout}`);
  assert.equal(typeof doc.version, "number", `leger ${args.join(" ")} has no version`);
  seen.set(output, [...(seen.get(output) ?? []), doc]);
  for (const line of r.stderr.split("\n").filter(Boolean)) {
    const event = JSON.parse(line);
    assert.deepEqual(problems(await schemaOf("event"), event), [], `leger ${args.join(" ")} event: ${line}`);
    seen.set("event", [...(seen.get("event") ?? []), event]);
  }
  return doc;
}

Deno.test("every command's --json output follows its published schema and carries its version", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [
      { folder: "web", files: WEB_SET, tag: "v1" },
      { folder: "web", files: V2, tag: "v2" },
      { folder: "web", files: V3, tag: "v3" },
    ]);
    const installed = await check(b, "install", ["install", `${url}#v1:apps/web`, "--health-timeout", "60s"]);
    assert.equal((installed.manifest as { name: string }).name, "web");
    const list = await check(b, "list", ["list"]);
    assert.equal((list.sets as unknown[]).length, 1);
    const inspect = await check(b, "inspect", ["inspect", "web"]);
    assert.equal((inspect.set as { version: string }).version, "1.0.0", "the set's own version stays under set");
    await check(b, "status", ["status", "web"]);
    await check(b, "logs", ["logs", "web"]);
    // Following the journal cannot be one JSON document: refused (exit 2) with a JSON error, never raw text.
    const follow = await check(b, "error", ["logs", "web", "--follow"], [2]);
    assert.match((follow.error as { message: string }).message, /Cannot follow logs as JSON/);
    for (const action of ["stop", "start", "restart"]) await check(b, action, [action, "web"]);

    await check(b, "stage", ["stage", "web", "--ref", "v2"]);
    const staged = await check(b, "staged", ["staged"]);
    assert.equal((staged.sets as unknown[]).length, 1);
    const diff = await check(b, "diff", ["diff", "web"]);
    assert.ok((diff.files as unknown[]).length > 0);
    const applied = await check(b, "apply", ["--yes", "apply", "web", "--health-timeout", "60s"]);
    assert.equal((applied.sets as { outcome: string }[])[0]!.outcome, "applied");
    await check(b, "stage", ["stage", "web", "--ref", "v3"]);
    await check(b, "discard", ["discard", "web"]);
    await check(b, "update", ["--yes", "update", "web", "--ref", "v3", "--health-timeout", "60s"]);
    await check(b, "update", ["update", "--now", "web"]);

    const setDir = join(PROJECT_ROOT, "tests/fixtures/broken/bool-bad");
    await check(b, "validate", ["validate", "--no-host", setDir], [0, 3]);
    const repo = join(b.host.root, "catalogue");
    for (const [set, files] of [["a", WEB_SET], ["b", V2]] as const) {
      await Deno.mkdir(join(repo, set), { recursive: true });
      for (const [f, text] of Object.entries(files)) await Deno.writeTextFile(join(repo, set, f), text);
    }
    const catalogue = await check(b, "validate", ["validate", "--no-host", repo], [0, 3]);
    assert.equal((catalogue.sets as unknown[]).length, 2);
    // The same folder as a catalog: search, its alias, and inspect of a set that is not installed.
    const found = await check(b, "search", ["search", "--catalog", repo]);
    assert.deepEqual((found.sets as { name: string }[]).map((s) => s.name), ["a", "b"]);
    await check(b, "available", ["available", "--catalog", repo]);
    const preview = await check(b, "inspect", ["inspect", "b", "--catalog", repo]);
    assert.equal((preview.preview as { name: string }).name, "b", "the name install would give it");
    await check(b, "check-conflicts", ["check-conflicts", "web"]);
    await check(b, "check-conflicts", ["check-conflicts", "--port", "8081"]);

    await check(b, "doctor", ["doctor"], [0, 6]);
    const run = await check(b, "run", ["run", join(PROJECT_ROOT, "examples/report.ts")]);
    assert.ok(run.result, "the workflow's result is under result");
    await check(b, "workflow list", ["workflow", "list"]);
    await check(b, "workflow eject", ["workflow", "eject", "backup"]);
    await check(b, "workflow types", ["workflow", "types"]);

    await check(b, "secrets status", ["secrets", "status"]);
    await check(b, "daemon status", ["daemon", "status"]);
    // No set declares a secret, so Setec is not asked (loopback http is what leger allows besides https).
    await check(b, "secrets sync", ["secrets", "sync", "--dry-run"], [0], { SETEC_SERVER: "http://127.0.0.1:9" });
    await check(b, "daemon install", ["daemon", "install"]);

    const backup = await check(b, "backup", ["backup", "web"]);
    assert.equal((backup.backups as unknown[]).length, 1);
    await check(b, "backups", ["backups"]);
    await check(b, "backup prune", ["backup", "prune", "--dry-run"]);
    await check(b, "restore", ["--yes", "restore", "web", "--health-timeout", "60s"]);
    await check(b, "recover", ["recover"]);
    await check(b, "policy set", ["policy", "set", "web", "--policy", "notify"]);
    await check(b, "policy show", ["policy", "show"]);
    await check(b, "policy show", ["policy", "show", "web"]);
    await check(b, "policy reset", ["policy", "reset", "web"]);
    const imported = await check(b, "import compose", [
      "import",
      "compose",
      join(PROJECT_ROOT, "tests/fixtures/compose/nextcloud"),
      "--dry-run",
      "--podman-version",
      "5.8",
    ]);
    assert.equal(imported.name, "cloud");
    await check(b, "import compose", ["import", "compose", join(PROJECT_ROOT, "tests/fixtures/compose/unknown-keys")], [
      3,
    ]);

    // Quadlets written by hand: listed with --all, adopted, exported.
    await Deno.writeTextFile(join(b.host.quadletDir, "hand.container"), `[Container]\nImage=${NGINX}\n`);
    const all = await check(b, "list", ["list", "--all"]);
    assert.deepEqual((all.unowned as { name: string }[]).map((g) => g.name), ["hand"]);
    await check(b, "adopt", ["adopt", "hand", "--dry-run"]);
    await check(b, "adopt", ["adopt", "hand"]);
    await check(b, "export", ["export", "hand", join(b.host.root, "hand-set")]);
    await check(b, "remove", ["--yes", "remove", "hand"]);

    await check(b, "remove", ["--yes", "remove", "web"]);
    const error = await check(b, "error", ["inspect", "web"], [5]);
    assert.equal((error.error as { exitCode: number }).exitCode, 5);

    const missing = Object.keys(JSON_OUTPUTS).filter((o) => !seen.has(o));
    assert.deepEqual(missing, [], "every published output is checked against a real run");
  } finally {
    await b.cleanup();
  }
});

Deno.test("the published output schemas refuse what they do not describe", async () => {
  const list = await schemaOf("list");
  assert.deepEqual(problems(list, { version: 1, sets: [] }), []);
  assert.notDeepEqual(problems(list, []), [], "a bare array (the shape before versions) is refused");
  assert.notDeepEqual(problems(list, { version: 2, sets: [] }), [], "another version is refused");
  assert.notDeepEqual(problems(list, { version: 1, sets: [], extra: true }), [], "an undescribed field is refused");
  const error = await schemaOf("error");
  assert.notDeepEqual(problems(error, { error: { message: "x", exitCode: 1 } }), [], "an error needs its version");
});
