import assert from "node:assert/strict";
import { fakeHost } from "../../tests/fakes/host_probe.ts";
import { compare, parseGeneratorOutput } from "./generator.ts";
import { loadSet } from "./set.ts";
import { validateSet } from "./validate.ts";

const WEB = "[Container]\nImage=docker.io/library/nginx\nNetwork=front.network\nKillMode=x\n\n[Service]\nUser=www\n";

Deno.test("parseGeneratorOutput reads podman's message formats and skips debug lines", () => {
  const stderr = [
    "quadlet-generator[7]: Loading source unit file /tmp/d/web.container",
    "quadlet-generator[7]: converting \"web.container\": unsupported key 'Imag' in group 'Container' in /tmp/d/web.container",
    'quadlet-generator[7]: error loading "/tmp/d/web.container.d/10.conf", file contains line 2: “x” which is not a key-value pair, group, or comment',
    'quadlet-generator[7]: Warning: web.container specifies the image "nginx" which not a fully qualified image name.',
    "quadlet-generator[7]: Warning: using key User in the Service group is not supported - use at your own risk",
    'quadlet-generator[7]: Unsupported file type "x.foo"',
    "quadlet-generator[7]: processing encountered some errors",
  ].join("\n");
  assert.deepEqual(parseGeneratorOutput(stderr, "/tmp/d"), [
    { file: "web.container", severity: "error", message: "unsupported key 'Imag' in group 'Container'" },
    {
      file: "web.container.d/10.conf",
      severity: "error",
      message: "file contains line 2: “x” which is not a key-value pair, group, or comment",
    },
    { file: "web.container", severity: "warning", message: 'the image "nginx" is not a fully qualified image name' },
    { severity: "warning", message: "using key User in the Service group is not supported - use at your own risk" },
    { severity: "error", message: 'Unsupported file type "x.foo"' },
  ]);
});

Deno.test("compare maps messages to lines and flags disagreements both ways", () => {
  const set = loadSet([{ name: "web.container", text: WEB }, { name: "ok.container", text: "[Container]\nImage=a\n" }]);
  const out = compare(set, [
    { file: "ok.container", line: 2, column: 1, severity: "error", code: "key/unknown", message: "m", source: "leger" },
  ], [
    { file: "web.container", severity: "error", message: "requested Quadlet unit front.network was not found" },
    { file: "web.container", severity: "error", message: "invalid KillMode 'x'" },
    { severity: "warning", message: "using key User in the Service group is not supported - use at your own risk" },
  ], 1);
  assert.deepEqual(out.map((d) => [d.file, d.line, d.code]), [
    ["web.container", 3, "generator/error"],
    ["web.container", 3, "leger/disagreement"],
    ["web.container", 4, "generator/error"],
    ["web.container", 4, "leger/disagreement"],
    ["web.container", 7, "generator/warning"],
    ["ok.container", 2, "leger/disagreement"],
  ]);
});

Deno.test("validateSet folds in the generator through the host probe", async () => {
  let seenDir = "";
  const report = await validateSet([{ name: "web.container", text: WEB }, {
    name: "web.container.d/10.conf",
    text: "[Unit]\nX-A=1\n",
  }], {
    rootless: true,
    host: {
      generator: async (dir, rootless) => {
        seenDir = dir;
        assert.equal(rootless, true);
        assert.equal(await Deno.readTextFile(`${dir}/web.container.d/10.conf`), "[Unit]\nX-A=1\n");
        return {
          code: 1,
          stdout: "",
          stderr: `converting "web.container": requested Quadlet unit front.network was not found\n`,
        };
      },
    },
  });
  const codes = report.diagnostics.map((d) => d.code);
  assert.ok(codes.includes("generator/error"));
  assert.ok(!codes.includes("leger/disagreement"));
  await assert.rejects(Deno.stat(seenDir));
});

Deno.test("a host without a generator adds nothing", async () => {
  const host = fakeHost({});
  host.generator = () => Promise.resolve(undefined);
  const report = await validateSet([{ name: "web.container", text: "[Container]\nImage=docker.io/x\n" }], {
    rootless: false,
    host,
  });
  assert.deepEqual(report.diagnostics, []);
});
