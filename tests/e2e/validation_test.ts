/**
 * Validation on a real systemd + podman host: `leger install` refuses a set
 * that clashes with an installed one or with the host (exit 3, nothing
 * placed), `leger validate` folds in the verdict of podman's own quadlet
 * generator and prints text, JSON and SARIF, `--podman-version` checks keys
 * against an older podman, and `leger check-conflicts --port` finds who
 * publishes a port.
 *
 * @module
 */
import assert from "node:assert/strict";
import { E2E_SUITE, httpGet, installedPath, leger, legerJson, sharedHost, webContainer, WHO } from "./helpers.ts";
import {
  ALICE,
  ensureHolder,
  HOME,
  installedSets,
  type JsonReport,
  PORT,
  quadletFiles,
  QUADLETS,
  ROOT,
  writeSet,
} from "./validation_steps.ts";
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name:
    "install refuses a port another set publishes and a missing bind-mount path: exit 3, other set named, nothing installed",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await ensureHolder();
    assert.match(await httpGet(host, `http://127.0.0.1:${PORT}/`) ?? "", /v1/);
    const before = await quadletFiles();
    assert.ok(
      before.includes(installedPath(ALICE, "holder", "holder.container").slice(QUADLETS.length + 1)),
      before.join(", "),
    );

    const dir = await writeSet(`${HOME}/sets/intruder`, {
      "intruder.container": webContainer({ port: PORT, extra: ["Volume=/srv/leger-e2e-missing:/data:ro"] }),
    });
    const r = await leger(host, ALICE, ["install", dir, "--name", "intruder"]);
    assert.equal(r.code, 3, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stderr, /Cannot install intruder: 2 error\(s\) found; nothing was changed/);
    assert.match(
      r.stderr,
      new RegExp(
        `intruder\\.container:\\d+:\\d+: error conflict/port: host port 127\\.0\\.0\\.1:${PORT}/tcp is already published by set holder \\(holder\\.container\\)`,
      ),
    );
    assert.match(
      r.stderr,
      /intruder\.container:\d+:\d+: error host\/missing-file: .*\/srv\/leger-e2e-missing does not exist on the host/,
    );

    const after = await quadletFiles();
    assert.deepEqual(after, before);
    assert.ok(!after.some((f) => f.includes("intruder")), after.join(", "));
    assert.deepEqual(await installedSets(), ["holder"]);
    const unit = await host.exec(["systemctl", "--user", "cat", "intruder.service"], { user: "alice" });
    assert.notEqual(unit.code, 0, "systemd must not know intruder.service");
    // The holder is untouched and still serves.
    assert.match(await httpGet(host, `http://127.0.0.1:${PORT}/`) ?? "", /v1/);
  },
});

Deno.test({
  name: "install refuses a set whose unit name clashes with an installed set, naming it; the installed file is kept",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await ensureHolder();
    const original = await host.readFile(installedPath(ALICE, "holder", "holder.container"));
    const before = await quadletFiles();
    // Same file name, another port: only the name clashes.
    const dir = await writeSet(`${HOME}/sets/copycat`, { "holder.container": webContainer({ port: PORT + 1 }) });
    const r = await leger(host, ALICE, ["install", dir, "--name", "copycat"]);
    assert.equal(r.code, 3, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stderr, /error conflict\/unit-name: set holder already installs holder\.container/);
    assert.match(r.stderr, /nothing was changed/);
    assert.equal(await host.readFile(installedPath(ALICE, "holder", "holder.container")), original);
    const after = await quadletFiles();
    assert.deepEqual(after, before);
    assert.ok(!after.some((f) => f.includes("copycat")), after.join(", "));
    assert.deepEqual(await installedSets(), ["holder"]);
    assert.equal(await httpGet(host, `http://127.0.0.1:${PORT + 1}/`, 1000), undefined);
  },
});

Deno.test({
  name: "a port held by another user's running container is reported as in use on the host (root, system scope)",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await ensureHolder();
    const dir = await writeSet("/root/sets/rootweb", { "rootweb.container": webContainer({ port: PORT }) }, "root");
    const r = await leger(host, ROOT, ["install", dir, "--name", "rootweb"]);
    assert.equal(r.code, 3, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`error host/port-in-use: host port ${PORT}/tcp is already in use on the host`));
    assert.deepEqual(await installedSets(ROOT), []);
    const left = await host.exec(["ls", "-A", "/etc/containers/systemd"]);
    assert.doesNotMatch(left.stdout, /rootweb/);
  },
});

const UNKNOWN_KEY_SET = {
  "bad.container": [
    "[Container]",
    "Image=localhost/leger-test:v1",
    "RunInit=true",
    "Imag=localhost/leger-test:v2",
    "",
  ].join("\n"),
};

Deno.test({
  name:
    "validate folds in the generator's verdict on an unknown key, agreeing with leger's own (text, --json, --sarif)",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const dir = await writeSet(`${HOME}/sets/bad`, UNKNOWN_KEY_SET);

    const text = await leger(host, ALICE, ["validate", dir]);
    assert.equal(text.code, 3, text.stderr);
    assert.match(
      text.stdout,
      /bad\.container:4:1: error generator\/error: unsupported key 'Imag' in group 'Container' \(podman generator\)/,
    );
    assert.match(text.stdout, /bad\.container:4:1: error key\/unknown: .*'Imag'/);
    assert.match(text.stdout, /did you mean 'Image'\?/);

    const json = await leger(host, ALICE, ["--json", "validate", dir]);
    assert.equal(json.code, 3, json.stderr);
    const report = JSON.parse(json.stdout) as JsonReport;
    assert.equal(report.version, 1);
    assert.equal(report.ok, false);
    const generator = report.diagnostics.filter((d) => d.source === "generator");
    assert.equal(generator.length, 1, JSON.stringify(report.diagnostics));
    assert.equal(generator[0]!.code, "generator/error");
    assert.deepEqual([generator[0]!.file, generator[0]!.line, generator[0]!.key], ["bad.container", 4, "Imag"]);
    const own = report.diagnostics.find((d) => d.source === "leger" && d.code === "key/unknown");
    assert.deepEqual([own?.file, own?.line, own?.severity], ["bad.container", 4, "error"]);
    assert.equal(
      report.diagnostics.filter((d) => d.code === "leger/disagreement").length,
      0,
      JSON.stringify(report.diagnostics),
    );

    const sarif = await leger(host, ALICE, ["validate", "--sarif", dir]);
    assert.equal(sarif.code, 3, sarif.stderr);
    const log = JSON.parse(sarif.stdout);
    assert.equal(log.version, "2.1.0");
    const results = log.runs[0].results as {
      ruleId: string;
      level: string;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    }[];
    assert.deepEqual(results.map((r) => r.ruleId).sort(), ["generator/error", "key/unknown"]);
    for (const r of results) {
      assert.equal(r.level, "error");
      assert.match(r.locations[0]!.physicalLocation.artifactLocation.uri, /bad\.container$/);
      assert.equal(r.locations[0]!.physicalLocation.region.startLine, 4);
    }
    const rules = (log.runs[0].tool.driver.rules as { id: string }[]).map((r) => r.id).sort();
    assert.deepEqual(rules, ["generator/error", "key/unknown"]);
  },
});

Deno.test({
  name: "a valid stack (container, network, volume) passes validate with exit 0, also as JSON and SARIF",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const dir = await writeSet(`${HOME}/sets/stack`, {
      "stack.network": "[Network]\nSubnet=10.89.77.0/24\n",
      "stack-data.volume": "[Volume]\n",
      "stack.container": webContainer({
        port: 18510,
        volume: "stack-data.volume",
        extra: ["Network=stack.network", "PodmanArgs=--memory=256m"],
      }),
      ".leger.yaml": "version: 1.0.0\ndescription: a valid stack\n",
    });
    const text = await leger(host, ALICE, ["validate", dir]);
    assert.equal(text.code, 0, `stdout: ${text.stdout}\nstderr: ${text.stderr}`);
    assert.match(text.stdout, /no problems found/);

    const report = JSON.parse((await leger(host, ALICE, ["--json", "validate", dir])).stdout) as JsonReport;
    assert.equal(report.ok, true);
    assert.equal(report.errors, 0);
    assert.equal(report.warnings, 0);
    assert.deepEqual(report.diagnostics.filter((d) => d.source === "generator" || d.code === "leger/disagreement"), []);

    const sarif = await leger(host, ALICE, ["validate", "--sarif", dir]);
    assert.equal(sarif.code, 0, sarif.stderr);
    assert.deepEqual(JSON.parse(sarif.stdout).runs[0].results, []);
  },
});

Deno.test({
  name: "validate --podman-version 5.4 flags a key newer than that podman; the host's podman agrees with leger on it",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const dir = await writeSet(`${HOME}/sets/newkey`, {
      "newkey.container": "[Container]\nImage=localhost/leger-test:v1\nRunInit=true\nMemory=512m\n",
    });
    const here = await leger(host, ALICE, ["--json", "validate", dir]);
    const hereReport = JSON.parse(here.stdout) as JsonReport;
    if (E2E_SUITE === "trixie") {
      // The host's own podman is 5.4: its generator refuses Memory=, and leger says why, without disagreeing.
      assert.equal(here.code, 3, here.stdout);
      assert.deepEqual(
        hereReport.diagnostics.map((d) => [d.code, d.source]).sort(),
        [["generator/error", "generator"], ["key/too-new", "leger"]],
      );
    } else {
      assert.equal(here.code, 0, here.stdout);
      assert.equal(hereReport.ok, true);
    }

    const old = await leger(host, ALICE, ["validate", "--podman-version", "5.4", dir]);
    assert.equal(old.code, 3, old.stdout);
    assert.match(
      old.stdout,
      /newkey\.container:4:1: error key\/too-new: Memory= in \[Container\] needs podman 5\.5; the target has 5\.4/,
    );

    const json = JSON.parse(
      (await leger(host, ALICE, ["--json", "validate", "--podman-version", "5.4", dir])).stdout,
    ) as JsonReport;
    assert.deepEqual(
      json.diagnostics.map((d) => [d.code, d.key, d.source]).sort(),
      [
        // On trixie the host's own 5.4 generator refuses it too, and its verdict is folded in.
        ...(E2E_SUITE === "trixie" ? [["generator/error", "Memory", "generator"]] : []),
        ["key/too-new", "Memory", "leger"],
      ],
    );

    const bad = await leger(host, ALICE, ["validate", "--podman-version", "five", dir]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /Cannot use --podman-version five/);
  },
});

Deno.test({
  name: "check-conflicts --port N names the installed set that publishes N",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await ensureHolder();
    const text = await leger(host, ALICE, ["check-conflicts", "--port", String(PORT)]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(`holder\\s+holder\\.container\\s+\\d+\\s+PublishPort=127\\.0\\.0\\.1:${PORT}:8080`),
    );

    const { uses } = await legerJson<{ uses: { set: string; file: string; what: string }[] }>(host, ALICE, [
      "check-conflicts",
      "--port",
      String(PORT),
    ]);
    assert.deepEqual(uses.map((u) => [u.set, u.file, u.what]), [[
      "holder",
      "holder.container",
      `PublishPort=127.0.0.1:${PORT}:8080`,
    ]]);

    const free = await leger(host, ALICE, ["check-conflicts", "--port", String(PORT + 7)]);
    assert.equal(free.code, 0, free.stderr);
    assert.match(free.stdout, /no installed set uses it/);

    // Per scope: root's installed sets do not include alice's.
    assert.deepEqual(
      (await legerJson<{ uses: unknown[] }>(host, ROOT, ["check-conflicts", "--port", String(PORT)])).uses,
      [],
    );
  },
});

Deno.test({
  name: "after removing the clashing set, the refused set installs",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await ensureHolder();
    assert.equal((await leger(host, ALICE, ["remove", "holder"])).code, 0);
    const dir = await writeSet(`${HOME}/sets/copycat`, { "holder.container": webContainer({ port: PORT + 1 }) });
    const r = await leger(host, ALICE, ["install", dir, "--name", "copycat"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(await httpGet(host, `http://127.0.0.1:${PORT + 1}/`) ?? "", /v1/);
    assert.equal((await leger(host, ALICE, ["remove", "copycat"])).code, 0);
    assert.deepEqual(await quadletFiles(), []);
  },
});

const PODMAN6_SET = {
  "six.container": ["[Container]", "Image=localhost/leger-test:v1", "RunInit=true", "ImageVolume=tmpfs", ""].join("\n"),
  "six.volume": ["[Volume]", "UID=1000", "GID=1000", "Options=nodev", ""].join("\n"),
};

Deno.test({
  name: "keys of podman 6 (ImageVolume=, UID=, Options= without Device=): leger and the host's generator agree",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const who = WHO.find((w) => w.user === "alice")!;
    const version = (await host.exec(["podman", "--version"], { user: "alice" })).stdout.match(/(\d+)\.(\d+)/)!;
    const six = Number(version[1]) >= 6 && Number(version[2]) >= 1 || Number(version[1]) > 6;
    const dir = await writeSet(`${HOME}/sets/six`, PODMAN6_SET);
    const r = await leger(host, who, ["--json", "validate", dir]);
    const report = JSON.parse(r.stdout) as JsonReport;
    const by = (source: string) => report.diagnostics.filter((d) => d.source === source && d.severity === "error");
    assert.equal(report.diagnostics.filter((d) => d.code === "leger/disagreement").length, 0, r.stdout);
    if (six) {
      // podman 6.1's generator accepts them all, and so does leger.
      assert.equal(r.code, 0, r.stdout);
      assert.deepEqual(by("leger"), []);
      assert.deepEqual(by("generator"), []);
    } else {
      assert.equal(r.code, 3, r.stdout);
      const keys = by("leger").filter((d) => d.code === "key/too-new").map((d) => d.key).sort();
      assert.deepEqual(keys, ["GID", "ImageVolume", "UID"]);
      assert.ok(by("generator").some((d) => /unsupported key 'ImageVolume'/.test(d.message)), r.stdout);
    }
    // Without the host, the same set is only warned about: the target's version is unknown.
    const ci = await leger(host, who, ["--json", "validate", "--no-host", dir]);
    assert.equal(ci.code, 0, ci.stdout);
    const warned = (JSON.parse(ci.stdout) as JsonReport).diagnostics.filter((d) => d.code === "key/too-new");
    assert.deepEqual(warned.map((d) => [d.key, d.severity]).sort(), [
      ["GID", "warning"],
      ["ImageVolume", "warning"],
      ["UID", "warning"],
    ]);
  },
});

Deno.test({
  name: "validate reports a link out of the set at its file and never prints the target (issue 18)",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const who = WHO.find((w) => w.user === "alice")!;
    await host.exec(["sh", "-c", `mkdir -p ${HOME}/sets/lnk && printf 'MARKER-e2e-7q\\n' > ${HOME}/secret.txt`], {
      user: "alice",
    });
    await host.exec(["ln", "-sf", `${HOME}/secret.txt`, `${HOME}/sets/lnk/web.container`], { user: "alice" });
    for (const args of [["validate", `${HOME}/sets/lnk`], ["validate", "--no-host", `${HOME}/sets/lnk`]]) {
      const r = await leger(host, who, args);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stdout, /web\.container:1:1: error set\/link-outside/);
      assert.doesNotMatch(r.stdout + r.stderr, /MARKER-e2e-7q/);
    }
  },
});
