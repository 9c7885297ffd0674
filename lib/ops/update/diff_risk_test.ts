import assert from "node:assert/strict";
import { type DiffResult, formatDiff, summarize } from "./diff.ts";

const v1 = [{
  name: "web.container",
  text: "[Container]\nImage=localhost/web:1\nVolume=/etc/localtime:/etc/localtime:ro\n",
}];
const v2 = [{
  name: "web.container",
  text: "[Container]\nImage=localhost/web:2\nVolume=/etc/localtime:/etc/localtime:ro\nNetwork=host\n" +
    "Volume=%t/podman/podman.sock:/run/podman/podman.sock\n",
}];

Deno.test("a risk the new version adds is called out first in the diff's summary; one it drops is listed", () => {
  const up = summarize(v1, v2);
  assert.deepEqual(up.risksAdded, [
    "web.container: shares the host's network: the container reaches every service listening on the host, loopback too (risk/host-namespace)",
    "web.container: mounts %t/podman/podman.sock, a container engine's socket: the container can start containers with the host's power (risk/podman-socket)",
  ]);
  assert.deepEqual(up.risksRemoved, []);
  const d: DiffResult = { name: "web", from: {}, to: {}, files: [], summary: up, drift: [] };
  const lines = formatDiff(d).split("\n");
  assert.equal(lines[lines.indexOf("Summary:") + 1], `  NEW RISK ${up.risksAdded[0]}`);
  const down = summarize(v2, v1);
  assert.deepEqual([down.risksAdded, down.risksRemoved.length], [[], 2]);
  assert.match(formatDiff({ ...d, summary: down }), /risks gone: web\.container: shares the host's network/);
});
