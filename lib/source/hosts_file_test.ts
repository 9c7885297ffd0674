import assert from "node:assert/strict";
import type { LegerError } from "../core/errors.ts";
import { assignedSets, hostMatches, nothingAssigned, parseHostsFile, setFolder } from "./hosts_file.ts";

const FILE = `
all: [apps/monitoring]
hosts:
  web-1: [apps/web]
  "db-*": [apps/db]
labels:
  edge:
    - apps/proxy
    - { path: apps/web, name: web-edge }
`;

Deno.test("a host gets the sets for all hosts, its name and its labels, each folder once", () => {
  const file = parseHostsFile(FILE, "leger-hosts.yaml");
  assert.deepEqual(assignedSets(file, { name: "web-1", labels: [] }), [
    { path: "apps/monitoring", because: ["all"] },
    { path: "apps/web", because: ["host:web-1"] },
  ]);
  assert.deepEqual(assignedSets(file, { name: "db-7.example.net", labels: ["edge"] }), [
    { path: "apps/monitoring", because: ["all"] },
    { path: "apps/db", because: ["host:db-*"] },
    { path: "apps/proxy", because: ["label:edge"] },
    { path: "apps/web", name: "web-edge", because: ["label:edge"] },
  ]);
  // the same folder by name and by label is one set, named as the label entry says
  assert.deepEqual(assignedSets(file, { name: "web-1", labels: ["edge"] }).map((s) => [s.path, s.name, s.because]), [
    ["apps/monitoring", undefined, ["all"]],
    ["apps/web", "web-edge", ["host:web-1", "label:edge"]],
    ["apps/proxy", undefined, ["label:edge"]],
  ]);
  assert.deepEqual(assignedSets(file, { name: "mail", labels: ["eu"] }).map((s) => s.path), ["apps/monitoring"]);
});

Deno.test("host names match exactly, by short name, or by a * pattern, ignoring case", () => {
  assert.ok(hostMatches("web-1", "web-1"));
  assert.ok(hostMatches("web-1", "WEB-1.example.net"));
  assert.ok(!hostMatches("web-1", "web-10"));
  assert.ok(!hostMatches("web-1.example.net", "web-1"));
  assert.ok(hostMatches("web-*", "web-10"));
  assert.ok(!hostMatches("web-*", "db-1"));
  assert.ok(hostMatches("web.1", "web.1"));
  assert.ok(!hostMatches("web.1", "webx1"), "a dot is not a regular expression");
});

Deno.test("a host the file gives nothing gets an error naming its name, labels and what the file knows", () => {
  const file = parseHostsFile("hosts:\n  web-1: [apps/web]\nlabels:\n  edge: [apps/proxy]\n", "f");
  assert.deepEqual(assignedSets(file, { name: "db-1", labels: ["eu"] }), []);
  const error = nothingAssigned(file, { name: "db-1", labels: ["eu"] }, "f");
  assert.equal(error.exitCode, 5);
  assert.match(error.message, /no set is assigned to host db-1 \(labels: eu\)/);
  assert.match(error.hint!, /host web-1, label edge/);
  assert.match(error.hint!, /labels: in leger's config/);
});

Deno.test("an invalid file is refused with every problem, its position and exit code 3", () => {
  const bad = "hosts:\n  web-1: apps/web\nlabels:\n  edge: [../outside]\nextra: 1\n";
  assert.throws(() => parseHostsFile(bad, "leger-hosts.yaml"), (e: LegerError) => {
    assert.equal(e.exitCode, 3);
    assert.match(e.message, /leger-hosts\.yaml:2:\d+: hosts\.web-1: /);
    assert.match(e.message, /leger-hosts\.yaml:4:\d+: labels\.edge\.0: .*without \.\./);
    assert.match(e.message, /extra/);
    assert.match(e.hint!, /keys: all, hosts, labels/);
    return true;
  });
  assert.throws(
    () => parseHostsFile("hosts: [", "f"),
    (e: LegerError) => e.exitCode === 3 && /^Cannot read f:\nf:1:/.test(e.message),
  );
  assert.throws(
    () => parseHostsFile("all: [/etc]\n", "f"),
    (e: LegerError) => /all\.0: .*relative/.test(e.message),
  );
});

Deno.test("one folder under two names for one host is refused", () => {
  const file = parseHostsFile(
    "hosts:\n  h: [{ path: apps/web, name: a }]\nlabels:\n  l: [{ path: apps/web, name: b }]\n",
    "f",
  );
  assert.throws(() => assignedSets(file, { name: "h", labels: ["l"] }), (e: LegerError) => {
    assert.equal(e.exitCode, 3);
    assert.match(e.message, /apps\/web is assigned to this host as a \(host:h\) and as b \(label:l\)/);
    return true;
  });
});

Deno.test("set folders are joined to the folder the source names", () => {
  assert.equal(setFolder("", "apps/web"), "apps/web");
  assert.equal(setFolder("fleet", "apps/web/"), "fleet/apps/web");
  assert.equal(setFolder("", "./web"), "web");
  assert.equal(setFolder("", "."), "");
});
