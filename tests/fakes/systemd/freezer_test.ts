/** The fake host's `systemctl freeze` and `thaw` answer as systemd 262 did on the sid test host (freezer.ts). */
import assert from "node:assert/strict";
import { bench, repoWith, WEB_SET } from "../fake_host_fixtures.ts";
import { install } from "../../helpers/ops.ts";
import { run } from "../../../lib/host/shell.ts";

Deno.test("fake systemctl freeze/thaw: active stays active, frozen refuses stop and restart, inactive and unknown refuse", async () => {
  const b = await bench();
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
    await install(b.engine, `${url}#main:apps/web`, { name: "web", healthTimeoutMs: 5_000 });
    const sc = (...args: string[]) => run(b.engine.$, ["systemctl", "--user", ...args]);
    const show = async () => (await sc("show", "-p", "ActiveState,FreezerState", "web.service")).stdout;
    assert.equal((await sc("freeze", "web.service")).code, 0);
    assert.equal((await sc("freeze", "web.service")).code, 0, "frozen again: no error");
    assert.equal(await show(), "ActiveState=active\nFreezerState=frozen\n");
    for (const verb of ["stop", "restart"]) {
      assert.deepEqual(await sc(verb, "web.service"), {
        code: 1,
        stdout: "",
        stderr: "Cannot perform operation on frozen unit web.service.\n",
      });
    }
    assert.equal((await sc("start", "web.service")).code, 0, "a start of an active unit is a no-op");
    assert.equal(b.host.unit("web.service").freezer, "frozen");
    assert.equal((await sc("thaw", "web.service")).code, 0);
    assert.equal((await sc("thaw", "web.service")).code, 0, "running already: no error");
    assert.equal(await show(), "ActiveState=active\nFreezerState=running\n");
    assert.deepEqual(await sc("freeze", "nothere.service"), {
      code: 1,
      stdout: "",
      stderr: "Failed to add reference to unit nothere.service: Unit nothere.service not found.\n",
    });
    assert.equal((await sc("stop", "web.service")).code, 0);
    for (const verb of ["freeze", "thaw"]) {
      assert.deepEqual(await sc(verb, "web.service"), {
        code: 1,
        stdout: "",
        stderr: `Failed to ${verb} unit web.service: Unit is not active\n`,
      });
    }
  } finally {
    await b.cleanup();
  }
});
