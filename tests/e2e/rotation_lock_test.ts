/**
 * The daemon's rotations against leger's locked operations, on a real
 * systemd + podman host, with the Setec stand-in over HTTPS and alice's
 * daemon polling every second:
 *
 * - a rotation during a backup (which stopped the set's unit for a
 *   consistent copy) and during a restore never starts the unit; the
 *   rotation lands after, the copy and the restored data are exact;
 * - a rotation never starts a unit the user stopped;
 * - several install / update (apply) / backup / remove at once, on
 *   different and on the same sets, while the daemon rotates: each ends at
 *   its old or its new version, nothing is orphaned, no lock is left held,
 *   no run hangs (exit 4 "locked" is an acceptable answer for a loser).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ExecResult } from "../host/guest_exec.ts";
import { BACKENDS, httpGet, leger, sharedHost, tokenContainer, waitFor, type Who } from "./helpers.ts";
import { type GuestSetec, guestSetec } from "./setec_guest.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Prints a failure at once (a later hang would hide Deno's end-of-run report). */
function loud(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (error) {
      console.error(`FAILURE: ${error instanceof Error ? error.stack ?? error.message : error}`);
      throw error;
    }
  };
}
const ALICE: Who = { user: "alice", scope: "user", backend: BACKENDS[0]! };
const HOME = "/home/alice";
const PORT = 18801;
const TOKEN = "leger/vault/token";
const run = crypto.randomUUID().slice(0, 8);
const value = (n: number) => `e2e-lock-token-${n}-${run}`;

let setecP: Promise<GuestSetec> | undefined;
function setec(): Promise<GuestSetec> {
  return setecP ??= (async () => {
    const host = await sharedHost();
    const s = await guestSetec(host, 8710);
    await s.start();
    return s;
  })();
}

async function sha256(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sh(cmd: string, check = true): Promise<ExecResult> {
  const r = await (await sharedHost()).sh(cmd, { user: "alice" });
  if (check) assert.equal(r.code, 0, `${cmd}\n${r.stderr}`);
  return r;
}

const isActive = async (unit: string) => (await sh(`systemctl --user is-active ${unit}`, false)).stdout.trim();
const served = async (port = PORT) => (await httpGet(await sharedHost(), `http://127.0.0.1:${port}/`, 1000))?.trim();
const daemonJournal = async () => (await sh("journalctl --user -u leger-daemon --no-pager -o cat", false)).stdout;

async function writeSet(name: string, files: Record<string, string>): Promise<string> {
  const host = await sharedHost();
  const dir = `${HOME}/sets/${name}`;
  await host.exec(["rm", "-rf", dir], { user: "alice" });
  for (const [file, text] of Object.entries(files)) await host.writeFile(`${dir}/${file}`, text, { user: "alice" });
  return dir;
}

/** Samples a unit's state every 200 ms for `ms`; the states seen. */
async function sample(unit: string, ms: number): Promise<string[]> {
  const seen: string[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    seen.push(await isActive(unit));
    await new Promise((r) => setTimeout(r, 200));
  }
  return seen;
}

/** Runs a promise, telling whether it is still pending. */
function track<T>(p: Promise<T>): { done: () => boolean; result: Promise<T> } {
  let settled = false;
  const result = p.finally(() => settled = true);
  return { done: () => settled, result };
}

Deno.test({
  name: "setup: a set with a secret and 300 MB of volume data; alice's daemon polls the stand-in over HTTPS",
  ...opts,
  fn: loud(async () => {
    const host = await sharedHost();
    const s = await setec();
    assert.equal(await s.put(TOKEN, value(1)), 1);
    await host.writeFile(
      `${HOME}/.config/leger/config.yaml`,
      `forges:\n  127.0.0.1:8418: gitea\nbackup-compression: gzip\n${s.configLines(1)}`,
      { user: "alice" },
    );
    const dir = await writeSet("vault", {
      "vault.container": tokenContainer(PORT, "vault-token", { volume: "vault-data.volume" }),
      "vault-data.volume": "[Volume]\n",
      ".leger.yaml": `secrets:\n  - name: ${TOKEN}\n    podman-secret: vault-token\n`,
    });
    const r = await leger(host, ALICE, ["install", dir, "--name", "vault"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await served(), await sha256(value(1)));
    await sh("podman exec systemd-vault sh -c 'head -c 300000000 /dev/urandom > /data/blob && sync'");
    const d = await leger(host, ALICE, ["daemon", "install", "--now"]);
    assert.equal(d.code, 0, d.stderr);
    await waitFor(
      "the daemon to poll",
      async () => /polling https:\/\/127\.0\.0\.1:8710/.test(await daemonJournal()),
      60_000,
    );
  }),
});

Deno.test({
  name: "a rotation during a backup waits for it: the stopped unit is not started mid-copy, the copy is exact",
  ...opts,
  fn: loud(async () => {
    const host = await sharedHost();
    const s = await setec();
    const blob = (await sh("podman exec systemd-vault sha256sum /data/blob")).stdout.split(" ")[0];
    const backup = track(leger(host, ALICE, ["--json", "backup", "vault"]));
    await waitFor(
      "the backup to stop vault.service",
      async () => (await isActive("vault.service")) !== "active" || backup.done(),
      60_000,
    );
    assert.ok(!backup.done(), "the backup finished before the test could rotate: make the data bigger");
    await s.rotate(TOKEN, value(2));
    const seen = await sample("vault.service", 4000);
    assert.ok(!backup.done(), `the backup ended within the sampling window, inconclusive (${seen.join(",")})`);
    assert.ok(!seen.includes("active"), `vault.service was started during the backup: ${seen.join(",")}`);
    const r = await backup.result;
    assert.equal(r.code, 0, r.stderr);
    const [made] = JSON.parse(r.stdout).backups as { id: string }[];
    // The rotation lands once the backup is done, and the unit runs as the user left it.
    await waitFor("the rotation after the backup", async () => (await served()) === await sha256(value(2)), 30_000);
    assert.equal(await isActive("vault.service"), "active");
    assert.match(await daemonJournal(), /poll waits: another leger run holds the scope lock/);
    assert.match(await daemonJournal(), /restarted vault\.service \(try-restart/);

    // Restore the copy while another rotation comes in. The restore stops and starts the unit more than once
    // (its before-restore backup, then the import), so the proof is the daemon waiting, and the end state.
    await sh("podman exec systemd-vault sh -c 'echo changed > /data/blob'");
    const waitsBefore = (await daemonJournal()).split("poll waits: another leger run holds the scope lock").length;
    const restore = track(leger(host, ALICE, ["--yes", "restore", "vault", made!.id]));
    await waitFor(
      "the restore to stop vault.service",
      async () => (await isActive("vault.service")) !== "active" || restore.done(),
      300_000,
    );
    await s.rotate(TOKEN, value(3));
    const rr = await restore.result;
    assert.equal(rr.code, 0, rr.stderr);
    await waitFor("the rotation after the restore", async () => (await served()) === await sha256(value(3)), 30_000);
    assert.ok(
      (await daemonJournal()).split("poll waits: another leger run holds the scope lock").length > waitsBefore,
      "the daemon did not wait for the restore",
    );
    assert.equal((await sh("podman exec systemd-vault sha256sum /data/blob")).stdout.split(" ")[0], blob);
    assert.equal(await isActive("vault.service"), "active");
  }),
});

Deno.test({
  name: "a rotation never starts a unit the user stopped; it runs with the new value once started",
  ...opts,
  fn: loud(async () => {
    const host = await sharedHost();
    const s = await setec();
    assert.equal((await leger(host, ALICE, ["stop", "vault"])).code, 0);
    const before = (await daemonJournal()).split("restarted vault.service (try-restart").length;
    await s.rotate(TOKEN, value(4));
    await waitFor(
      "the daemon's try-restart",
      async () => (await daemonJournal()).split("restarted vault.service (try-restart").length > before,
      30_000,
    );
    const states = await sample("vault.service", 2000);
    assert.ok(states.every((x) => x === "inactive"), `a rotation started a stopped unit: ${states.join(",")}`);
    assert.equal((await leger(host, ALICE, ["start", "vault"])).code, 0);
    await waitFor("the new value", async () => (await served()) === await sha256(value(4)), 20_000);
  }),
});

const SHARED = "leger/shared/token";

function sharedSet(port: number, version: string): Record<string, string> {
  return {
    [`app.container`]: tokenContainer(port, "shared-token").replace(
      "[Container]\n",
      `[Container]\nEnvironment=SET_VERSION=${version}\n`,
    ),
    ".leger.yaml": `secrets:\n  - name: ${SHARED}\n    podman-secret: shared-token\n`,
  };
}

interface ListRow {
  name: string;
  state: string;
  units: { unit: string; active: string }[];
}

Deno.test({
  name: "install, update, backup and remove at once on different and on the same sets while the daemon rotates: " +
    "every set is whole, nothing is orphaned, no lock is left held, nothing hangs",
  ...opts,
  fn: loud(async () => {
    const host = await sharedHost();
    const s = await setec();
    await s.put(SHARED, "shared-0");
    const ports: Record<string, number> = { p1: 18811, p2: 18812, p3: 18813, p4: 18814 };
    const dirs: Record<string, string> = {};
    for (const name of Object.keys(ports)) dirs[name] = await writeSet(name, sharedSet(ports[name]!, "one"));
    // Renamed unit files per set, so the sets do not clash.
    for (const name of Object.keys(ports)) {
      await sh(`cd ${dirs[name]} && mv app.container ${name}.container`);
    }
    for (const name of ["p1", "p3"]) {
      const r = await leger(host, ALICE, ["install", dirs[name]!, "--name", name]);
      assert.equal(r.code, 0, r.stderr);
    }
    // p1 gets a new version to apply.
    await host.writeFile(`${dirs.p1}/p1.container`, sharedSet(ports.p1!, "two")["app.container"]!, { user: "alice" });

    let rotating = true;
    let rotations = 0;
    let lastVersion = 0;
    const rotationErrors: string[] = [];
    const rotator = (async () => {
      while (rotating) {
        try {
          lastVersion = await s.rotate(SHARED, `shared-${rotations + 1}-${run}`);
          rotations++;
        } catch (error) {
          rotationErrors.push(String(error));
        }
        await new Promise((r) => setTimeout(r, 700));
      }
    })();
    const jobs: [string, string[]][] = [
      ["install p2", ["install", dirs.p2!, "--name", "p2"]],
      ["install p2 again", ["install", dirs.p2!, "--name", "p2"]],
      ["update p1", ["--yes", "update", "p1"]],
      ["backup p1", ["backup", "p1"]],
      ["backup p3", ["backup", "p3"]],
      ["remove p3", ["--yes", "remove", "p3"]],
      ["remove p3 again", ["--yes", "remove", "p3"]],
      ["install p4", ["install", dirs.p4!, "--name", "p4"]],
    ];
    const started = Date.now();
    const results = await Promise.all(jobs.map(async ([what, args]) => {
      const r = await leger(host, ALICE, args); // 240 s timeout each: a hang fails the test
      return { what, code: r.code, stderr: r.stderr };
    }));
    rotating = false;
    await rotator;
    const took = Math.round((Date.now() - started) / 1000);
    console.log(
      `the runs, in ${took} s:\n${results.map((r) => `  ${r.what}: exit ${r.code}`).join("\n")}`,
    );
    const report = results.map((r) => `${r.what}: exit ${r.code} ${r.stderr.split("\n").filter(Boolean).at(-1) ?? ""}`)
      .join("\n");
    assert.ok(took < 240, `the runs took ${took} s:\n${report}`);
    assert.ok(rotations >= 2, `only ${rotations} rotations happened during the runs: ${rotationErrors.join("; ")}`);
    for (const r of results) {
      // 0: done; 4: locked; for two runs on one set, the later one may find it already installed (1, with the
      // hint to update it or pass --replace) or already removed (5, not found), whichever of the two won the lock.
      const lostRace = (r.code === 1 && /leger update \S+.*--replace to replace it/.test(r.stderr)) || r.code === 5;
      assert.ok(r.code === 0 || r.code === 4 || lostRace, `${r.what} failed:\n${report}`);
    }
    const anyOk = (...what: string[]) => results.some((r) => what.includes(r.what) && r.code === 0);
    assert.ok(anyOk("install p2", "install p2 again"), `neither install of p2 succeeded:\n${report}`);

    // Wait for the daemon to settle on the last rotation (its status is the last finished cycle's, restarts
    // included), then check every set.
    await waitFor("the daemon to hold the last rotation", async () => {
      const status = JSON.parse((await leger(host, ALICE, ["--json", "secrets", "status"])).stdout);
      return status.secrets?.find((x: { name: string }) => x.name === SHARED)?.version === lastVersion || undefined;
    }, 60_000);
    const rows = JSON.parse((await leger(host, ALICE, ["--json", "list"])).stdout).sets as ListRow[];
    const names = rows.map((r) => r.name).sort();
    const expect = ["p1", "p2", "vault", ...(anyOk("install p4") ? ["p4"] : [])];
    if (!anyOk("remove p3", "remove p3 again")) expect.push("p3");
    assert.deepEqual(names, expect.sort(), `leger list: ${names.join(", ")}; expected ${expect.join(", ")}\n${report}`);
    // The last rotation's try-restarts may still be under way: every set must settle at active.
    await waitFor("every set to be active", async () => {
      const now = JSON.parse((await leger(host, ALICE, ["--json", "list"])).stdout).sets as ListRow[];
      return now.every((r) => r.state === "active") || undefined;
    }, 60_000).catch(() => {
      throw new Error(
        `not every set came back active: ${JSON.stringify(rows.map((r) => [r.name, r.state]))}\n${report}`,
      );
    });
    // p1 is entirely at one version: the unit file and the running container agree.
    const p1File = (await sh("cat $(find ~/.config/containers/systemd -name p1.container | head -1)")).stdout;
    const p1Env = (await sh("podman inspect --format '{{range .Config.Env}}{{println .}}{{end}}' systemd-p1")).stdout;
    const fileVersion = /SET_VERSION=(\w+)/.exec(p1File)?.[1];
    assert.ok(fileVersion === "one" || fileVersion === "two", p1File);
    assert.match(p1Env, new RegExp(`SET_VERSION=${fileVersion}`));
    // Nothing orphaned: quadlet files, containers and podman secrets belong to listed sets.
    const files = (await sh("find ~/.config/containers/systemd -name '*.container' -printf '%f\\n' | sort")).stdout
      .split("\n").filter(Boolean);
    assert.deepEqual(
      files,
      names.map((n) => `${n}.container`).sort(),
      `quadlet files: ${files.join(", ")}; sets ${names.join(", ")}\n${report}`,
    );
    const containers = (await sh("podman ps -a --format '{{.Names}}' | sort")).stdout.split("\n").filter(Boolean);
    assert.deepEqual(
      containers,
      names.map((n) => `systemd-${n}`).sort(),
      `containers: ${containers.join(", ")}; sets ${names.join(", ")}\n${report}`,
    );
    const secrets = (await sh("podman secret ls --format '{{.Name}}' | sort")).stdout.split("\n").filter(Boolean);
    assert.deepEqual(secrets, ["shared-token", "vault-token"]);
    // No interrupted operation left behind, and the lock is free.
    assert.equal((await sh("ls -A ~/.local/share/leger/journal 2>/dev/null | wc -l")).stdout.trim(), "0");
    // The daemon polls every second and holds the lock while a poll syncs: a lock left held is one that never frees.
    assert.equal((await sh("flock -w 15 ~/.local/share/leger/leger.lock true", false)).code, 0, "a lock is left held");
    // Every running set got the last rotated value.
    const want = await sha256(`shared-${rotations}-${run}`);
    for (const n of names.filter((n) => n !== "vault")) {
      await waitFor(`${n} to serve the last rotation`, async () => (await served(ports[n])) === want, 30_000);
    }
  }),
});
