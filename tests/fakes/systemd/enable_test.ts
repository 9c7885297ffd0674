/** The fake host's `systemctl enable` answers as systemd does. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { enableUnits, unitFolder } from "./enable.ts";

Deno.test("fake systemctl enable: needs the unit file and an [Install] section; --now starts", () => {
  const root = Deno.makeTempDirSync();
  try {
    const quadlets = join(root, "home/.config/containers/systemd");
    const dir = unitFolder(quadlets, "user");
    assert.equal(dir, join(root, "home/.config/systemd/user"));
    assert.match(enableUnits(quadlets, "user", ["x.service"], undefined).stderr!, /Unit file x.service does not exist/);
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(
      join(dir, "x.service"),
      "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=default.target\n",
    );
    const started: string[] = [];
    const r = enableUnits(quadlets, "user", ["x.service"], (u) => (started.push(u), {}));
    assert.equal(r.code, undefined);
    assert.match(r.stderr!, /Created symlink .*default\.target\.wants\/x\.service/);
    assert.deepEqual(started, ["x.service"]);
    Deno.writeTextFileSync(join(dir, "y.service"), "[Service]\nExecStart=/bin/true\n");
    assert.match(enableUnits(quadlets, "user", ["y.service"], undefined).stderr!, /no installation config/);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
