import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell, type FakeCall } from "../../host/shell.ts";
import { describeStorage } from "./describe.ts";

Deno.test("doctor's line: which volumes are archived while stopped, and why", async () => {
  const dir = await Deno.makeTempDir(); // the build machine's disk: ext4
  try {
    await Deno.mkdir(join(dir, "volumes/data/_data"), { recursive: true });
    const list = [
      { Name: "data", Driver: "local", Mountpoint: join(dir, "volumes/data/_data"), Options: {} },
      { Name: "nfs", Driver: "local", Mountpoint: join(dir, "volumes/nfs/_data"), Options: { type: "nfs" } },
    ];
    const podman = ({ args }: FakeCall) => ({ stdout: args[1] === "ls" ? JSON.stringify(list) : "" });
    const line = await describeStorage(createShell({ fakes: { podman } }));
    assert.match(line, /^2 volume\(s\) are archived while their units are stopped \(/);
    assert.match(line, /mounted with options \(type\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without volumes, doctor probes podman's volumes folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const podman = ({ args }: FakeCall) => ({ stdout: args[0] === "info" ? `${dir}\n` : "[]" });
    const line = await describeStorage(createShell({ fakes: { podman } }));
    assert.match(line, new RegExp(`^no volumes yet; ${dir}/volumes (clones|does not clone)`));
    const silent = ({ args }: FakeCall) => (args[0] === "info" ? { code: 125, stdout: "" } : { stdout: "[]" });
    assert.equal(
      await describeStorage(createShell({ fakes: { podman: silent } })),
      "no volumes yet; podman did not say where it keeps them",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
