import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeHost } from "../../tests/fakes/fake_host.ts";
import { NGINX } from "../../tests/fakes/fake_host_fixtures.ts";
import { detectPodman } from "../host/podman.ts";
import { createShell, run } from "../host/shell.ts";
import { memoryLogger } from "../../tests/helpers/memory_logger.ts";
import { sha256 } from "../core/fs.ts";
import type { CollectedFile } from "../source/collect.ts";
import { nativeBackend } from "./native.ts";

const file = (name: string, text: string): CollectedFile => ({ name, text, bytes: new TextEncoder().encode(text) });
const WEB = file("web.container", `[Container]\nImage=${NGINX}\nVolume=data.volume:/data\n`);
const DATA = file("data.volume", "[Volume]\n");

async function setup(version = "5.8.6") {
  const host = await FakeHost.create({ podmanVersion: version, images: [NGINX] });
  const $ = createShell({ fakes: host.fakes() });
  const backend = nativeBackend($, await detectPodman($), host.quadletDir);
  return { host, $, backend };
}

Deno.test("native install hands the top-level files to podman as one app and writes drop-ins itself", async () => {
  const { host, backend } = await setup();
  try {
    const records = await backend.install("web", [
      file(".leger.yaml", "version: 2\n"),
      DATA,
      file("web.container.d/10-env.conf", "[Container]\nEnvironment=A=1\n"),
      WEB,
      file("web.env", "A=1\n"),
    ]);
    assert.deepEqual(records.map((r) => `${r.name}:${r.kind}`), [
      ".leger.yaml:meta",
      "data.volume:quadlet",
      "web.container.d/10-env.conf:asset",
      "web.container:quadlet",
      "web.env:asset",
    ]);
    assert.equal(records.find((r) => r.name === "web.container")!.path, join(host.quadletDir, "web.container"));
    assert.deepEqual(host.quadletFiles(), [
      ".web.app",
      "data.volume",
      "web.container",
      "web.container.d/10-env.conf",
      "web.env",
    ]);
    assert.deepEqual((await Deno.readTextFile(join(host.quadletDir, ".web.app"))).trim().split("\n").sort(), [
      "data.volume",
      "web.container",
      "web.env",
    ]);
    assert.equal(host.reloads, 0, "the backend does not reload: the caller does, once");
    assert.ok(host.callLines("podman").some((l) => /^quadlet install --reload-systemd=false .*\/web$/.test(l)));

    await backend.remove("web", records);
    assert.deepEqual(host.quadletFiles(), []);
  } finally {
    await host.cleanup();
  }
});

Deno.test("native install refuses a set with no quadlet at its top", async () => {
  const { host, backend } = await setup();
  try {
    await assert.rejects(
      backend.install("x", [file("web.container.d/a.conf", "[Container]\n")]),
      /no quadlet file at the top of the set/,
    );
  } finally {
    await host.cleanup();
  }
});

Deno.test("native install over a hand-installed quadlet of the same name reports podman's refusal", async () => {
  const { host, $, backend } = await setup();
  try {
    await Deno.writeTextFile(join(host.quadletDir, "web.container"), "[Container]\nImage=mine\n");
    await assert.rejects(backend.install("web", [WEB, DATA]), (e: Error) => {
      assert.match(
        e.message,
        /Cannot install web with podman quadlet: podman said: .*a Quadlet with name web\.container already exists, refusing to overwrite/,
      );
      return true;
    });
    // podman installs what it can: the other member stays, listed in the app
    assert.deepEqual(host.quadletFiles(), [".web.app", "data.volume", "web.container"]);
    void $;
  } finally {
    await host.cleanup();
  }
});

Deno.test("native replace uses --replace on 5.7+ and removes then installs on 5.6", async () => {
  for (const version of ["5.8.6", "5.6.0"]) {
    const { host, backend } = await setup(version);
    try {
      const first = await backend.install("web", [WEB, DATA]);
      const v2 = file("web.container", `[Container]\nImage=${NGINX}\nVolume=data.volume:/data\nPublishPort=80:80\n`);
      const second = await backend.install("web", [v2, DATA], first);
      assert.equal(await Deno.readTextFile(second.find((r) => r.name === "web.container")!.path), v2.text);
      const lines = host.callLines("podman").filter((l) => l.startsWith("quadlet"));
      if (version === "5.8.6") assert.ok(lines.some((l) => l.includes("--replace")), lines.join("\n"));
      else {
        assert.ok(!lines.some((l) => l.includes("--replace")), lines.join("\n"));
        assert.ok(
          lines.some((l) => l.startsWith("quadlet rm --force --ignore --reload-systemd=false")),
          lines.join("\n"),
        );
      }
    } finally {
      await host.cleanup();
    }
  }
});

Deno.test("native install on podman without quadlet fails with podman's own message", async () => {
  const host = await FakeHost.create({ podmanVersion: "5.4.2" });
  try {
    const $ = createShell({ fakes: host.fakes() });
    const backend = nativeBackend($, await detectPodman($), host.quadletDir);
    await assert.rejects(backend.install("web", [WEB]), /unrecognized command `podman quadlet`/);
  } finally {
    await host.cleanup();
  }
});

Deno.test("podman 5.8.5 keeps an old file's tail on --replace: leger does not use it, the bytes on disk are the new file's", async () => {
  const { host, backend } = await setup("5.8.5");
  try {
    const long = file("web.container", `[Container]\nImage=${NGINX}\nVolume=data.volume:/data\nPublishPort=80:80\n`);
    const first = await backend.install("web", [long, DATA]);
    const short = file("web.container", `[Container]\nImage=${NGINX}\n`);
    await backend.install("web", [short, DATA], first);
    assert.equal(await Deno.readTextFile(join(host.quadletDir, "web.container")), short.text);
    assert.ok(!host.callLines("podman").some((l) => l.includes("--replace")));
    assert.deepEqual(host.quadletFiles(), [".web.app", "data.volume", "web.container"]);
  } finally {
    await host.cleanup();
  }
});

Deno.test("after every install leger hashes the files on disk: a podman that left the wrong bytes is caught and corrected", async () => {
  const host = await FakeHost.create({ podmanVersion: "5.8.5", images: [NGINX] });
  try {
    const $ = createShell({ fakes: host.fakes() });
    const log = memoryLogger();
    // A probe that does not know this version has the bug: --replace is used and the tail stays.
    const backend = nativeBackend($, { ...(await detectPodman($)), replaceKeepsTail: false }, host.quadletDir, log);
    const long = file("web.container", `[Container]\nImage=${NGINX}\nVolume=data.volume:/data\nPublishPort=80:80\n`);
    const first = await backend.install("web", [long, DATA]);
    const short = file("web.container", `[Container]\nImage=${NGINX}\n`);
    const records = await backend.install("web", [short, DATA], first);
    assert.ok(host.callLines("podman").some((l) => l.includes("--replace")));
    assert.equal(await Deno.readTextFile(join(host.quadletDir, "web.container")), short.text);
    assert.equal(records.find((r) => r.name === "web.container")!.sha256, await sha256(short.bytes));
    assert.match(log.text(), /podman 5\.8\.5 left .*web\.container with other bytes than the set's/);
  } finally {
    await host.cleanup();
  }
});

Deno.test("podman 5.8 fails quadlet list and rm once a template unit is installed: leger installs and removes every file anyway", async () => {
  const { host, $, backend } = await setup("5.8.6");
  try {
    const tpl = file("web@.container", `[Container]\nImage=${NGINX}\n`);
    const records = await backend.install("web", [tpl, DATA, file("web@.container.d/a.conf", "[Container]\n")]);
    assert.deepEqual(host.quadletFiles(), [".web.app", "data.volume", "web@.container", "web@.container.d/a.conf"]);
    const list = await run($, ["podman", "quadlet", "list", "--format", "json"]);
    assert.match(list.stderr, /Unit name web@\.service is missing the instance name/);
    await backend.remove("web", records);
    assert.deepEqual(host.quadletFiles(), []);
  } finally {
    await host.cleanup();
  }
});
