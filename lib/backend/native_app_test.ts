import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeHost } from "../../tests/fakes/fake_host.ts";
import { NGINX } from "../../tests/fakes/fake_host_fixtures.ts";
import { memoryLogger } from "../../tests/helpers/memory_logger.ts";
import { detectPodman, quadletList } from "../host/podman.ts";
import { createShell, run } from "../host/shell.ts";
import type { CollectedFile } from "../source/collect.ts";
import { nativeBackend } from "./native.ts";
import { nativeAppBackend } from "./native_app.ts";

const file = (name: string, text: string): CollectedFile => ({ name, text, bytes: new TextEncoder().encode(text) });
const WEB = file("web.container", `[Container]\nImage=${NGINX}\nVolume=data.volume:/data\n`);
const DATA = file("data.volume", "[Volume]\n");
const DROPIN = file("web.container.d/10-env.conf", "[Container]\nEnvironment=A=1\n");
const META = file(".leger.yaml", "version: 2\n");

async function systemctl(host: FakeHost, ...args: string[]): Promise<void> {
  const r = await run(createShell({ fakes: host.fakes() }), ["systemctl", "--user", ...args]);
  assert.equal(r.code, 0, r.stderr);
}

async function setup(version = "6.1.1") {
  const host = await FakeHost.create({ podmanVersion: version, images: [NGINX] });
  const $ = createShell({ fakes: host.fakes() });
  const log = memoryLogger();
  const caps = await detectPodman($);
  return { host, $, caps, log, backend: nativeAppBackend($, caps, host.quadletDir, log) };
}

Deno.test("podman 6: the probe finds --application and rm --recursive; 5.8 has neither", async () => {
  const six = await setup("6.1.1");
  const five = await setup("5.8.6");
  try {
    assert.equal(six.caps.quadletApplication, true);
    assert.equal(six.caps.quadletRecursiveRm, true);
    assert.equal(six.caps.quadletReplace, true);
    assert.equal(five.caps.quadletApplication, false);
    assert.equal(five.caps.quadletRecursiveRm, false);
    assert.equal(five.caps.replaceKeepsTail, false);
    assert.equal((await setup("5.8.5").then(async (s) => (await s.host.cleanup(), s.caps))).replaceKeepsTail, true);
  } finally {
    await six.host.cleanup();
    await five.host.cleanup();
  }
});

Deno.test("podman 6: a set is one application folder with its drop-ins, written by podman; .leger.yaml stays out", async () => {
  const { host, backend } = await setup();
  try {
    const records = await backend.install("web", [META, DATA, DROPIN, WEB, file("web.env", "A=1\n")]);
    assert.deepEqual(host.quadletFiles(), [
      "web/data.volume",
      "web/web.container",
      "web/web.container.d/10-env.conf",
      "web/web.env",
    ]);
    assert.deepEqual(records.map((r) => `${r.name}:${r.kind}:${r.path.slice(host.quadletDir.length)}`), [
      ".leger.yaml:meta:",
      "data.volume:quadlet:/web/data.volume",
      "web.container.d/10-env.conf:asset:/web/web.container.d/10-env.conf",
      "web.container:quadlet:/web/web.container",
      "web.env:asset:/web/web.env",
    ]);
    const installs = host.callLines("podman").filter((l) => l.startsWith("quadlet install --reload"));
    assert.equal(installs.length, 1);
    assert.match(installs[0]!, /^quadlet install --reload-systemd=false --application web -- \/\S+$/);
    assert.equal(host.reloads, 0, "the backend does not reload: the caller does, once");
    const listed = await quadletList(createShell({ fakes: host.fakes() }));
    assert.deepEqual(listed.map((q) => `${q.Name}@${q.App}`), ["data.volume@web", "web.container@web"]);

    await backend.remove("web", records);
    assert.deepEqual(host.quadletFiles(), []);
    assert.ok(host.callLines("podman").includes("quadlet rm --recursive --force --reload-systemd=false -- web"));
  } finally {
    await host.cleanup();
  }
});

Deno.test("podman 6: a new version replaces the folder's files and drops what it no longer has", async () => {
  const { host, backend } = await setup();
  try {
    const first = await backend.install("web", [DATA, DROPIN, WEB, file("notes.txt", "old notes\n")]);
    const v2 = file("web.container", `[Container]\nImage=${NGINX}\n`); // shorter than v1
    const second = await backend.install("web", [v2], first);
    assert.deepEqual(host.quadletFiles(), ["web/web.container"]);
    assert.equal(await Deno.readTextFile(join(host.quadletDir, "web/web.container")), v2.text);
    assert.ok(
      host.callLines("podman").some((l) =>
        l.includes("--replace --application") || /--application web --replace/.test(l)
      ),
    );
    assert.equal(second.length, 1);
  } finally {
    await host.cleanup();
  }
});

Deno.test("podman 6: removing an application whose units run needs --force; leger stops nothing half-way", async () => {
  const { host, backend } = await setup();
  try {
    const records = await backend.install("web", [DATA, WEB]);
    await systemctl(host, "daemon-reload");
    await systemctl(host, "start", "web.service");
    assert.equal(host.unit("web.service").active, "active");
    await backend.remove("web", records);
    assert.deepEqual(host.quadletFiles(), []);
    assert.equal(host.unit("web.service").active, "inactive");
  } finally {
    await host.cleanup();
  }
});

Deno.test("podman 6: removing a set whose folder is already gone asks podman nothing and succeeds", async () => {
  const { host, backend } = await setup();
  try {
    const records = await backend.install("web", [DATA, WEB]);
    await Deno.remove(join(host.quadletDir, "web"), { recursive: true });
    await backend.remove("web", records);
    assert.ok(
      !host.callLines("podman").some((l) => l.startsWith("quadlet rm --recursive")),
      "podman 6 refuses a missing app",
    );
  } finally {
    await host.cleanup();
  }
});

Deno.test("podman 6: when podman cannot remove the application, leger removes the folder itself", async () => {
  const { host, $, caps, backend: _ } = await setup();
  try {
    const backend = nativeAppBackend($, { ...caps, quadletRecursiveRm: false }, host.quadletDir);
    const records = await backend.install("web", [DATA, DROPIN, WEB]);
    await backend.remove("web", records);
    assert.deepEqual(host.quadletFiles(), []);
  } finally {
    await host.cleanup();
  }
});

Deno.test("podman 5.8 -> 6: a set installed flat moves into its folder on its next install; its units keep their names", async () => {
  const host = await FakeHost.create({ podmanVersion: "5.8.6", images: [NGINX] });
  try {
    const $ = createShell({ fakes: host.fakes() });
    const old = nativeBackend($, await detectPodman($), host.quadletDir);
    const first = await old.install("web", [META, DATA, DROPIN, WEB]);
    assert.deepEqual(host.quadletFiles(), [".web.app", "data.volume", "web.container", "web.container.d/10-env.conf"]);
    await systemctl(host, "daemon-reload");
    await systemctl(host, "start", "web.service");

    host.setPodmanVersion("6.1.1");
    const caps = await detectPodman($);
    const backend = nativeAppBackend($, caps, host.quadletDir);
    // podman 6 ignores .web.app: the units list with no application, and still run.
    const listed = await quadletList($);
    assert.deepEqual(listed.map((q) => `${q.Name}@${q.App}`), ["data.volume@", "web.container@"]);
    assert.equal(host.unit("web.service").active, "active");

    const second = await backend.install("web", [META, DATA, DROPIN, WEB], first);
    assert.deepEqual(host.quadletFiles(), ["web/data.volume", "web/web.container", "web/web.container.d/10-env.conf"]);
    assert.equal(host.unit("web.service").active, "active", "moving the files stops nothing");
    await systemctl(host, "daemon-reload");
    assert.equal(host.unit("web.service").source, join(host.quadletDir, "web/web.container"));

    await backend.remove("web", second);
    assert.deepEqual(host.quadletFiles(), []);
  } finally {
    await host.cleanup();
  }
});

Deno.test("podman 5.8 -> 6: removing a set still in the flat layout leaves no file, marker or folder", async () => {
  const host = await FakeHost.create({ podmanVersion: "5.8.6", images: [NGINX] });
  try {
    const $ = createShell({ fakes: host.fakes() });
    const records = await nativeBackend($, await detectPodman($), host.quadletDir).install("web", [DATA, DROPIN, WEB]);
    host.setPodmanVersion("6.1.1");
    await nativeAppBackend($, await detectPodman($), host.quadletDir).remove("web", records);
    assert.deepEqual(host.quadletFiles(), []);
  } finally {
    await host.cleanup();
  }
});
