import assert from "node:assert/strict";
import type { Manifest } from "../state/manifest.ts";
import type { CollectedFile } from "../source/collect.ts";
import { planBackup, resolveHostPath } from "./plan.ts";

const file = (name: string, text: string): CollectedFile => ({ name, text, bytes: new TextEncoder().encode(text) });

function manifest(units: string[], volumes: Manifest["volumes"]): Manifest {
  return { units, volumes } as unknown as Manifest;
}

Deno.test("planBackup: volumes by VolumeName=, named volumes, binds, and only the units that use them", () => {
  const files = [
    file("db.volume", "[Volume]\nVolumeName=pgdata\n"),
    file("db.container", "[Container]\nImage=postgres\nVolume=db.volume:/var/lib/postgresql/data\n"),
    file("cache.container", "[Container]\nImage=redis\nMount=type=volume,source=cache,target=/data\n"),
    file("proxy.container", "[Container]\nImage=caddy\nVolume=/srv/caddy:/etc/caddy:ro\n"),
    file("stateless.container", "[Container]\nImage=whoami\n"),
    file("app.network", "[Network]\n"),
    file("db.container.d/override.conf", "[Container]\nVolume=/ignored:/x\n"),
  ];
  const m = manifest(
    ["app-network.service", "db-volume.service", "cache.service", "db.service", "proxy.service", "stateless.service"],
    [{ name: "pgdata", unitFile: "db.volume" }],
  );
  const plan = planBackup(m, files);
  assert.deepEqual(plan.volumes, [{ name: "cache" }, { name: "pgdata", unitFile: "db.volume" }]);
  assert.deepEqual(plan.binds, ["/srv/caddy"]);
  assert.deepEqual(plan.consumers, ["cache.service", "db.service", "proxy.service"]);
});

Deno.test("planBackup: a kube unit is stopped whenever the set has a volume", () => {
  const files = [file("app.kube", "[Kube]\nYaml=app.yaml\n"), file("data.volume", "[Volume]\n")];
  const plan = planBackup(manifest(["data-volume.service", "app.service"], []), files);
  assert.deepEqual(plan.volumes, [{ name: "systemd-data", unitFile: "data.volume" }]);
  assert.deepEqual(plan.consumers, ["app.service"]);
  assert.deepEqual(planBackup(manifest(["app.service"], []), [files[0]!]).consumers, []);
});

Deno.test("resolveHostPath: absolute, %h, relative to the unit's folder, and specifiers it cannot resolve", () => {
  const ctx = {
    home: "/home/alice",
    quadletDir: "/home/alice/.config/containers/systemd",
    setName: "web",
    backend: "files" as const,
  };
  assert.equal(resolveHostPath("/srv/x/", ctx), "/srv/x/");
  assert.equal(resolveHostPath("%h/data", ctx), "/home/alice/data");
  assert.equal(resolveHostPath("./conf", ctx), "/home/alice/.config/containers/systemd/web/conf");
  assert.equal(resolveHostPath("./conf", { ...ctx, backend: "native" }), "/home/alice/.config/containers/systemd/conf");
  assert.equal(resolveHostPath("%t/sock", ctx), undefined);
  assert.equal(resolveHostPath("%h/x", { ...ctx, home: undefined } as never), undefined);
});
