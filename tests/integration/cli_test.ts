/**
 * leger as a user runs it: main.ts in a subprocess with the fake host's
 * podman/systemctl/journalctl on PATH. Also keeps the README true to --help.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Bench, bench, repoWith, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { runLeger } from "./cli_run.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

const leger = (b: Bench | undefined, ...args: string[]) => runLeger(b, args);

Deno.test("the README's command table lists every command with the summary --help gives", async () => {
  const help = await leger(undefined, "--help");
  assert.equal(help.code, 0);
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const block = help.stdout.split("Commands:")[1]!.split("Examples:")[0]!;
  // Join wrapped summary lines, then read "name ... summary" rows.
  const rows = block.replace(/\n\s{20,}/g, " ").split("\n").map((l) => l.trim()).filter(Boolean);
  let checked = 0;
  for (const row of rows) {
    const m = /^([a-z-]+)(?:\|[a-z]+)?(?: \[options\])?(?: [<[][^ ]+)*\s{2,}(.+)$/.exec(row);
    if (!m || m[1] === "help") continue;
    const [, name, summary] = m;
    const line = readme.split("\n").find((l) => l.startsWith(`| \`${name}`));
    assert.ok(line, `README has no row for ${name}`);
    assert.ok(line.includes(summary!.trim()), `README row for ${name} does not say "${summary}": ${line}`);
    checked++;
  }
  assert.ok(checked >= 20, `only ${checked} commands read from --help`);
});

Deno.test("usage errors exit 2 and say what is wrong", async () => {
  const r = await leger(undefined, "instal", "x");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'instal'/);
  assert.match(r.stderr, /Did you mean install\?/);
  const scope = await leger(undefined, "--scope", "galaxy", "list");
  assert.equal(scope.code, 2);
  assert.match(scope.stderr, /Allowed choices are user, system/);
});

Deno.test("install, list --json, the example workflow, and remove through the CLI", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url, ids } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    const inst = await leger(b, "--backend", "files", "install", `${url}#main:apps/web`);
    assert.equal(inst.code, 0, inst.stderr);
    assert.match(
      inst.stdout,
      new RegExp(`web: installed at ${ids[0]!.slice(0, 12)}; running web-data-volume.service, web.service`),
    );
    const list = JSON.parse((await leger(b, "--json", "list")).stdout).sets;
    assert.equal(list[0].name, "web");
    assert.equal(list[0].state, "active");
    assert.equal(list[0].commit, ids[0]);
    const report = await leger(b, "--json", "run", join(ROOT, "examples/report.ts"));
    assert.equal(report.code, 0, report.stderr);
    assert.deepEqual(JSON.parse(report.stdout).result.sets, [{ name: "web", state: "active" }]);
    const failed = await leger(b, "run", join(ROOT, "examples/report.ts"), "--only-failed");
    assert.doesNotMatch(failed.stdout, /^web /m);
    const again = await leger(b, "install", `${url}#main:apps/web`);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /a set with that name is installed/);
    const rm = await leger(b, "--json", "remove", "web");
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(JSON.parse(rm.stdout).keptVolumes, ["systemd-web-data"]);
    assert.deepEqual(JSON.parse((await leger(b, "--json", "list")).stdout), { version: 1, sets: [] });
  } finally {
    await b.cleanup();
  }
});

Deno.test("an ejected install workflow overrides the built-in, and --json errors are JSON", async () => {
  const b = await bench({ backend: "files" });
  try {
    const eject = await leger(b, "workflow", "eject", "install");
    assert.equal(eject.code, 0, eject.stderr);
    const path = eject.stdout.match(/copied install to (\S+);/)![1]!;
    const text = await Deno.readTextFile(path);
    assert.match(text, /from "leger"/, "the copy imports types from leger, not a relative path");
    await Deno.writeTextFile(
      path,
      text.replace("// 1. Fetch and check", 'log.warn("custom install workflow");\n  // 1. Fetch and check'),
    );
    const list = await leger(b, "--json", "workflow", "list");
    const rows = JSON.parse(list.stdout).workflows as { name: string; kind: string; overrides: boolean }[];
    assert.ok(rows.some((r) => r.name === "install" && r.kind === "user" && r.overrides));
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    const inst = await leger(b, "--backend", "files", "install", `${url}#main:apps/web`);
    assert.equal(inst.code, 0, inst.stderr);
    assert.match(inst.stderr, /using your install workflow/);
    assert.match(inst.stderr, /custom install workflow/);
    const missing = await leger(b, "--json", "inspect", "nope");
    assert.equal(missing.code, 5);
    const err = JSON.parse(missing.stdout).error;
    assert.match(err.message, /Cannot find a set named "nope"/);
    assert.match(err.hint, /Installed: web/);
  } finally {
    await b.cleanup();
  }
});
