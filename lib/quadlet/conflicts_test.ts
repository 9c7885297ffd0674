import assert from "node:assert/strict";
import { findUsers } from "./conflicts.ts";
import { fakeHost } from "../../tests/fakes/host_probe.ts";
import { validateSet } from "./validate.ts";

const blog = {
  name: "blog",
  files: [
    {
      name: "blog.container",
      text:
        "[Container]\nImage=docker.io/ghost\nPublishPort=8080:2368\nVolume=blog-data:/data\nMount=type=volume,source=blog-cache,target=/c\n",
    },
    { name: "db.volume", text: "[Volume]\nVolumeName=blog-db\n" },
    { name: "db.container", text: "[Container]\nImage=docker.io/mysql\nVolume=db.volume:/var/lib/mysql\n" },
  ],
};

Deno.test("findUsers answers who publishes a port and who uses a volume", () => {
  assert.deepEqual(findUsers([blog], { port: 8080 }), [{
    set: "blog",
    file: "blog.container",
    line: 3,
    what: "PublishPort=8080:2368",
  }]);
  assert.deepEqual(findUsers([blog], { port: 9999 }), []);
  assert.deepEqual(findUsers([blog], { volume: "blog-db" }).map((u) => [u.file, u.what]), [
    ["db.volume", "VolumeName=blog-db"],
    ["db.container", "Volume=db.volume:/var/lib/mysql"],
  ]);
  assert.deepEqual(findUsers([blog], { volume: "db.volume" }).length, 2);
  assert.deepEqual(
    findUsers([blog], { volume: "blog-cache" })[0]!.what,
    "Mount=type=volume,source=blog-cache,target=/c",
  );
});

Deno.test("install of a set that reuses another set's port names the other set", async () => {
  const report = await validateSet(
    [{
      name: "web.container",
      text: "[Container]\nImage=docker.io/nginx\nPublishPort=8080:80\nVolume=/srv/www:/usr/share/nginx/html\n",
    }],
    { setName: "web", rootless: true, others: [blog], host: fakeHost({ paths: [], portsInUse: [8080] }) },
  );
  assert.deepEqual(report.diagnostics.map((d) => [d.code, d.message]), [
    ["conflict/port", "host port 8080/tcp is already published by set blog (blog.container)"],
    ["host/missing-file", "bind-mounted path /srv/www does not exist on the host"],
  ]);
  assert.equal(report.ok, false);
});

Deno.test("reinstalling a set excuses its own ports and names", async () => {
  const report = await validateSet(blog.files, {
    setName: "blog",
    rootless: true,
    podmanVersion: "5.8",
    others: [blog],
    host: fakeHost({ portsInUse: [8080] }),
  });
  assert.deepEqual(report.diagnostics.filter((d) => d.severity !== "info"), []);
});

Deno.test("service and pod names clash across sets", async () => {
  const other = {
    name: "o",
    files: [{ name: "x.container", text: "[Container]\nImage=a\nServiceName=svc\n" }, {
      name: "p.pod",
      text: "[Pod]\nPodName=shared\n",
    }, { name: "n.network", text: "[Network]\nNetworkName=net\n" }],
  };
  const report = await validateSet([
    { name: "y.container", text: "[Container]\nImage=a\nServiceName=svc\n" },
    { name: "q.pod", text: "[Pod]\nPodName=shared\n" },
    { name: "m.network", text: "[Network]\nNetworkName=net\n" },
  ], { rootless: true, podmanVersion: "5.8", others: [other] });
  assert.deepEqual(report.diagnostics.map((d) => d.code).sort(), [
    "conflict/container-name", // both default to systemd-%N = systemd-svc
    "conflict/network-name",
    "conflict/pod-name",
    "conflict/service-name",
  ]);
});
