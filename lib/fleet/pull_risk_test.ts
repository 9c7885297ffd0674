import { createLeger } from "../leger.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX } from "../../tests/fakes/fake_host_fixtures.ts";
import { makeRepo } from "../../tests/helpers/git_repo.ts";
import type { UpdateEvent } from "../gitops/updater.ts";
import { listManifests } from "../state/manifest.ts";
import { syncFleet } from "./pull.ts";

const VPN = {
  "apps/vpn/vpn.container": `[Container]\nImage=${NGINX}\nAddCapability=NET_ADMIN\nAddDevice=/dev/net/tun\n`,
};

async function host(config: string) {
  const b = await bench({ backend: "files", crashAfterMs: 100 });
  const dir = join(b.host.root, "fleet-repo");
  await makeRepo(dir, [{ message: "fleet", files: { "leger-hosts.yaml": "all: [apps/vpn]\n", ...VPN } }]);
  await Deno.mkdir(join(b.host.home, ".config/leger"), { recursive: true });
  await Deno.writeTextFile(
    join(b.host.home, ".config/leger/config.yaml"),
    `host-name: web-1\nhealth-settle: 300ms\nfleet:\n  source: file://${dir}\n  ref: main\n${config}`,
  );
  const engine = await b.another();
  const events: UpdateEvent[] = [];
  const sync = () => syncFleet(engine, createLeger(engine), { force: true, onEvent: (e) => void events.push(e) });
  return { b, engine, events, sync };
}

Deno.test("the fleet does not install a set that asks for host access unless config.yaml accepts its risks", async () => {
  const refused = await host("");
  try {
    const r = await refused.sync();
    assert.deepEqual(r.assigned.map((a) => a.outcome), ["failed"]);
    assert.deepEqual(await listManifests(refused.engine.paths), []);
    assert.match(refused.events.at(-1)!.message, /vpn asks for host access .*CAP_NET_ADMIN.*not installed unattended/);
  } finally {
    await refused.b.cleanup();
  }
  const accepted = await host("updates:\n  sets:\n    vpn: { accept-risks: true }\n");
  try {
    const r = await accepted.sync();
    assert.deepEqual(r.assigned.map((a) => [a.name, a.outcome]), [["vpn", "installed"]]);
  } finally {
    await accepted.b.cleanup();
  }
});

Deno.test("the fleet refuses an http:// repository off this host unless fleet.allow-insecure-transport", async () => {
  const h = await host("");
  try {
    h.engine.config.fleet!.source = "http://git.example.org/ops/fleet.git";
    const r = await h.sync();
    assert.equal(r.result, "failed");
    assert.match(r.error ?? "", /fetched over http:\/\/.*fleet\.allow-insecure-transport: true/);
  } finally {
    await h.b.cleanup();
  }
});
