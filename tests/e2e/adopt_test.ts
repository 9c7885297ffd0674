/**
 * Adopting what a host already runs, on a real systemd + podman host, as
 * alice (user scope) and root (system scope): hand-written quadlets (a
 * container with a named volume, a network and a drop-in folder; a
 * template with an instance) are running; `list --all` shows them
 * unowned; `adopt` takes them with no unit's InvocationID changing;
 * backup, break the volume, restore brings the data back; `export` writes a
 * folder `validate` passes and `install --replace` takes through the staged
 * path; `remove` leaves nothing behind; adopting twice and adopting a unit a
 * set owns are refused with the host unchanged.
 *
 * @module
 */
import assert from "node:assert/strict";
import { BACKENDS, httpGet, leger, legerJson, portFor, quadletDirOf, sharedHost, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const WHO: Who[] = [
  { user: "alice", scope: "user", backend: BACKENDS[0]! },
  { user: "root", scope: "system", backend: BACKENDS[0]! },
];

function handWritten(port: number): Record<string, string> {
  return {
    "hweb.container": [
      "[Unit]",
      "Description=written by hand",
      "",
      "[Container]",
      "Image=localhost/leger-test:v1",
      "RunInit=true",
      "Volume=hweb-data.volume:/data",
      "Network=hweb.network",
      "EnvironmentFile=hweb.env",
      `Exec=/bin/sh -c "echo $$GREETING; exec httpd -f -p 8080 -h /www"`,
      "",
    ].join("\n"),
    "hweb.container.d/10-port.conf": `[Container]\nPublishPort=127.0.0.1:${port}:8080\n`,
    "hweb.env": "GREETING=hello-by-hand\n",
    "hweb-data.volume": "[Volume]\n",
    "hweb.network": "[Network]\n",
    "hjob@.container": [
      "[Container]",
      "Image=localhost/leger-test:v1",
      "RunInit=true",
      "Exec=/bin/sleep 100000",
      "",
    ].join("\n"),
  };
}

const UNITS = ["hweb.service", "hweb-data-volume.service", "hweb-network.service", "hjob@one.service"];

function systemctl(who: Who): string[] {
  return who.scope === "user" ? ["systemctl", "--user"] : ["systemctl"];
}

async function invocations(who: Who): Promise<string[]> {
  const host = await sharedHost();
  const ids: string[] = [];
  for (const unit of UNITS) {
    const r = await host.exec([...systemctl(who), "show", "-p", "InvocationID", "--value", unit], {
      user: who.user,
      check: true,
    });
    assert.match(r.stdout.trim(), /^[0-9a-f]{32}$/, `${unit} runs (it has an InvocationID)`);
    ids.push(`${unit} ${r.stdout.trim()}`);
  }
  return ids;
}

function podman(who: Who, args: string[]) {
  return sharedHost().then((host) => host.exec(["podman", ...args], { user: who.user }));
}

for (const who of WHO) {
  const dir = quadletDirOf(who);
  const port = portFor(who, 71);
  const unitsOf = (s: { units: { unit: string }[] }) => s.units.map((u) => u.unit).sort();

  Deno.test({
    name: `${who.user}: hand-written quadlets run; list --all shows them unowned; adopt takes them, restarting nothing`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      for (const [name, text] of Object.entries(handWritten(port))) {
        await host.writeFile(`${dir}/${name}`, text, { user: who.user });
      }
      await host.exec(["ln", "-s", "hjob@.container", `${dir}/hjob@one.container`], { user: who.user, check: true });
      await host.exec([...systemctl(who), "daemon-reload"], { user: who.user, check: true });
      await host.exec([...systemctl(who), "start", "hweb.service", "hjob@one.service"], {
        user: who.user,
        check: true,
      });
      assert.match(await httpGet(host, `http://127.0.0.1:${port}/`) ?? "", /v1/);

      const all = await legerJson<
        {
          sets: unknown[];
          unowned: {
            name: string;
            grouping: string;
            state: string;
            units: { unit: string }[];
            files: { name: string }[];
          }[];
        }
      >(host, who, ["list", "--all"]);
      assert.deepEqual(all.sets, []);
      const web = all.unowned.find((g) => g.name === "hweb");
      const job = all.unowned.find((g) => g.name === "hjob");
      assert.ok(web && job, JSON.stringify(all.unowned));
      assert.equal(web.grouping, "dependencies");
      assert.deepEqual(web.files.map((f) => f.name), [
        "hweb-data.volume",
        "hweb.container",
        "hweb.container.d/10-port.conf",
        "hweb.env",
        "hweb.network",
      ]);
      assert.deepEqual(unitsOf(web), ["hweb-data-volume.service", "hweb-network.service", "hweb.service"]);
      assert.equal(web.state, "active");
      assert.deepEqual(job.files.map((f) => f.name), ["hjob@.container", "hjob@one.container"]);
      assert.deepEqual(unitsOf(job), ["hjob@one.service"]);
      const text = await leger(host, who, ["list", "--all"]);
      assert.match(text.stdout, /Not owned by a set/);
      assert.match(text.stdout, /hweb\s+active/);

      assert.match((await leger(host, who, ["doctor"])).stdout, /2 group\(s\) not owned by a set: hjob, hweb/);
      const dry = await legerJson<{ dryRun: boolean; sets: { name: string }[] }>(host, who, [
        "adopt",
        "--dry-run",
        "hweb",
      ]);
      assert.equal(dry.dryRun, true);
      assert.deepEqual(
        (await legerJson<{ sets: unknown[] }>(host, who, ["list"])).sets,
        [],
        "a dry run adopts nothing",
      );

      const before = await invocations(who);
      const files = await host.exec(["sh", "-c", `cd ${dir} && find . -type f -o -type l | sort | xargs sha256sum`], {
        user: who.user,
        check: true,
      });
      const adopted = await legerJson<{ sets: { name: string; units: string[] }[] }>(host, who, [
        "adopt",
        "hweb",
        "hjob@one.service",
      ]);
      assert.deepEqual(adopted.sets.map((s) => s.name), ["hweb", "hjob"]);
      assert.deepEqual(await invocations(who), before, "no unit was restarted");
      const after = await host.exec(["sh", "-c", `cd ${dir} && find . -type f -o -type l | sort | xargs sha256sum`], {
        user: who.user,
        check: true,
      });
      assert.equal(after.stdout, files.stdout, "every file stays byte for byte where it was");
      const sets = await legerJson<{ sets: { name: string; source: string; state: string }[]; unowned: unknown[] }>(
        host,
        who,
        ["list", "--all"],
      );
      assert.deepEqual(sets.sets.map((s) => [s.name, s.source, s.state]), [
        ["hjob", "adopted", "active"],
        ["hweb", "adopted", "active"],
      ]);
      assert.deepEqual(sets.unowned, []);
      const doctor = await leger(host, who, ["doctor"]);
      assert.doesNotMatch(doctor.stdout, /not owned by a set/);

      if (who.user === "alice") {
        // System scope without root: refused before anything is read or written.
        const sys = await host.exec(["leger", "--scope", "system", "adopt", "hweb"], { user: "alice" });
        assert.equal(sys.code, 6, sys.stderr);
        assert.match(sys.stderr, /Cannot use --scope system: it needs root/);
      }
      const twice = await leger(host, who, ["adopt", "hweb"]);
      assert.equal(twice.code, 2, twice.stderr);
      assert.match(twice.stderr, /already belongs to the set hweb \(adopted\)/);
      const owned = await leger(host, who, ["adopt", "hweb.container"]);
      assert.notEqual(owned.code, 0);
      assert.match(owned.stderr, /hweb\.container already belongs to the set hweb/);
      const validated = await leger(host, who, ["status", "hweb"]);
      assert.equal(validated.code, 0, validated.stderr);
      assert.deepEqual(await invocations(who), before, "refusals change nothing");
    },
  });

  Deno.test({
    name: `${who.user}: an adopted set's volume is backed up and restored after it is broken`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      assert.equal((await podman(who, ["exec", "systemd-hweb", "sh", "-c", "echo precious > /data/keep.txt"])).code, 0);
      const made = await legerJson<{ backups: { id: string; volumes: { name: string }[] }[] }>(host, who, [
        "backup",
        "hweb",
      ]);
      assert.deepEqual(made.backups[0]!.volumes.map((v) => v.name), ["systemd-hweb-data"]);
      const broke = await podman(who, [
        "exec",
        "systemd-hweb",
        "sh",
        "-c",
        "rm /data/keep.txt && echo junk > /data/junk",
      ]);
      assert.equal(broke.code, 0, broke.stderr);
      const restored = await legerJson<{ health: { ok: boolean } }>(host, who, ["--yes", "restore", "hweb"]);
      assert.equal(restored.health.ok, true);
      const back = await podman(who, ["exec", "systemd-hweb", "sh", "-c", "cat /data/keep.txt; ls /data"]);
      assert.equal(back.code, 0, back.stderr);
      assert.match(back.stdout, /^precious\n/);
      assert.doesNotMatch(back.stdout, /junk/);
      assert.match(await httpGet(host, `http://127.0.0.1:${port}/`) ?? "", /v1/);
    },
  });

  Deno.test({
    name: `${who.user}: export writes a folder validate passes; install --replace from it goes through stage and apply`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      const out = who.user === "root" ? "/root/hweb-export" : "/home/alice/hweb-export";
      const ex = await legerJson<{ files: string[] }>(host, who, ["export", "hweb", out]);
      assert.ok(
        ex.files.includes(".leger.yaml") && ex.files.includes("hweb.container.d/10-port.conf"),
        ex.files.join(),
      );
      const valid = await leger(host, who, ["validate", out]);
      assert.equal(valid.code, 0, valid.stdout + valid.stderr);
      await host.writeFile(`${out}/hweb.env`, "GREETING=hello-from-git\n", { user: who.user });
      const backupsBefore = (await legerJson<{ backups: unknown[] }>(host, who, ["backups", "hweb"])).backups.length;
      const r = await leger(host, who, ["--yes", "install", out, "--name", "hweb", "--replace"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /staged .* over the adopted files/);
      const backups = (await legerJson<{ backups: { reason: string }[] }>(host, who, ["backups", "hweb"])).backups;
      assert.equal(backups.length, backupsBefore + 1);
      assert.equal(backups[0]!.reason, "before-apply", "apply backed it up first");
      const sets = await legerJson<{ sets: { name: string; source: string; state: string }[] }>(host, who, ["list"]);
      assert.deepEqual(sets.sets.find((s) => s.name === "hweb")?.state, "active");
      assert.equal(sets.sets.find((s) => s.name === "hweb")?.source, out);
      assert.match(await httpGet(host, `http://127.0.0.1:${port}/`) ?? "", /v1/);
      const journal = await host.exec([
        "journalctl",
        ...(who.scope === "user" ? ["--user"] : []),
        "-u",
        "hweb.service",
        "-n",
        "20",
        "--no-pager",
      ], { user: who.user });
      assert.match(journal.stdout, /hello-from-git/, "the changed unit was restarted with the new env file");
    },
  });

  Deno.test({
    name: `${who.user}: remove of adopted sets leaves nothing behind`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      for (const name of ["hweb", "hjob"]) {
        const r = await leger(host, who, ["--yes", "remove", name]);
        assert.equal(r.code, 0, r.stderr);
      }
      const left = await host.exec(["sh", "-c", `find ${dir} -name 'h*' -o -name '.h*'`], { user: who.user });
      assert.equal(left.stdout.trim(), "", `left in the quadlet folder: ${left.stdout}`);
      const all = await legerJson<{ sets: unknown[]; unowned: unknown[] }>(host, who, ["list", "--all"]);
      assert.deepEqual([all.sets, all.unowned], [[], []]);
      const active = await host.exec([...systemctl(who), "is-active", "hweb.service", "hjob@one.service"], {
        user: who.user,
      });
      assert.doesNotMatch(active.stdout, /^active/m);
    },
  });
}
