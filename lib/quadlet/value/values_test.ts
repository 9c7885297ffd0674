import assert from "node:assert/strict";
import type { PodmanTarget } from "../target.ts";
import {
  checkAutoUpdate,
  checkBool,
  checkGoDuration,
  checkInt,
  checkSize,
  checkTimespan,
  checkUlimit,
  checkUserNS,
  checkVolumeOwner,
  parseTimespan,
} from "./values.ts";
import {
  checkBuildSecret,
  checkMount,
  checkSecret,
  checkVolume,
  parseMount,
  parseSecret,
  parseVolume,
  splitCsv,
} from "./storage.ts";
import { checkExposePort, checkPublishPort, isIPv4, isIPv6 } from "./ports.ts";

const codes = (issues: { code: string }[]) => issues.map((i) => i.code);

Deno.test("PublishPort accepts the forms podman accepts", () => {
  for (
    const v of [
      "80",
      "8080:80",
      "127.0.0.1:8080:80",
      "127.0.0.1::80",
      "[::1]:8080:80",
      "8000-8010:9000-9010/udp",
      "53:53/tcp,udp",
    ]
  ) {
    assert.deepEqual(codes(checkPublishPort(v, { rootless: false }).issues), [], v);
  }
  assert.deepEqual(checkPublishPort("10.0.0.1:8080-8081:80-81/udp", { rootless: false }).binding, {
    ip: "10.0.0.1",
    port: 8080,
    end: 8081,
    protos: ["udp"],
  });
  assert.equal(checkPublishPort("80", { rootless: false }).binding, undefined);
});

Deno.test("PublishPort reports bad addresses, ranges and formats", () => {
  const c = (v: string) => codes(checkPublishPort(v, { rootless: false }).issues);
  assert.deepEqual(c("300.1.1.1:80:80"), ["value/port-ip"]);
  assert.deepEqual(c("[::1]:80"), ["value/port-format"]);
  assert.deepEqual(c("a:b:c:d"), ["value/port-format"]);
  assert.deepEqual(c("8080-8000:80"), ["value/port-range"]);
  assert.deepEqual(c("x:80"), ["value/port-format"]);
});

Deno.test("privileged ports: info without a probe, error when the host says so", () => {
  assert.equal(checkPublishPort("80:80", { rootless: true }).issues[0]!.severity, "info");
  assert.equal(
    checkPublishPort("80:80", { rootless: true, unprivilegedStart: 1024 }).issues[0]!.code,
    "host/privileged-port",
  );
  assert.deepEqual(checkPublishPort("80:80", { rootless: true, unprivilegedStart: 0 }).issues, []);
  assert.deepEqual(checkPublishPort("80:80", { rootless: false }).issues, []);
});

Deno.test("IP address helpers", () => {
  assert.ok(isIPv4("192.168.1.1"));
  assert.ok(!isIPv4("192.168.1"));
  for (const v of ["::1", "fe80::1%eth0", "2001:db8::", "::ffff:10.0.0.1", "1:2:3:4:5:6:7:8"]) assert.ok(isIPv6(v), v);
  for (const v of ["1:2:3:4:5:6:7:8:9", "::1::", "fe80::1%", "10.0.0.1", "1:2:3:4:5:6:7"]) assert.ok(!isIPv6(v), v);
});

Deno.test("ExposeHostPort mirrors the generator's check and is stricter beside it", () => {
  assert.deepEqual(checkExposePort("8080-8090/udp"), []);
  assert.equal(checkExposePort("http")[0]!.severity, "error");
  assert.equal(checkExposePort("x80")[0]!.severity, "warning");
});

Deno.test("Volume forms", () => {
  assert.equal(parseVolume("/data").kind, "anonymous");
  assert.equal(parseVolume("./a:/a").kind, "bind");
  assert.equal(parseVolume("x.volume:/a").kind, "unit");
  assert.equal(parseVolume("%h/a:/a").kind, "specifier");
  assert.deepEqual(parseVolume("a:/b:ro,z"), { source: "a", dest: "/b", options: "ro,z", kind: "named" });
  assert.deepEqual(checkVolume("data:/d:rw,U,idmap=uids=0-1-10,upperdir=/u"), []);
  assert.deepEqual(codes(checkVolume("-bad:/d")), ["value/volume-name"]);
});

Deno.test("Mount fields", () => {
  assert.deepEqual(checkMount("type=bind,src=/a,dst=/b,ro"), []);
  assert.deepEqual(checkMount("type=tmpfs,destination=/t"), []);
  assert.deepEqual(codes(checkMount("target=/x")), ["value/mount-source"]);
  assert.deepEqual(codes(checkMount("type=bind,source=,target=/x")), ["value/mount-source"]);
  assert.deepEqual(codes(checkMount("type=bind,source,target=/x")), ["value/mount-source"]);
});

Deno.test("Mount fields are read as podman's CSV reader reads them", () => {
  // The quotes of a field survive the unit file's word splitting only inside an outer quote.
  assert.deepEqual(checkMount('type=bind,src=/tmp,"dst=/path,1"'), []);
  assert.deepEqual(parseMount('type=bind,src=/tmp,"dst=/path,1"').target, "/path,1");
  assert.deepEqual(parseMount('type=bind,"src=/a ""b""",dst=/c').source, '/a "b"');
  assert.deepEqual(splitCsv("a,,b"), { fields: ["a", "", "b"] });
  for (const bad of ['type=bind,src=/a"b,dst=/c', 'type=bind,"src=/a"x,dst=/c', 'type=bind,"src=/a,dst=/c']) {
    assert.deepEqual(codes(checkMount(bad)), ["value/mount-format"], bad);
  }
  // Unquoted, "dst=/path,1" is two fields: podman run refuses the option "1".
  assert.deepEqual(checkMount("type=bind,src=/tmp,dst=/path,1").map((i) => [i.severity, i.code]), [
    ["warning", "value/mount-option"],
  ]);
  assert.deepEqual(checkMount("type=bind,src=%h/data,dst=/d,ro,z,relabel=private"), []);
  assert.deepEqual(checkMount("type=${T},src=${S},dst=${D}"), []);
});

Deno.test("a volume mount without source= is anonymous from podman 6.0 on", () => {
  const v58: PodmanTarget = { versions: ["5.8"], from: "host" };
  const v61: PodmanTarget = { versions: ["6.1"], from: "host" };
  assert.deepEqual(codes(checkMount("type=volume,target=/x", v58)), ["value/mount-source"]);
  assert.deepEqual(checkMount("type=volume,target=/x", v61), []);
  assert.equal(checkMount("type=volume,target=/x")[0]!.severity, "warning");
  assert.match(checkMount("type=volume,target=/x")[0]!.message, /only from podman 6\.0/);
});

Deno.test("build secrets take podman build's id=...,src=... form", () => {
  assert.deepEqual(checkBuildSecret("id=mysecret,src=mysecret.txt"), []);
  assert.deepEqual(checkBuildSecret("id=token,env=TOKEN,type=env"), []);
  assert.deepEqual(codes(checkBuildSecret("src=mysecret.txt")), ["value/secret-format"]);
  assert.deepEqual(checkBuildSecret("id=x,taget=y").map((i) => i.severity), ["warning"]);
});

Deno.test(".volume User= and Group= take numbers, and names the generator reads as 0", () => {
  for (const ok of ["0", "1000", "0x3e8", "root", "+5"]) assert.deepEqual(checkVolumeOwner(ok, "User"), [], ok);
  const named = checkVolumeOwner("alice", "User");
  assert.deepEqual(named.map((i) => [i.severity, i.code]), [["warning", "value/volume-owner"]]);
  assert.match(named[0]!.message, /uid=0/);
  assert.match(checkVolumeOwner("wheel", "Group")[0]!.message, /gid=0/);
});

Deno.test("Secret options", () => {
  assert.deepEqual(checkSecret("k,type=mount,target=/run/k,uid=1,gid=2,mode=0400"), []);
  assert.deepEqual(checkSecret("source=k,type=env"), []);
  assert.deepEqual(codes(checkSecret("k,target")), ["value/secret-option"]);
  assert.deepEqual(codes(checkSecret("type=env")), ["value/secret-format"]);
  assert.deepEqual(codes(checkSecret("k,type=env,uid=1")), ["value/secret-option"]);
  assert.deepEqual(codes(checkSecret("k,uid=x")), ["value/secret-option"]);
  assert.equal(checkSecret("k,trget=X")[0]!.fix, "did you mean target=?");
  assert.deepEqual(parseSecret("k,type=env,target=K"), { name: "k", type: "env", target: "K" });
});

Deno.test("small value checks", () => {
  assert.deepEqual(checkAutoUpdate("web/local", true), []);
  assert.equal(checkAutoUpdate("web/local", false).length, 1);
  for (
    const v of [
      "auto",
      "auto:size=100",
      "host",
      "keep-id",
      "keep-id:uid=1,gid=2",
      "nomap",
      "ns:/proc/1/ns/user",
      "container:db",
      "",
    ]
  ) {
    assert.deepEqual(checkUserNS(v), [], v);
  }
  assert.equal(checkUserNS("keep-id:user=1").length, 1);
  assert.equal(checkUserNS("host:x").length, 1);
  assert.deepEqual(checkUlimit("host"), []);
  assert.deepEqual(checkUlimit("nofile=1024:unlimited"), []);
  assert.equal(checkUlimit("nofile").length, 1);
  assert.deepEqual(checkBool("ON"), []);
  assert.deepEqual(checkInt("-1"), []);
  assert.equal(checkInt("1.5").length, 1);
  assert.deepEqual(checkSize("1.5GiB"), []);
  assert.deepEqual(checkGoDuration("1h30m"), []);
  assert.deepEqual(checkGoDuration("disable", true), []);
  assert.match(checkGoDuration("2h")[0]?.message ?? "ok", /ok/);
  assert.match(checkGoDuration("2 hours")[0]!.fix!, /write 2h/);
  assert.match(checkGoDuration("90")[0]!.fix!, /write 90s/);
  assert.match(checkGoDuration("1d")[0]!.fix!, /write 24h/);
  assert.match(checkGoDuration("3min")[0]!.fix!, /write 3m/);
  assert.match(checkGoDuration("x")[0]!.fix!, /Go duration/);
});

Deno.test("systemd time spans", () => {
  assert.equal(parseTimespan("1h 30min"), 5400);
  assert.equal(parseTimespan("90"), 90);
  assert.equal(parseTimespan("infinity"), Infinity);
  assert.equal(parseTimespan("500ms"), 0.5);
  assert.equal(parseTimespan("5 parsecs"), undefined);
  assert.equal(parseTimespan(""), undefined);
  assert.deepEqual(checkTimespan("2w"), []);
  assert.equal(checkTimespan("soon").length, 1);
});
