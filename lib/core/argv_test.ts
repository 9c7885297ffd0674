// Every place a value from outside reaches another program's argv: the value stands after `--`, and one
// that starts with '-' is refused before any process runs (lib/core/argv.ts).
import assert from "node:assert/strict";
import { join } from "node:path";
import { operand } from "./argv.ts";
import type { Engine } from "../engine.ts";
import { imageId, tagImage } from "../ops/update/images.ts";
import { pullShowing } from "../ops/update/pull/pull.ts";
import { healthStatus } from "../ops/health.ts";
import { removeVolumes } from "../host/podman.ts";
import { podmanSecretExists, removePodmanSecret, setPodmanSecret } from "../secrets/podman_secrets.ts";
import { createShell, type FakeCall } from "../host/shell.ts";
import { Systemd } from "../host/systemd.ts";
import { listByNamesArgs } from "../host/systemd_state.ts";
import { walkSet } from "../source/load_set.ts";

const HOSTILE = "--host=evil.example";

function recorder() {
  const calls: Array<{ cmd: string; args: string[] }> = [];
  const fake = (cmd: string) => (call: FakeCall) => {
    calls.push({ cmd, args: call.args });
    if (cmd === "podman" && call.args[1] === "inspect") return { stdout: "0123456789ab\n" };
    return { stdout: "" };
  };
  const $ = createShell({ fakes: Object.fromEntries(["podman", "systemctl", "journalctl"].map((c) => [c, fake(c)])) });
  return { calls, $, engine: { $, log: {} } as unknown as Engine };
}

/** The operands `args` gives after its `--`; fails when there is none. */
function afterDashes(args: string[]): string[] {
  const at = args.indexOf("--");
  assert.ok(at >= 0, `no -- in ${args.join(" ")}`);
  return args.slice(at + 1);
}

Deno.test("operand refuses what a tool would read as an option, or a control character", () => {
  assert.equal(operand("web.service", "unit name"), "web.service");
  for (const bad of ["-x", "--help", "", "a\nb", "a\x1bb"]) {
    assert.throws(() => operand(bad, "unit name"), (e: Error & { exitCode: number }) => e.exitCode === 3);
  }
});

Deno.test("systemctl and journalctl: unit names after -- or as --unit=, a hostile one refused", async () => {
  const { calls, $ } = recorder();
  const sd = new Systemd($, "user");
  await sd.start(["web.service"]);
  await sd.stop(["web.service"]);
  await sd.restart(["web.service"]);
  await sd.resetFailed(["web.service"]);
  await sd.tryStart("web.service");
  await sd.states(["web.service"]);
  await sd.journal(["web.service"], 5);
  for (const c of calls.filter((c) => c.cmd === "systemctl")) assert.deepEqual(afterDashes(c.args), ["web.service"]);
  assert.ok(calls.find((c) => c.cmd === "journalctl")!.args.includes("--unit=web.service"));
  assert.ok(sd.journalArgs(["web.service"], 5, true).includes("--unit=web.service"));
  const before = calls.length;
  for (
    const attempt of [
      () => sd.start([HOSTILE]),
      () => sd.stop([HOSTILE]),
      () => sd.restart([HOSTILE]),
      () => sd.resetFailed([HOSTILE]),
      () => sd.tryStart(HOSTILE),
      () => sd.states([HOSTILE]),
      () => sd.journal([HOSTILE]),
    ]
  ) await assert.rejects(attempt(), /starts with '-'/);
  assert.throws(() => sd.journalArgs([HOSTILE], 5, false), /starts with '-'/);
  assert.equal(calls.length, before);
});

Deno.test("busctl: the unit names of ListUnitsByNames stand after --", () => {
  const operands = afterDashes(listByNamesArgs("user", ["a.service"]));
  assert.equal(operands[0], "call");
  assert.deepEqual(operands.slice(-3), ["as", "1", "a.service"]);
});

Deno.test("podman secrets: create, exists and rm take the name after --; a hostile one is refused", async () => {
  const { calls, $ } = recorder();
  await setPodmanSecret($, "app-key", new TextEncoder().encode("v"));
  await podmanSecretExists($, "app-key");
  assert.deepEqual(afterDashes(calls[0]!.args), ["app-key", "-"]);
  assert.deepEqual(afterDashes(calls[1]!.args), ["app-key"]);
  await assert.rejects(setPodmanSecret($, "--weird", new TextEncoder().encode("v")), /starts with '-'/);
  await assert.rejects(podmanSecretExists($, "--weird"), /starts with '-'/);
  await assert.rejects(removePodmanSecret($, "--weird"), /starts with '-'/);
  assert.equal(calls.length, 2);
});

Deno.test("podman volumes, images and containers: names after --; hostile ones refused", async () => {
  const { calls, $, engine } = recorder();
  await removeVolumes($, ["data"]);
  await pullShowing(engine, "localhost/web:1");
  await tagImage(engine, "0123456789ab", "localhost/web:1");
  await imageId(engine, "image", "localhost/web:1");
  await imageId(engine, "container", "systemd-web");
  await healthStatus(engine, "systemd-web");
  assert.deepEqual(calls.map((c) => afterDashes(c.args)), [
    ["data"],
    ["localhost/web:1"],
    ["0123456789ab", "localhost/web:1"],
    ["localhost/web:1"],
    ["systemd-web"],
    ["systemd-web"],
  ]);
  await assert.rejects(removeVolumes($, ["--all"]), /starts with '-'/);
  await assert.rejects(pullShowing(engine, "--authfile=/etc/shadow"), /starts with '-'/);
  await assert.rejects(tagImage(engine, "0123456789ab", "--x"), /starts with '-'/);
  await assert.rejects(imageId(engine, "container", "--latest"), /starts with '-'/);
  await assert.rejects(healthStatus(engine, "--latest"), /starts with '-'/);
  assert.equal(calls.length, 6);
});

Deno.test("a set file whose name starts with '-' is refused: unit names come from file names", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leger-dash-" });
  await Deno.writeTextFile(join(dir, "--host=evil.container"), "[Container]\nImage=a\n");
  await Deno.writeTextFile(join(dir, "web.container"), "[Container]\nImage=a\n");
  const tree = await walkSet(dir, { read: () => true });
  assert.deepEqual(tree.files.map((f) => f.name), ["web.container"]);
  assert.deepEqual(tree.refused.map((r) => [r.file, r.code]), [["--host=evil.container", "set/bad-name"]]);
  await Deno.remove(dir, { recursive: true });
});
