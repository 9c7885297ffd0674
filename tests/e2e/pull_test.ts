/**
 * A real `podman pull` during `leger apply`, from a registry in the test
 * host (tests/host/registry.ts): a v2 on an image of 64 MiB of random data
 * that the host lacks is pulled before anything stops, with its progress
 * (the bytes downloaded, its rate) on a terminal, none when piped, and
 * progress events in the published schema with `--json`; the old unit runs
 * while the pull is under way; a registry that goes away mid-pull fails the
 * apply with nothing stopped.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Validator } from "@cfworker/json-schema";
import { addCommits, createRepo, type FixtureRepo } from "../host/git_fixture.ts";
import { type GuestRegistry, pushRandomImage, startRegistry } from "../host/registry_guest.ts";
import type { ExecResult } from "../host/guest_exec.ts";
import {
  BACKENDS,
  type Host,
  httpGet,
  leger,
  sharedHost,
  unitJournal,
  waitFor,
  webContainer,
  type Who,
} from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const alice: Who = { user: "alice", scope: "user", backend: BACKENDS[0]! };
const PORT = 18650;
const WEB = 18661;
const LAYOUT = "/srv/leger-registry/big";
const MIB = 64;
/** 24 MiB/s: the pull of the 64 MiB layer takes about 3 s however fast the host is. */
const RATE = 24 * 1024 * 1024;

let registry: Promise<GuestRegistry> | undefined;
/** The registry with `leger/big:v2`, pushed once per file, missing from alice's store. */
function theRegistry(host: Host): Promise<GuestRegistry> {
  registry ??= (async () => {
    await pushRandomImage(host, { user: "alice", layout: LAYOUT, name: "leger/big", tag: "v2", mib: MIB });
    return await startRegistry(host, { layout: LAYOUT, name: "leger/big", port: PORT, rate: RATE });
  })();
  return registry;
}

const big = (r: GuestRegistry) => `${r.address}/leger/big:v2`;
const files = (image: string, n: number) => ({
  "app/web.container": webContainer({ image, port: WEB }),
  "app/.leger.yaml": `version: ${n}.0.0\n`,
});

let repo: FixtureRepo | undefined;
/** Stages a new version of `web` on `image` (installing the set at v1 first). */
async function stageOn(host: Host, image: string): Promise<void> {
  if (!repo) {
    repo = await createRepo(host, "homelab/pull", [{ message: "v1", files: files("localhost/leger-test:v1", 1) }]);
    const url = "http://127.0.0.1:8418/homelab/pull.git";
    const r = await leger(host, alice, ["install", `${url}#main:app`, "--name", "web"]);
    assert.equal(r.code, 0, r.stderr);
  }
  const n = repo.commits.length + 1;
  await addCommits(host, repo, [{ message: `v${n}`, files: files(image, n) }]);
  const staged = await leger(host, alice, ["stage", "web"]);
  assert.equal(staged.code, 0, staged.stderr);
}

/**
 * `web` running on the local v1 image (again: the big one gone from alice's
 * store), a version on the registry's image staged.
 */
async function bigStaged(): Promise<{ host: Host; r: GuestRegistry }> {
  const host = await sharedHost();
  const r = await theRegistry(host);
  if (repo) {
    await stageOn(host, "localhost/leger-test:v1");
    const back = await leger(host, alice, ["apply", "web"]);
    assert.equal(back.code, 0, back.stderr);
    await host.exec(["podman", "rmi", big(r)], { user: "alice", check: true });
  }
  await stageOn(host, big(r));
  assert.equal(await hasImage(host, big(r)), false, "the image is not in alice's store: the apply must pull it");
  return { host, r };
}

const unitState = (host: Host) =>
  host.exec(["systemctl", "--user", "show", "-P", "ActiveState,InvocationID", "web.service"], { user: "alice" })
    .then((x) => x.stdout.trim().split("\n").join(" "));

/**
 * Runs `apply` while the registry holds the layer half sent; once it is
 * held (the pull is under way, by construction) runs `atHalf`, then lets
 * the layer go; returns what the apply returned.
 */
async function heldHalfWay(
  host: Host,
  r: GuestRegistry,
  apply: () => Promise<ExecResult>,
  atHalf: () => Promise<void>,
): Promise<ExecResult> {
  await host.exec(["touch", r.hold], { check: true });
  let ended: ExecResult | undefined;
  const applying = apply().then((x) => ended = x);
  try {
    await waitFor(
      "the pull to reach half the layer",
      async () => {
        // An apply that ended before the pull got half way will never get there: say what it said.
        if (ended) {
          const journal = await registryLog(host, r);
          throw new Error(`The apply ended before the pull was half way:\n${said(ended)}\nthe registry:\n${journal}`);
        }
        return (await host.exec(["test", "-e", `${r.hold}.reached`])).code === 0;
      },
      120_000,
      { describe: async () => `the registry's journal:\n${await registryLog(host, r)}` },
    );
    await atHalf();
  } finally {
    await host.exec(["rm", "-f", r.hold, `${r.hold}.reached`]);
  }
  return await applying;
}

/** What a command printed, both streams, for an assertion's message. */
const said = (x: ExecResult) => `exit ${x.code}\nstdout: ${x.stdout}\nstderr: ${x.stderr}`;
/** The registry's own unit runs as root, in system scope. */
const registryLog = (host: Host, r: GuestRegistry) =>
  unitJournal(host, { user: "root", scope: "system", backend: BACKENDS[0]! }, r.unit);

const applyArgs = ["leger", "--scope", alice.scope, "--backend", alice.backend, "apply", "web"];
const asAlice = { user: "alice", timeoutMs: 240_000 } as const;
const hasImage = (host: Host, image: string) =>
  host.exec(["podman", "image", "exists", image], { user: "alice" }).then((x) => x.code === 0);

Deno.test({
  name: "apply pulls from a registry with progress on a terminal while the old unit runs, then runs the new image",
  ...opts,
  fn: async () => {
    const { host, r } = await bigStaged();
    const before = await unitState(host);
    assert.match(before, /^active \w+$/);
    // script(1) gives leger a terminal for stdout and stderr.
    const tty = await heldHalfWay(
      host,
      r,
      () => host.exec(["script", "-qfec", applyArgs.join(" "), "/dev/null"], { ...asAlice, env: { TERM: "xterm" } }),
      async () =>
        assert.equal(await unitState(host), before, "web.service runs, the same invocation, while the image is pulled"),
    );
    assert.equal(tty.code, 0, said(tty));
    // The progress line: the bytes downloaded (at least the half the registry held at), and a rate.
    const lines = [
      ...tty.stdout.matchAll(/pull 127\.0\.0\.1:18650\/leger\/big:v2: ([\d.]+) (B|KiB|MiB), [\d.]+ (B|KiB|MiB)\/s/g),
    ];
    assert.ok(lines.length >= 2, `progress lines on the terminal:\n${JSON.stringify(tty.stdout)}`);
    const most = Math.max(...lines.map((m) => Number(m[1]) * (m[2] === "MiB" ? 1 : 0)));
    // Half the layer at least (where the registry held it), and never more than was downloaded: podman reads the
    // layer three times in all (a file under /var/tmp, read back, piped to storage-untar), which is not progress.
    assert.ok(most >= MIB / 2 && most <= MIB * 1.05, `the bytes shown (${most} MiB): ${JSON.stringify(tty.stdout)}`);
    // deno-lint-ignore no-control-regex
    assert.match(tty.stdout, /\r\x1b\[K/, "the line is rewritten in place");
    assert.match(await httpGet(host, `http://127.0.0.1:${WEB}/`) ?? "", /leger\/big:v2/);
    const after = await unitState(host);
    assert.match(after, /^active \w+$/);
    assert.notEqual(after, before, "web.service restarted on the new image");
  },
});

Deno.test({
  name: "apply's pull shows no progress when piped; --json gives progress events in the published schema",
  ...opts,
  fn: async () => {
    const { host, r } = await bigStaged();
    const piped = await host.exec(applyArgs, asAlice);
    assert.equal(piped.code, 0, said(piped));
    assert.match(
      piped.stderr,
      /Pulling 127\.0\.0\.1:18650\/leger\/big:v2 \(for web\.container\) before anything stops/,
    );
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(piped.stdout + piped.stderr, /\x1b\[K|leger\/big:v2: [\d.]+ /, "no progress line");
    assert.equal(await hasImage(host, big(r)), true);

    await bigStaged();
    const json = await host.exec([applyArgs[0]!, "--json", ...applyArgs.slice(1)], asAlice);
    assert.equal(json.code, 0, said(json));
    const schema = JSON.parse(
      await Deno.readTextFile(new URL("../../docs/schemas/event.schema.json", import.meta.url)),
    );
    const events = json.stderr.trim().split("\n").map((l) => JSON.parse(l));
    for (const e of events) {
      assert.deepEqual(new Validator(schema, "2020-12", false).validate(e).errors, [], JSON.stringify(e));
    }
    const pull = events.filter((e) => e.progress?.task === `pull ${big(r)}`).map((e) => e.progress);
    assert.ok(pull.length >= 2, json.stderr);
    assert.equal(pull.at(-1).finished, true);
    const done = pull.at(-1).done / 1024 / 1024;
    assert.ok(done >= MIB && done <= MIB * 1.05, `the last report counts the layer downloaded, once: ${done} MiB`);
    assert.ok(pull.some((p) => !p.finished && p.rate > 0), "a report under way has a rate");
    assert.match(await httpGet(host, `http://127.0.0.1:${WEB}/`) ?? "", /leger\/big:v2/);
  },
});

Deno.test({
  name: "the registry going away mid-pull fails the apply with nothing stopped",
  ...opts,
  fn: async () => {
    const { host, r } = await bigStaged();
    const before = await unitState(host);
    const failed = await heldHalfWay(host, r, () => host.exec(applyArgs, asAlice), async () => {
      await host.exec(["systemctl", "kill", "--signal=KILL", r.unit], { check: true });
    });
    assert.equal(failed.code, 1, said(failed));
    assert.match(failed.stderr, /Cannot apply web: Cannot pull 127\.0\.0\.1:18650\/leger\/big:v2/);
    assert.match(failed.stderr, /Nothing was stopped or changed/);
    assert.equal(await unitState(host), before, "web.service was never stopped");
    assert.match(await httpGet(host, `http://127.0.0.1:${WEB}/`) ?? "", /^v1/);
    assert.equal(await hasImage(host, big(r)), false);
    await leger(host, alice, ["discard", "web"]);
    registry = undefined; // the registry is gone
  },
});
