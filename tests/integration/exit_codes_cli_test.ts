/**
 * Same condition, same exit code, for every command (README's table):
 * something named that does not exist is 5, a bad argument is 2, a host
 * that is not ready is 6 — and a host that is not ready is found before
 * anything is changed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Bench, bench, CACHE_SET, repoWith, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { listManifests } from "../../lib/state/manifest.ts";
import { type CliResult, runLeger, systemdDownEnv } from "./cli_run.ts";
import { install } from "../helpers/ops.ts";

type Case = [label: string, args: string[]];

async function setup(): Promise<{ b: Bench; url: string }> {
  const b = await bench({ backend: "files" });
  const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
  await install(b.engine, `${url}#main:apps/web`, { healthTimeoutMs: 5_000 });
  return { b, url };
}

/** Runs the cases a few at a time (each is a leger process). */
async function runAll(b: Bench, cases: Case[], env: Record<string, string> = {}): Promise<Map<string, CliResult>> {
  const out = new Map<string, CliResult>();
  for (let i = 0; i < cases.length; i += 3) {
    const chunk = cases.slice(i, i + 3);
    const results = await Promise.all(chunk.map(([, args]) => runLeger(b, ["--backend", "files", ...args], env)));
    chunk.forEach(([label], j) => out.set(label, results[j]!));
  }
  return out;
}

function expectCode(results: Map<string, CliResult>, code: number): void {
  const wrong = [...results].filter(([, r]) => r.code !== code).map(([label, r]) =>
    `${label}: exit ${r.code}: ${r.stderr.trim().split("\n")[0]}`
  );
  assert.deepEqual(wrong, [], `expected exit ${code}`);
}

Deno.test("every command that names something missing exits 5, before asking or changing anything", async () => {
  const { b } = await setup();
  try {
    const cases: Case[] = [
      ["install", ["install", join(b.host.root, "no-such-folder")]],
      ...["inspect", "status", "logs", "start", "stop", "restart", "remove", "stage", "diff", "apply", "discard"].map((
        c,
      ) => [c, [c, "nope"]] as Case),
      ["update", ["update", "nope", "--yes"]],
      ["validate", ["validate", "nope"]],
      ["check-conflicts", ["check-conflicts", "nope"]],
      ["run", ["run", "nope-workflow"]],
      ["workflow eject", ["workflow", "eject", "nope"]],
      ["backup", ["backup", "nope"]],
      // restore used to ask for confirmation first (and exit 2 without a terminal)
      ["restore", ["restore", "nope"]],
      ["restore id", ["restore", "web", "2020-01-01T00-00-00-000Z"]],
    ];
    const results = await runAll(b, cases);
    expectCode(results, 5);
    for (const [label, r] of results) assert.match(r.stderr, /^error: Cannot /m, label);
  } finally {
    await b.cleanup();
  }
});

Deno.test("every command given a bad argument exits 2", async () => {
  const { b } = await setup();
  try {
    const cases: Case[] = [
      ["install", ["install", "./x", "--health-timeout", "soon"]],
      ["list", ["list", "extra"]],
      ["inspect", ["inspect"]],
      ["status", ["status"]],
      ["logs", ["logs", "web", "-n", "many"]],
      ["start", ["start"]],
      ["stop", ["stop"]],
      ["restart", ["restart"]],
      ["remove", ["remove"]],
      ["stage", ["stage"]],
      ["staged", ["staged", "extra"]],
      ["diff", ["diff"]],
      ["apply", ["apply", "web", "--health-timeout", "soon"]],
      ["discard", ["discard"]],
      ["update", ["update", "web", "--health-timeout", "soon"]],
      ["validate", ["validate", ".", "--podman-version", "five"]],
      ["check-conflicts", ["check-conflicts", "--port", "99999"]],
      ["doctor", ["doctor", "extra"]],
      ["run", ["run"]],
      ["workflow", ["workflow", "eject"]],
      ["secrets", ["secrets", "sync", "a", "b"]],
      ["daemon", ["daemon", "install", "extra"]],
      ["backup", ["backup"]],
      ["backup prune", ["backup", "prune", "extra"]],
      ["backups", ["backups", "a", "b"]],
      ["restore", ["restore", "web", "--health-timeout", "soon"]],
      ["unknown option", ["list", "--frobnicate"]],
    ];
    expectCode(await runAll(b, cases), 2);
  } finally {
    await b.cleanup();
  }
});

Deno.test("with systemd unreachable, every command that needs it exits 6 and nothing changes; the others work", async () => {
  const { b } = await setup();
  try {
    const env = await systemdDownEnv(b);
    // A valid set that conflicts with nothing installed: only the host stands in its way.
    const cache = join(b.host.root, "cache");
    await Deno.mkdir(cache);
    for (const [name, text] of Object.entries(CACHE_SET)) await Deno.writeTextFile(join(cache, name), text);
    const files = b.host.quadletFiles();
    const manifests = JSON.stringify(await listManifests(b.engine.paths));
    const needs: Case[] = [
      ["install", ["install", cache]],
      ["list", ["list"]],
      ["inspect", ["inspect", "web"]],
      ["status", ["status", "web"]],
      ["start", ["start", "web"]],
      ["stop", ["stop", "web"]],
      ["restart", ["restart", "web"]],
      ["remove", ["remove", "web"]],
      ["remove --purge-volumes", ["remove", "web", "--purge-volumes"]],
      ["doctor", ["doctor"]],
      ["daemon install", ["daemon", "install"]],
      ["backup", ["backup", "web"]],
      ["run backup", ["run", "backup", "web"]],
    ];
    const results = await runAll(b, needs, env);
    expectCode(results, 6);
    for (const [label, r] of results) {
      if (label !== "doctor") {
        assert.match(r.stderr, /Cannot reach systemd \(user\)[\s\S]*hint: Run leger doctor/, label);
      }
      assert.doesNotMatch(r.stderr, /could not undo/, label);
    }
    assert.match(results.get("doctor")!.stdout, /FAIL\s+systemd \(user\)/);
    assert.deepEqual(b.host.quadletFiles(), files, "no file was written or removed");
    assert.equal(JSON.stringify(await listManifests(b.engine.paths)), manifests, "no set was added or removed");

    // Commands that do not need systemd still work.
    const fine: Case[] = [
      ["logs", ["logs", "web"]],
      ["staged", ["staged"]],
      ["validate", ["validate", "web", "--no-host"]],
      ["check-conflicts", ["check-conflicts", "web"]],
      ["workflow list", ["workflow", "list"]],
      ["backups", ["backups", "web"]],
      ["secrets status", ["secrets", "status"]],
    ];
    expectCode(await runAll(b, fine, env), 0);
  } finally {
    await b.cleanup();
  }
});

Deno.test("with podman too old, doctor and install exit 6, and install writes nothing", async () => {
  const old = await bench({ podmanVersion: "4.3.1" });
  try {
    const r = await runLeger(old, ["doctor"]);
    assert.equal(r.code, 6, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL\s+podman\s+Cannot manage quadlets with podman 4\.3\.1/);
    const set = join(old.host.root, "web");
    await Deno.mkdir(set);
    for (const [name, text] of Object.entries(WEB_SET)) await Deno.writeTextFile(join(set, name), text);
    const inst = await runLeger(old, ["install", set]);
    assert.equal(inst.code, 6, inst.stderr);
    assert.match(inst.stderr, /quadlet arrived in podman 4\.4/);
    assert.deepEqual(old.host.quadletFiles(), []);
  } finally {
    await old.cleanup();
  }
});
