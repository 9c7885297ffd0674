import { unattendedOps } from "../leger.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX, repoWith } from "../../tests/fakes/fake_host_fixtures.ts";
import { git } from "../../tests/helpers/git_repo.ts";
import { install } from "../../tests/helpers/ops.ts";
import { readStaged } from "../ops/update/stage.ts";
import { parseLegerYaml } from "../meta/leger_yaml.ts";
import { parseSource } from "../source/spec.ts";
import { plainTransport } from "../source/transport.ts";
import { manifestPath, readManifest } from "../state/manifest.ts";
import { readUpdateRecord } from "../state/update_record.ts";
import { updateCycle, type UpdateEvent } from "./updater.ts";

const web = (extra = "") => `[Container]\nImage=${NGINX}\nExec=sleep infinity\n${extra}`;

async function installed(policy: "apply" | "notify") {
  const b = await bench({ backend: "files", crashAfterMs: 100 });
  const repo = await repoWith(b.host, [{
    folder: "web",
    files: { "web.container": web(), ".leger.yaml": `version: 1\nupdates:\n  policy: ${policy}\n` },
  }]);
  await install(b.engine, `${repo.url}#main:apps/web`, { healthTimeoutMs: 5_000 });
  b.engine.config["health-settle"] = "400ms";
  const events: UpdateEvent[] = [];
  let clock = new Date("2026-11-29T10:00:00Z").getTime();
  const cycle = async () => {
    clock += 120_000;
    return await updateCycle(b.engine, unattendedOps(b.engine), {
      now: () => new Date(clock),
      onEvent: (e) => void events.push(e),
      force: ["web"],
    });
  };
  const commit = async (text: string) => {
    await Deno.writeTextFile(join(repo.dir, "apps/web/web.container"), text);
    await git(repo.dir, "commit", "-qam", "next");
    return (await git(repo.dir, "rev-parse", "HEAD")).trim();
  };
  return { b, events, cycle, commit, commitOf: async () => (await readManifest(b.engine.paths, "web"))!.source.commit };
}

Deno.test("apply policy: a version that adds a risk stays staged for a person until config.yaml accepts risks", async () => {
  const { b, events, cycle, commit, commitOf } = await installed("apply");
  try {
    const v1 = await commitOf();
    const v2 = await commit(web("Network=host\n"));
    assert.deepEqual((await cycle()).map((r) => r.result), ["staged"]);
    assert.equal(await commitOf(), v1, "not applied");
    assert.equal((await readStaged(b.engine, "web"))?.record.source.commit, v2);
    assert.equal(events.at(-1)?.kind, "staged");
    assert.match(
      events.at(-1)!.message,
      /staged, not applied: it adds 1 risk\(s\): web\.container: shares the host's network/,
    );
    assert.match(events.at(-1)!.message, /--accept-risks true/);
    const told = events.length;
    assert.deepEqual((await cycle()).map((r) => r.result), ["staged"]);
    assert.equal(events.length, told, "told once");

    b.engine.config.updates.sets.web = { "accept-risks": true };
    assert.deepEqual((await cycle()).map((r) => r.result), ["applied"]);
    assert.equal(await commitOf(), v2);
    // A version that adds nothing new applies as before, accept-risks or not.
    delete b.engine.config.updates.sets.web;
    const v3 = await commit(web("Network=host\nEnvironment=A=1\n"));
    assert.deepEqual((await cycle()).map((r) => r.result), ["applied"]);
    assert.equal(await commitOf(), v3);
  } finally {
    await b.cleanup();
  }
});

Deno.test("notify policy: the staged event names the risks the version adds", async () => {
  const { b, events, cycle, commit } = await installed("notify");
  try {
    await commit(web("AddCapability=SYS_ADMIN\n"));
    assert.deepEqual((await cycle()).map((r) => r.result), ["staged"]);
    assert.match(events.at(-1)!.message, /it adds risks: web\.container: grants CAP_SYS_ADMIN/);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a set's own .leger.yaml cannot accept its risks: only config.yaml can", () => {
  const parsed = parseLegerYaml("version: 1\nupdates:\n  policy: apply\n  accept-risks: true\n");
  assert.equal(parsed.ok, false);
});

Deno.test("an http:// source off this host is not updated unattended unless allowed; loopback is local", async () => {
  const { b, events, cycle } = await installed("apply");
  try {
    const path = manifestPath(b.engine.paths, "web");
    const m = JSON.parse(await Deno.readTextFile(path));
    m.source.input = "http://git.example.org/ops/sets.git#main:apps/web";
    m.source.url = "http://git.example.org/ops/sets.git";
    await Deno.writeTextFile(path, JSON.stringify(m));
    assert.deepEqual((await cycle()).map((r) => r.result), ["failed"]);
    assert.match(events.at(-1)!.message, /fetched over http:\/\/, which anyone on the network path can change/);
    assert.match((await readUpdateRecord(b.engine.paths, "web")).lastError ?? "", /allow-insecure-transport/);
    b.engine.config.updates.sets.web = { "allow-insecure-transport": true };
    await cycle(); // allowed: it tries the network (and fails here, offline), not the refusal
    assert.doesNotMatch(events.at(-1)!.message, /anyone on the network path/);
  } finally {
    await b.cleanup();
  }
  assert.equal(plainTransport(parseSource("http://127.0.0.1:8418/web.git")), undefined);
  assert.equal(plainTransport(parseSource("http://[::1]:8418/web.git")), undefined);
  assert.equal(plainTransport(parseSource("git://git.example.org/web.git")), "git");
  assert.equal(plainTransport(parseSource("https://git.example.org/web.git")), undefined);
  assert.equal(plainTransport(parseSource("ssh://git@git.example.org/web.git")), undefined);
});
