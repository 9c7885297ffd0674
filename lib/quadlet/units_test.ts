import assert from "node:assert/strict";
import { summarizeSet } from "./model.ts";
import { expandInstance, setUnits } from "./units.ts";

const TEMPLATE = `[Container]
Image=docker.io/library/nginx:1.27
Volume=data-%i:/data
Volume=shared.volume:/shared
Secret=token

[Install]
WantedBy=default.target
DefaultInstance=one
`;
// web@two.container is a link to the template: leger reads the template's text under the instance's name.
const TEMPLATE_SET = [
  { name: "web@.container", text: TEMPLATE },
  { name: "web@two.container", text: TEMPLATE },
  { name: "shared.volume", text: "[Volume]\n" },
];

Deno.test("a template runs as its instances: instance files and DefaultInstance=, never the template itself", () => {
  const s = summarizeSet(TEMPLATE_SET);
  assert.deepEqual(s.units, ["shared-volume.service", "web@one.service", "web@two.service"]);
  // one volume per instance (%i expanded), the shared one once
  assert.deepEqual(s.volumes.map((v) => v.name), ["data-one", "data-two", "systemd-shared"]);
  assert.deepEqual(s.secrets, ["token"]);
  const units = setUnits(TEMPLATE_SET).units;
  assert.deepEqual(units.map((u) => [u.service, u.file, u.instance, u.template ?? "", u.defaultInstance]), [
    ["web@one.service", "web@.container", "one", "web@.container", true],
    ["web@two.service", "web@two.container", "two", "web@.container", false],
    ["shared-volume.service", "shared.volume", "", "", false],
  ]);
});

Deno.test("an instance file named like DefaultInstance= is one unit, and a template nothing enables runs nothing", () => {
  const s = summarizeSet([
    { name: "web@.container", text: TEMPLATE },
    { name: "web@one.container", text: TEMPLATE },
    { name: "idle@.container", text: "[Container]\nImage=x\n" },
  ]);
  assert.deepEqual(s.units, ["web@one.service"]);
});

Deno.test("template drop-ins apply to every instance; an instance's own drop-in only to it", () => {
  const units = setUnits([
    ...TEMPLATE_SET,
    { name: "web@.container.d/10-port.conf", text: "[Container]\nPublishPort=8080:80\n" },
    { name: "web@two.container.d/20-env.conf", text: "[Container]\nEnvironment=WHO=two\n" },
  ]).units;
  const env = (service: string) =>
    units.find((u) => u.service === service)!.unit.sections.flatMap((s) => s.entries).map((e) => `${e.key}=${e.value}`);
  assert.ok(env("web@one.service").includes("PublishPort=8080:80"));
  assert.ok(env("web@two.service").includes("PublishPort=8080:80"));
  assert.ok(env("web@two.service").includes("Environment=WHO=two"));
  assert.ok(!env("web@one.service").includes("Environment=WHO=two"));
});

Deno.test("a .quadlets bundle's members are units like any file", () => {
  const bundle = [
    "# FileName=bweb",
    "[Container]",
    "Image=docker.io/library/nginx:1.27",
    "Volume=bdata.volume:/data",
    "---",
    "# FileName=bdata",
    "[Volume]",
    "VolumeName=bundle-data",
    "",
  ].join("\n");
  const s = summarizeSet([{ name: "app.quadlets", text: bundle }]);
  assert.deepEqual(s.units, ["bdata-volume.service", "bweb.service"]);
  assert.deepEqual(s.volumes, [{ name: "bundle-data", unitFile: "bdata.volume" }]);
});

Deno.test("instance specifiers expand per unit", () => {
  assert.equal(expandInstance("data-%i", "web@two.service"), "data-two");
  assert.equal(expandInstance("%p_%I/%N/%n/%h/%%", "web@two.service"), "web_two/web@two/web@two.service/%h/%%");
});
