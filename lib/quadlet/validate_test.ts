import assert from "node:assert/strict";
import { compareVersions, keySpec, suggest } from "./keys.ts";
import { hostPortOf, summarizeSet } from "./model.ts";
import { unitNameOf, volumeNameOf } from "./kinds.ts";
import { parseUnit } from "./parse.ts";
import { expandPath, specifiersIn } from "./check/specifiers.ts";
import { validateSet } from "./validate.ts";
import { validatePath } from "../source/validate_path.ts";

Deno.test("validatePath reads a folder with drop-ins, assets and a bundle", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/web.container.d`);
    await Deno.mkdir(`${dir}/conf`);
    await Deno.mkdir(`${dir}/.git`);
    await Deno.writeTextFile(
      `${dir}/web.container`,
      "[Container]\nImage=docker.io/nginx\nVolume=./conf:/etc/nginx/conf.d\n",
    );
    await Deno.writeTextFile(`${dir}/web.container.d/10.conf`, "[Container]\nPublishPort=99999:80\n");
    await Deno.writeTextFile(`${dir}/conf/site.conf`, "server {}\n");
    await Deno.writeTextFile(`${dir}/.git/x.container`, "junk\n");
    const folder = await validatePath(dir, { rootless: true });
    assert.deepEqual(folder.diagnostics.map((d) => [d.file, d.code]), [[
      "web.container.d/10.conf",
      "value/port-range",
    ]]);
    const single = await validatePath(`${dir}/web.container`, { rootless: true });
    assert.equal(single.errors, 1);
    await Deno.writeTextFile(`${dir}/app.quadlets`, "# FileName=db\n[Container]\nImag=x\n");
    const bundle = await validatePath(`${dir}/app.quadlets`, { rootless: true });
    assert.deepEqual(
      bundle.diagnostics.map((d) => [d.file, d.line, d.code]),
      [["app.quadlets", 3, "key/unknown"], ["app.quadlets", 2, "required/image"]].sort(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("references to installed sets resolve, and say where they come from", async () => {
  const others = [{ name: "net", files: [{ name: "front.network", text: "[Network]\n" }] }];
  const report = await validateSet([{
    name: "web.container",
    text: "[Container]\nImage=docker.io/a\nNetwork=front.network\n",
  }], { rootless: true, others });
  assert.deepEqual(report.diagnostics.map((d) => [d.severity, d.code]), [["info", "ref/other-set"]]);
  assert.equal(report.ok, true);
});

Deno.test("nested units and Before= ordering are understood", async () => {
  const report = await validateSet([
    { name: "a.container", text: "[Unit]\nBefore=b.container\n[Container]\nImage=docker.io/a\n" },
    { name: "b.container", text: "[Unit]\nBefore=a.container\n[Container]\nImage=docker.io/b\n" },
    { name: "sub/c.container", text: "[Container]\nImage=x\n" },
  ], { rootless: true, strict: true });
  assert.deepEqual(report.diagnostics.map((d) => d.code), ["ref/cycle", "set/nested-unit"]);
});

Deno.test("keys table knows versions, list keys and near misses", () => {
  assert.equal(keySpec("Container", "AppArmor")?.since, "5.8");
  assert.equal(keySpec("Container", "PublishPort")?.list, true);
  assert.equal(keySpec("Pod", "HostName")?.list, true);
  assert.equal(keySpec("Container", "HostName")?.list, false);
  assert.equal(keySpec("Volume", "User")?.type, "owner");
  assert.equal(keySpec("Container", "Nope"), undefined);
  assert.equal(suggest("hostname", ["HostName", "Image"]), "HostName");
  assert.equal(suggest("Imgae", ["HostName", "Image"]), "Image");
  assert.equal(suggest("Zzzzzz", ["HostName", "Image"]), undefined);
  assert.ok(compareVersions("5.10", "5.8") > 0);
  assert.equal(compareVersions("5.8", "5.8.0"), 0);
});

Deno.test("specifier helpers", () => {
  assert.deepEqual(specifiersIn("%h/a%%b%i%"), [{ letter: "h", offset: 0 }, { letter: "i", offset: 7 }]);
  assert.equal(expandPath("%h/x%%", { h: "/home/a" }), "/home/a/x%");
  assert.equal(expandPath("%t/x", { h: "/home/a" }), undefined);
});

Deno.test("model: unit names, volume names, ports and a summary with drop-ins", () => {
  const vol = parseUnit("[Volume]\nVolumeName=data\n", "d.volume");
  assert.equal(volumeNameOf("d.volume", vol), "data");
  assert.equal(unitNameOf("d.volume", vol), "d-volume.service");
  assert.equal(unitNameOf("w@.volume"), "w-volume@.service");
  assert.equal(unitNameOf("w.container", parseUnit("[Container]\nServiceName=x\n", "w.container")), "x.service");
  assert.equal(unitNameOf("notes.txt"), "notes.txt");
  assert.deepEqual(hostPortOf("[::1]:80:8080/udp"), { ip: "::1", port: "80", proto: "udp" });
  assert.equal(hostPortOf("80"), undefined);
  const s = summarizeSet([
    {
      name: "web.container",
      text: "[Container]\nImage=a\nVolume=d.volume:/d\nVolume=/srv:/srv\nSecret=k,type=env\nEnvironmentFile=./w.env\n",
    },
    {
      name: "web.container.d/10.conf",
      text: "[Container]\nPublishPort=8080:80\nMount=type=volume,source=m,target=/m\n",
    },
    { name: "d.volume", text: "[Volume]\nVolumeName=data\n" },
  ]);
  assert.deepEqual(s.units, ["d-volume.service", "web.service"]);
  assert.deepEqual(s.ports, ["8080:80"]);
  assert.deepEqual(s.volumes.map((v) => v.name), ["data", "m"]);
  assert.deepEqual(s.binds, [{ hostPath: "/srv", file: "web.container" }]);
  assert.deepEqual(s.secrets, ["k"]);
  assert.deepEqual(s.references, ["w.env"]);
});
