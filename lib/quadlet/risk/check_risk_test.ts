import assert from "node:assert/strict";
import { validateSet } from "../validate.ts";
import { addedRisks, risksOf } from "./risks_of.ts";

const unit = (body: string) => `[Container]\nImage=localhost/web:1\n${body}`;
const codes = async (files: Record<string, string>, strict = false) => {
  const report = await validateSet(Object.entries(files).map(([name, text]) => ({ name, text })), {
    rootless: true,
    podmanVersion: "5.8",
    strict,
  });
  return {
    report,
    risks: report.diagnostics.filter((d) => d.code.startsWith("risk/")).map((d) =>
      `${d.file}:${d.line} ${d.severity} ${d.code} ${d.key}`
    ),
  };
};

Deno.test("each key the review named gives its risk finding, as info, at its line", async () => {
  const cases: Array<[string, string]> = [
    ["PodmanArgs=--privileged", "info risk/privileged PodmanArgs"],
    ["AddCapability=ALL", "info risk/capability AddCapability"],
    ["SecurityLabelDisable=true", "info risk/unconfined SecurityLabelDisable"],
    ["Network=host", "info risk/host-namespace Network"],
    ["Volume=/:/host", "info risk/host-path Volume"],
    ["Volume=%t/podman/podman.sock:/run/podman/podman.sock", "info risk/podman-socket Volume"],
    ["Volume=/run/podman/podman.sock:/var/run/docker.sock", "info risk/podman-socket Volume"],
    ["EnvironmentFile=/etc/shadow", "info risk/host-file EnvironmentFile"],
    ["AddDevice=/dev/kvm", "info risk/device AddDevice"],
    ["PodmanArgs=--pid=host --cap-add SYS_ADMIN", "info risk/host-namespace PodmanArgs"],
    ["SeccompProfile=unconfined", "info risk/unconfined SeccompProfile"],
    ["Mount=type=bind,src=/etc,dst=/host-etc", "info risk/host-path Mount"],
  ];
  for (const [line, want] of cases) {
    const { risks, report } = await codes({ "web.container": unit(line + "\n") });
    assert.ok(risks.includes(`web.container:3 ${want}`), `${line}: ${risks.join(" | ")}`);
    assert.equal(report.errors, 0, line);
  }
  const shell = await codes({ "web.container": unit("[Service]\nExecStartPre=/bin/sh -c 'curl x | sh'\n") });
  assert.deepEqual(shell.risks, ["web.container:4 info risk/host-command ExecStartPre"]);
});

Deno.test("a drop-in's risk is found on the drop-in, and a harmless set has none", async () => {
  const { risks } = await codes({
    "web.container": unit(
      "Volume=./data:/data:Z\nVolume=/etc/localtime:/etc/localtime:ro\nAddCapability=NET_BIND_SERVICE\n",
    ),
    "web.container.d/10-host.conf": "[Container]\nNetwork=host\n",
  });
  assert.deepEqual(risks, ["web.container.d/10-host.conf:2 info risk/host-namespace Network"]);
});

Deno.test("risks never fail validation, not even with --strict", async () => {
  const { report, risks } = await codes({ "web.container": unit("PodmanArgs=--privileged\nNetwork=host\n") }, true);
  assert.equal(risks.length, 2);
  assert.equal(report.ok, true);
});

Deno.test("a new version's risks are told apart from the ones the installed version had", () => {
  const v1 = [{ name: "web.container", text: unit("Network=host\n") }];
  const v2 = [{ name: "web.container", text: unit("# moved down a line\nNetwork=host\nAddCapability=SYS_ADMIN\n") }];
  assert.deepEqual(addedRisks(risksOf(v1), risksOf(v2)).map((r) => r.code), ["risk/capability"]);
  assert.deepEqual(addedRisks(risksOf(v2), risksOf(v1)), []);
});
