import assert from "node:assert/strict";
import { createShell, type FakeCall } from "./shell.ts";
import { Systemd } from "./systemd.ts";

/**
 * A systemctl that fails the first `failures[unit]` starts of a unit with
 * systemd's own words and Result, as systemd 262 did on the test hosts
 * when podman had removed the unit's cgroup after a stop.
 */
function fakeSystemctl(failures: Record<string, { times: number; result: string }>) {
  const calls: string[] = [];
  const state: Record<string, { active: string; result: string }> = {};
  const systemctl = ({ args }: FakeCall) => {
    calls.push(args.join(" "));
    const [verb, ...rest] = args[0] === "--user" ? args.slice(1) : args;
    const units = rest.filter((a) => !a.startsWith("-"));
    if (verb === "show") {
      return {
        stdout: units.map((u) =>
          `Id=${u}\nActiveState=${state[u]?.active ?? "inactive"}\nSubState=dead\nLoadState=loaded\nResult=${
            state[u]?.result ?? "success"
          }\nNRestarts=0`
        ).join("\n\n") + "\n",
      };
    }
    if (verb === "reset-failed") {
      for (const u of units) state[u] = { active: "inactive", result: "success" };
      return {};
    }
    let failedUnit: string | undefined;
    for (const u of units) {
      const f = failures[u];
      if (f && f.times > 0) {
        f.times--;
        state[u] = { active: "failed", result: f.result };
        failedUnit ??= u;
      } else state[u] = { active: "active", result: "success" };
    }
    if (!failedUnit) return {};
    const why = failures[failedUnit]!.result === "resources"
      ? "unavailable resources or another system error"
      : "the control process exited with error code";
    return { code: 1, stderr: `Job for ${failedUnit} failed because ${why}.\n` };
  };
  return { calls, systemctl };
}

Deno.test("a start that systemd could not spawn right after a stop (result resources) is tried once more", async () => {
  const fake = fakeSystemctl({ "web.service": { times: 1, result: "resources" } });
  const systemd = new Systemd(createShell({ fakes: { systemctl: fake.systemctl } }), "system");
  await systemd.start(["web-data-volume.service", "web.service"]);
  assert.deepEqual(fake.calls, [
    "start -- web-data-volume.service web.service",
    "show --property=Id,ActiveState,SubState,LoadState,Result,NRestarts -- web-data-volume.service web.service",
    "reset-failed -- web.service",
    "start -- web.service",
    "show --property=Id,ActiveState,SubState,LoadState,Result,NRestarts -- web-data-volume.service",
  ]);
  assert.equal(await systemd.tryStart("web.service"), undefined);
});

Deno.test("only once: a unit that fails with resources again is reported with systemd's first words", async () => {
  const fake = fakeSystemctl({ "web.service": { times: 2, result: "resources" } });
  const systemd = new Systemd(createShell({ fakes: { systemctl: fake.systemctl } }), "system");
  await assert.rejects(systemd.start(["web.service"]), /Cannot start web\.service: .*unavailable resources/);
  assert.equal(fake.calls.filter((c) => c.startsWith("start")).length, 2);
});

Deno.test("a unit that failed for another reason is not started again", async () => {
  const fake = fakeSystemctl({ "web.service": { times: 1, result: "exit-code" } });
  const systemd = new Systemd(createShell({ fakes: { systemctl: fake.systemctl } }), "user");
  assert.match((await systemd.tryStart("web.service"))!, /control process exited/);
  assert.equal(fake.calls.filter((c) => /(^| )start /.test(c)).length, 1);
  assert.equal(fake.calls.some((c) => c.includes("reset-failed")), false);
});

Deno.test("when another unit of the same call failed for its own reason, the call still fails", async () => {
  const fake = fakeSystemctl({
    "a.service": { times: 1, result: "exit-code" },
    "web.service": { times: 1, result: "resources" },
  });
  const systemd = new Systemd(createShell({ fakes: { systemctl: fake.systemctl } }), "system");
  await assert.rejects(systemd.restart(["a.service", "web.service"]), /Cannot restart a\.service web\.service/);
});
