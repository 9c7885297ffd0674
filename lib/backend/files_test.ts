import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeHost } from "../../tests/fakes/fake_host.ts";
import { NGINX } from "../../tests/fakes/fake_host_fixtures.ts";
import { sha256 } from "../core/fs.ts";
import { createShell } from "../host/shell.ts";
import type { CollectedFile } from "../source/collect.ts";
import { Systemd } from "../host/systemd.ts";
import { filesBackend } from "./files.ts";

const file = (name: string, text: string): CollectedFile => ({ name, text, bytes: new TextEncoder().encode(text) });

Deno.test("the files backend writes the set into its own folder, which the generator reads", async () => {
  const host = await FakeHost.create({ podmanVersion: "5.4.2", images: [NGINX] });
  try {
    const backend = filesBackend(host.quadletDir);
    const web = file("web.container", `[Container]\nImage=${NGINX}\n`);
    const records = await backend.install("web", [
      file(".leger.yaml", "version: 1\n"),
      web,
      file("web.container.d/port.conf", "[Container]\nPublishPort=8080:80\n"),
      file("app.env", "A=1\n"),
    ]);
    assert.deepEqual(records.map((r) => `${r.name}:${r.kind}`), [
      ".leger.yaml:meta",
      "web.container:quadlet",
      "web.container.d/port.conf:asset",
      "app.env:asset",
    ]);
    assert.equal(records[1]!.sha256, await sha256(web.text));
    assert.deepEqual(host.quadletFiles(), ["web/app.env", "web/web.container", "web/web.container.d/port.conf"]);
    assert.equal((await Deno.stat(join(host.quadletDir, "web/web.container"))).mode! & 0o777, 0o644);

    const systemd = new Systemd(createShell({ fakes: host.fakes() }), "user");
    await systemd.daemonReload();
    await systemd.start(["web.service"]);
    assert.deepEqual(host.containers()["systemd-web"]?.ports, ["8080:80"], "the drop-in applies");

    // a new version without the drop-in and the env file: both go
    const next = await backend.install("web", [web], records);
    assert.deepEqual(next.map((r) => r.name), ["web.container"]);
    assert.deepEqual(host.quadletFiles(), ["web/web.container"]);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(join(host.quadletDir, "web")))).map((e) => e.name),
      ["web.container"],
      "the emptied drop-in folder went with its file",
    );

    await backend.remove("web", next);
    assert.deepEqual(host.quadletFiles(), []);
    // Nothing is left: no emptied drop-in folder, no set folder.
    assert.deepEqual(await Array.fromAsync(Deno.readDir(host.quadletDir)), []);
  } finally {
    await host.cleanup();
  }
});
