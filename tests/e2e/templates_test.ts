/**
 * Template units and `.quadlets` bundles on a real host (run per suite:
 * sid = podman 5.8 native, sid-podman6 = podman 6.1 native, trixie =
 * podman 5.4 files): a template with a linked instance and
 * `DefaultInstance=` installs with its instances running, an update of the
 * template restarts them on the new image, a backup of an instance's `%i`
 * volume restores, and remove leaves the quadlet folder and `podman
 * quadlet list` clean, also after a failed install. A bundle is installed,
 * listed, started, diffed, backed up and removed like any set.
 *
 * @module
 */
import assert from "node:assert/strict";
import { E2E_SUITE, leger, legerJson, sharedHost, unitJournal, WHO, type Who } from "./helpers.ts";
import type { Host } from "../host/guest.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface ListRow {
  name: string;
  state: string;
  backend: string;
  units: { unit: string; active: string }[];
}

const template = (image: string, extra = "") =>
  [
    "[Unit]",
    "Description=leger e2e template %i",
    "",
    "[Container]",
    `Image=${image}`,
    "RunInit=true",
    "Volume=tpl-data-%i:/data",
    `Exec=/bin/sh -c "echo instance-%i; exec httpd -f -p 8080 -h /www"`,
    extra,
    "",
    "[Install]",
    "WantedBy=default.target",
    "DefaultInstance=one",
    "",
  ].join("\n");

function homeOf(who: Who): string {
  return who.user === "root" ? "/root" : `/home/${who.user}`;
}

function quadletDir(who: Who): string {
  return who.user === "root" ? "/etc/containers/systemd" : `/home/${who.user}/.config/containers/systemd`;
}

/** Writes the template set into a folder of the guest: the template, a link as instance `two`. */
async function writeTemplateSet(host: Host, who: Who, dir: string, image: string, extra = ""): Promise<void> {
  await host.writeFile(`${dir}/web@.container`, template(image, extra), { user: who.user });
  const r = await host.sh(`cd ${dir} && ln -sf web@.container web@two.container`, { user: who.user });
  assert.equal(r.code, 0, r.stderr);
}

async function inContainer(host: Host, who: Who, container: string, script: string): Promise<string> {
  const r = await host.exec(["podman", "exec", container, "sh", "-c", script], { user: who.user });
  if (r.code !== 0) {
    // systemd-web_one runs as web@one.service: say what systemd saw of it.
    const unit = container.replace(/^systemd-web_(.*)$/, "web@$1.service");
    assert.fail(`${container}: ${r.stderr}\n${await unitJournal(host, who, unit)}`);
  }
  return r.stdout.trim();
}

/** True when no file of `names` is in the quadlet folder (any depth). */
async function quadletFolderHas(host: Host, who: Who, pattern: string): Promise<string> {
  const r = await host.sh(`find ${quadletDir(who)} -name '${pattern}' 2>/dev/null`, { user: who.user });
  return r.stdout.trim();
}

/** `podman quadlet list` works (where podman has it). */
async function assertQuadletListWorks(host: Host, who: Who): Promise<void> {
  if (E2E_SUITE === "trixie") return; // podman 5.4 has no podman quadlet
  const r = await host.exec(["podman", "quadlet", "list"], { user: who.user });
  assert.equal(r.code, 0, `podman quadlet list failed: ${r.stderr}`);
}

for (const who of WHO) {
  const label = `${who.user} (${who.scope} scope, ${who.backend} backend)`;
  const set = `tpl-${who.backend}`;
  const dir = `${homeOf(who)}/${set}`;

  Deno.test({
    name:
      `${label}: a template with a linked instance and DefaultInstance= runs both instances, updates, backs up, goes away`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      await writeTemplateSet(host, who, dir, "localhost/leger-test:v1");
      const r = await leger(host, who, ["install", dir]);
      assert.equal(r.code, 0, `install: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /template\/default-instance/, "a linked instance is not warned about");
      const [row] = (await legerJson<{ sets: ListRow[] }>(host, who, ["list"])).sets.filter((x) => x.name === set);
      assert.ok(row, "the set is listed");
      assert.deepEqual(row.units.map((u) => `${u.unit}:${u.active}`), [
        "web@one.service:active",
        "web@two.service:active",
      ]);
      assert.equal(row.state, "active");
      // podman 5.8 cannot list or remove templates: leger uses the files backend for this set and says why.
      if (E2E_SUITE === "sid" && who.backend === "native") {
        assert.equal(row.backend, "files");
        const text = await leger(host, who, ["inspect", set]);
        assert.match(text.stdout, /backend: +files, because .*cannot list or remove template units/);
        const doctor = await leger(host, who, ["doctor"]);
        assert.match(doctor.stdout + doctor.stderr, /sets with template units .* use the files backend/);
      }
      for (const inst of ["one", "two"]) {
        assert.equal(await inContainer(host, who, `systemd-web_${inst}`, "cat /VERSION"), "v1");
      }
      const vols = await host.exec(["podman", "volume", "ls", "--format", "{{.Name}}"], { user: who.user });
      assert.match(vols.stdout, /^tpl-data-one$/m);
      assert.match(vols.stdout, /^tpl-data-two$/m);

      // The template changes (the link follows): both instances restart on the new image.
      await writeTemplateSet(host, who, dir, "localhost/leger-test:v2");
      assert.equal((await leger(host, who, ["stage", set])).code, 0);
      const d = await legerJson<{ summary: { units: { restart: string[] } } }>(host, who, ["diff", set]);
      assert.deepEqual(d.summary.units.restart, ["web@one.service", "web@two.service"]);
      const applied = await leger(host, who, ["apply", set]);
      assert.equal(applied.code, 0, `apply: ${applied.stderr}`);
      for (const inst of ["one", "two"]) {
        assert.equal(await inContainer(host, who, `systemd-web_${inst}`, "cat /VERSION"), "v2", inst);
      }

      // Backup and restore of an instance's %i volume.
      await inContainer(host, who, "systemd-web_two", "echo kept > /data/state.txt");
      const [made] =
        (await legerJson<{ backups: { id: string; volumes: { name: string }[] }[] }>(host, who, ["backup", set]))
          .backups;
      assert.ok(made);
      assert.deepEqual(made.volumes.map((v) => v.name), ["tpl-data-one", "tpl-data-two"]);
      await inContainer(host, who, "systemd-web_two", "echo changed > /data/state.txt");
      const restored = await leger(host, who, ["--yes", "restore", set, made.id]);
      assert.equal(restored.code, 0, `restore: ${restored.stderr}`);
      assert.equal(await inContainer(host, who, "systemd-web_two", "cat /data/state.txt"), "kept");

      const removed = await leger(host, who, ["--yes", "remove", set]);
      assert.equal(removed.code, 0, `remove: ${removed.stderr}`);
      assert.equal(await quadletFolderHas(host, who, "web@*"), "", "no template or instance file is left");
      await assertQuadletListWorks(host, who);
      const units = await host.exec(
        ["systemctl", ...(who.scope === "user" ? ["--user"] : []), "is-active", "web@one.service", "web@two.service"],
        { user: who.user },
      );
      assert.doesNotMatch(units.stdout, /^active$/m, "no instance runs after remove");
    },
  });

  Deno.test({
    name: `${label}: a failed install of a set with a template leaves nothing behind; podman quadlet list still works`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      const bad = `${dir}-bad`;
      await writeTemplateSet(host, who, bad, "localhost/leger-test:nope");
      const r = await leger(host, who, ["install", bad, "--health-timeout", "20s"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /web@(one|two)\.service did not start/);
      assert.doesNotMatch(r.stderr, /could not undo/);
      assert.equal(await quadletFolderHas(host, who, "web@*"), "");
      await assertQuadletListWorks(host, who);
      assert.deepEqual(
        (await legerJson<{ sets: ListRow[] }>(host, who, ["list"])).sets.filter((x) => x.name === `${set}-bad`),
        [],
      );
    },
  });

  Deno.test({
    name: `${label}: a .quadlets bundle is installed as its units: listed, started, diffed, backed up, removed`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      const bset = `bundle-${who.backend}`;
      const bdir = `${homeOf(who)}/${bset}`;
      const bundle = (image: string) =>
        [
          "# FileName=bweb",
          "[Container]",
          `Image=${image}`,
          "RunInit=true",
          "Volume=bdata.volume:/data",
          `Exec=/bin/sh -c "exec httpd -f -p 8080 -h /www"`,
          "---",
          "# FileName=bdata",
          "[Volume]",
          "",
        ].join("\n");
      await host.writeFile(`${bdir}/app.quadlets`, bundle("localhost/leger-test:v1"), { user: who.user });
      const r = await leger(host, who, ["install", bdir]);
      assert.equal(r.code, 0, `install: ${r.stderr}`);
      const [row] = (await legerJson<{ sets: ListRow[] }>(host, who, ["list"])).sets.filter((x) => x.name === bset);
      assert.ok(row);
      assert.deepEqual(row.units.map((u) => `${u.unit}:${u.active}`), [
        "bdata-volume.service:active",
        "bweb.service:active",
      ]);
      assert.equal(await inContainer(host, who, "systemd-bweb", "cat /VERSION"), "v1");
      assert.notEqual(
        await quadletFolderHas(host, who, "bweb.container"),
        "",
        "the member is a unit file podman reads",
      );

      await host.writeFile(`${bdir}/app.quadlets`, bundle("localhost/leger-test:v2"), { user: who.user });
      assert.equal((await leger(host, who, ["stage", bset])).code, 0);
      const d = await legerJson<{ summary: { units: { restart: string[] } } }>(host, who, ["diff", bset]);
      assert.deepEqual(d.summary.units.restart, ["bweb.service"]);
      const applied = await leger(host, who, ["apply", bset]);
      assert.equal(applied.code, 0, `apply: ${applied.stderr}`);
      assert.equal(await inContainer(host, who, "systemd-bweb", "cat /VERSION"), "v2");

      const [made] =
        (await legerJson<{ backups: { volumes: { name: string }[] }[] }>(host, who, ["backup", bset])).backups;
      assert.deepEqual(made!.volumes.map((v) => v.name), ["systemd-bdata"]);

      assert.equal((await leger(host, who, ["--yes", "remove", bset])).code, 0);
      assert.equal(await quadletFolderHas(host, who, "b*.container"), "");
      assert.equal(await quadletFolderHas(host, who, "bdata.volume"), "");
      await assertQuadletListWorks(host, who);
    },
  });
}
