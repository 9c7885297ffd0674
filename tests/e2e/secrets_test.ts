/**
 * Setec secrets with the leger daemon on a real systemd + podman host. The
 * Setec stand-in (tests/fakes/setec/server.ts, with an ACL) runs inside the
 * guest on loopback over HTTPS, with a certificate of a test CA that leger
 * is told to trust (daemon.setec-ca-file); alice runs the daemon as her user unit, installed by
 * `leger daemon install --now`, polling every 2 s. A set's container gets
 * the secret as an environment variable and serves its SHA-256 (never the
 * value), so a rotation is seen from outside: put + activate in Setec, and
 * the Podman secret is replaced, the container restarted and the checksum
 * changes. With Setec down, the daemon and the units come up from the
 * cache. No value may appear in any output, journal or state file.
 *
 * The tests run in order and build on each other (one host per file).
 *
 * @module
 */
import assert from "node:assert/strict";
import { httpGet, sharedHost, waitFor } from "./helpers.ts";
import {
  APP_PORT,
  b64,
  containerId,
  daemonAnswers,
  daemonJournal,
  daemonUnit,
  HOME,
  installedSets,
  leger,
  legerJson,
  legerYaml,
  podmanSecretExists,
  podmanSecretUpdated,
  POLL_MS,
  secretContainer,
  servedChecksum,
  SETEC,
  SETEC_UNIT,
  setecActivate,
  setecPut,
  sha256,
  stand,
  startSetec,
  type StatusOut,
  type SyncOut,
  systemctlUser,
  transcript,
  VALUES,
  waitForChecksum,
  writeSet,
} from "./secrets_steps.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "leger daemon install --now runs the daemon as alice's user unit, polling the stand-in",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await startSetec();
    assert.equal(await setecPut("leger/app/token", VALUES.v1), 1);
    assert.equal(await setecPut("leger/pair/token", VALUES.pair), 1);
    await host.writeFile(
      `${HOME}/.config/leger/config.yaml`,
      `forges:\n  127.0.0.1:8418: gitea\n${(await stand()).configLines(POLL_MS / 1000)}`,
      { user: "alice" },
    );
    // Nothing answers yet: status reads the (empty) local cache.
    const before = await legerJson<StatusOut>(["secrets", "status"]);
    assert.equal(before.source, "cache");

    const r = await leger(["daemon", "install", "--now"]);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(
      r.stdout,
      /leger-daemon\.service enabled and started \(user scope, unit written to .*\/\.config\/systemd\/user\/leger-daemon\.service\)/,
    );
    assert.equal((await systemctlUser("is-enabled", "leger-daemon")).stdout.trim(), "enabled");
    const status = await daemonAnswers();
    assert.equal(status.daemon?.server, SETEC);
    assert.equal(status.daemon?.pollIntervalMs, POLL_MS);
    assert.equal(
      (await systemctlUser("show", "-P", "MainPID", "leger-daemon")).stdout.trim(),
      String(status.daemon?.pid),
    );
    assert.match(await daemonJournal(), new RegExp(`leger daemon started \\(pid \\d+\\), polling ${SETEC} every 2s`));
  },
});

Deno.test({
  name: "install creates the Podman secret from Setec and the container sees the value",
  ...opts,
  fn: async () => {
    const dir = await writeSet("app", {
      "app.container": secretContainer(APP_PORT),
      ".leger.yaml": legerYaml("leger/app/token"),
    });
    const r = await leger(["install", dir, "--name", "app"]);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stderr, /created leger\/app\/token v1 as podman secret app-token/);
    assert.equal(await podmanSecretExists("app-token"), true);
    await waitForChecksum(VALUES.v1, 15_000);
    const logs = await leger(["logs", "app", "-n", "50"]);
    assert.match(logs.stdout, new RegExp(`token-sha256=${await sha256(VALUES.v1)}`));
    // The daemon picks the new set up on its next cycle.
    const status = await waitFor("the daemon to report app-token", async () => {
      const s = await legerJson<StatusOut>(["secrets", "status"]);
      const row = s.secrets.find((x) => x.podmanSecret === "app-token");
      return s.source === "daemon" && row?.version === 1 ? row : undefined;
    }, 15_000);
    assert.equal(status.name, "leger/app/token");
  },
});

Deno.test({
  name:
    "install fails naming the Setec secret when it does not exist (404) or the ACL denies it (403); nothing is installed",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const quadletsBefore =
      (await host.exec(["ls", "-A", `${HOME}/.config/containers/systemd`], { user: "alice" })).stdout;

    const missing = await writeSet("nosuch", {
      "nosuch.container": secretContainer(APP_PORT + 10, "nosuch-token"),
      ".leger.yaml": legerYaml("leger/nosuch/token", "nosuch-token"),
    });
    const r404 = await leger(["install", missing, "--name", "nosuch"]);
    assert.equal(r404.code, 1, `stdout: ${r404.stdout}\nstderr: ${r404.stderr}`);
    assert.match(
      r404.stderr,
      /Cannot install nosuch: Setec secret leger\/nosuch\/token \(for Podman secret nosuch-token\) does not exist \(404\)/,
    );
    assert.match(r404.stderr, /setec put leger\/nosuch\/token/);
    assert.doesNotMatch(r404.stderr, /may not see it/);

    const denied = await writeSet("denied", {
      "denied.container": secretContainer(APP_PORT + 11, "denied-token"),
      ".leger.yaml": legerYaml("leger/denied/token", "denied-token"),
    });
    const r403 = await leger(["install", denied, "--name", "denied"]);
    assert.equal(r403.code, 1, `stdout: ${r403.stdout}\nstderr: ${r403.stderr}`);
    assert.match(
      r403.stderr,
      /Cannot install denied: access to Setec secret leger\/denied\/token denied \(403\); this host needs tailscale\.com\/cap\/secrets action "get"/,
    );
    assert.match(r403.stderr, /No unit of the set was installed or started/);

    assert.deepEqual(await installedSets(), ["app"]);
    assert.equal(await podmanSecretExists("nosuch-token"), false);
    assert.equal(await podmanSecretExists("denied-token"), false);
    const quadletsAfter =
      (await host.exec(["ls", "-A", `${HOME}/.config/containers/systemd`], { user: "alice" })).stdout;
    assert.equal(quadletsAfter, quadletsBefore);
    for (const unit of ["nosuch.service", "denied.service"]) {
      assert.notEqual((await systemctlUser("cat", unit)).code, 0, `${unit} must not exist`);
    }
    assert.equal(await httpGet(host, `http://127.0.0.1:${APP_PORT + 10}/`, 500), undefined);
  },
});

Deno.test({
  name: "a rotation (put, then activate) reaches the container within the poll interval; a put alone changes nothing",
  ...opts,
  fn: async () => {
    const idBefore = await containerId();
    const updatedBefore = await podmanSecretUpdated("app-token");
    assert.equal(await setecPut("leger/app/token", VALUES.v2), 2);
    // Not active yet: three polls later (as the daemon says it checked) the container still has v1.
    const checked = async () =>
      (await legerJson<StatusOut>(["secrets", "status"])).secrets.find((x) => x.podmanSecret === "app-token")
        ?.checkedAt;
    const seen = new Set([await checked()]);
    await waitFor("three more polls of app-token", async () => seen.add(await checked()).size > 3, 60_000, {
      intervalMs: 1000,
    });
    assert.equal(await servedChecksum(), await sha256(VALUES.v1));
    assert.equal(await containerId(), idBefore);

    await setecActivate("leger/app/token", 2);
    const ms = await waitForChecksum(VALUES.v2, 20_000);
    // One poll interval (+10% jitter) to notice, then a unit restart.
    assert.ok(ms < POLL_MS * 1.1 + 10_000, `the rotation took ${ms} ms`);
    assert.notEqual(await containerId(), idBefore, "the container was restarted");
    assert.notEqual(await podmanSecretUpdated("app-token"), updatedBefore, "the Podman secret was replaced");
    assert.match(await daemonJournal(), /rotated leger\/app\/token v1 -> v2, restarted app\.service/);
    const status = await legerJson<StatusOut>(["secrets", "status"]);
    assert.equal(status.source, "daemon");
    const row = status.secrets.find((s) => s.podmanSecret === "app-token");
    assert.deepEqual([row?.version, row?.stale], [2, false]);
    // "rotated" until the next poll (2 s) finds nothing new.
    assert.ok(row?.lastAction === "rotated" || row?.lastAction === "unchanged", row?.lastAction);
  },
});

Deno.test({
  name: "secrets status and sync --dry-run work with the daemon and without it; a dry run changes nothing",
  ...opts,
  fn: async () => {
    const withDaemon = await legerJson<SyncOut>(["secrets", "sync", "--dry-run"]);
    assert.equal(withDaemon.by, "daemon");
    assert.deepEqual(withDaemon.results.map((r) => [r.podmanSecret, r.action, r.toVersion]), [[
      "app-token",
      "unchanged",
      2,
    ]]);
    const text = await leger(["secrets", "status"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`The leger daemon answered \\(pid \\d+, up .*\\): polling ${SETEC} every 2s`));
    assert.match(text.stdout, /app-token\s+leger\/app\/token\s+v2\s+.*ago\s+ok/);

    await daemonUnit("stop");
    try {
      const cached = await legerJson<StatusOut>(["secrets", "status"]);
      assert.equal(cached.source, "cache");
      assert.deepEqual(cached.secrets.map((s) => [s.podmanSecret, s.version]), [["app-token", 2]]);
      const cachedText = await leger(["secrets", "status"]);
      assert.match(cachedText.stdout, /No leger daemon answers on .*; showing the local cache/);
      assert.match(cachedText.stdout, /app-token\s+leger\/app\/token\s+v2\s+.*cached/);

      // A new version is activated while no daemon runs: the dry run sees it and touches nothing.
      assert.equal(await setecPut("leger/app/token", VALUES.v3), 3);
      await setecActivate("leger/app/token", 3);
      const idBefore = await containerId();
      const updatedBefore = await podmanSecretUpdated("app-token");
      const dry = await legerJson<SyncOut>(["secrets", "sync", "--dry-run"]);
      assert.equal(dry.by, "local");
      assert.equal(dry.dryRun, true);
      assert.deepEqual(dry.results.map((r) => [r.podmanSecret, r.action, r.fromVersion, r.toVersion, r.restarted]), [
        ["app-token", "would-rotate", 2, 3, ["app.service"]],
      ]);
      const dryText = await leger(["secrets", "sync", "--dry-run"]);
      assert.match(dryText.stdout, /Dry run \(nothing changed\), synced here \(no daemon answered\)/);
      assert.match(dryText.stdout, /app-token\s+leger\/app\/token\s+would-rotate\s+v2 -> v3\s+app\.service/);
      assert.equal(await servedChecksum(), await sha256(VALUES.v2));
      assert.equal(await containerId(), idBefore);
      assert.equal(await podmanSecretUpdated("app-token"), updatedBefore);
      assert.equal(
        (await legerJson<StatusOut>(["secrets", "status"])).secrets[0]?.version,
        2,
        "the cache is untouched",
      );
    } finally {
      await daemonUnit("start");
    }
    // The daemon's first sync applies v3.
    await daemonAnswers();
    await waitForChecksum(VALUES.v3, 20_000);
    assert.match(await daemonJournal(), /rotated leger\/app\/token v2 -> v3, restarted app\.service/);
  },
});

Deno.test({
  name: "remove deletes a set's Podman secret only when no other installed set uses it",
  ...opts,
  fn: async () => {
    for (const [name, port] of [["pair-a", APP_PORT + 20], ["pair-b", APP_PORT + 21]] as const) {
      const dir = await writeSet(name, {
        [`${name}.container`]: secretContainer(port, "pair-token"),
        ".leger.yaml": legerYaml("leger/pair/token", "pair-token"),
      });
      const r = await leger(["install", dir, "--name", name]);
      assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      await waitForChecksum(VALUES.pair, 15_000, port);
    }
    const b = await legerJson<{ removedSecrets: string[] }>(["remove", "pair-b"]);
    assert.deepEqual(b.removedSecrets, []);
    assert.equal(await podmanSecretExists("pair-token"), true, "pair-a still uses it");
    assert.equal(await servedChecksum(APP_PORT + 20), await sha256(VALUES.pair));

    const a = await leger(["remove", "pair-a"]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /podman secrets removed: pair-token/);
    assert.equal(await podmanSecretExists("pair-token"), false);
    // The other set's secret is left alone.
    assert.equal(await podmanSecretExists("app-token"), true);
    assert.deepEqual(await installedSets(), ["app"]);
  },
});

Deno.test({
  name:
    "with Setec down, the restarted daemon recreates the Podman secret from its cache and the units come up with the cached value",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    assert.equal((await host.exec(["systemctl", "stop", SETEC_UNIT])).code, 0);
    assert.equal((await leger(["stop", "app"])).code, 0);
    await daemonUnit("stop");
    // As if the host lost its Podman secrets: only leger's cache holds the value now.
    assert.equal((await host.exec(["podman", "secret", "rm", "app-token"], { user: "alice" })).code, 0);

    await daemonUnit("start");
    await waitFor("the daemon to recreate app-token from its cache", () => podmanSecretExists("app-token"), 20_000);
    const row = await waitFor("the daemon to report app-token as stale", async () => {
      const s = await legerJson<StatusOut>(["secrets", "status"]);
      return s.source === "daemon" ? s.secrets.find((x) => x.podmanSecret === "app-token" && x.lastAction) : undefined;
    }, 20_000);
    assert.deepEqual([row.version, row.stale, row.lastAction], [3, true, "stale"]);
    assert.match(await daemonJournal(), /stale leger\/app\/token: Setec unreachable, serving cached v3/);
    const text = await leger(["secrets", "status"]);
    assert.match(text.stdout, /stale \(Setec unreachable\)/);

    assert.equal((await leger(["start", "app"])).code, 0);
    await waitForChecksum(VALUES.v3, 15_000);
    assert.equal((await systemctlUser("is-active", "leger-daemon")).stdout.trim(), "active");
  },
});

Deno.test({
  name:
    "no secret value appears in leger's output, the daemon's journal or leger's files; the cache is 0600 in a 0700 folder",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const needles = Object.values(VALUES).flatMap((v) => [v, b64(v)]);
    const leaks = (text: string) => needles.filter((n) => text.includes(n));

    assert.ok(transcript.length > 20, `only ${transcript.length} leger calls recorded`);
    assert.deepEqual(leaks(transcript.join("\n")), [], "leger printed a secret value");

    const journal = await daemonJournal();
    assert.match(journal, /rotated leger\/app\/token/);
    assert.deepEqual(leaks(journal), [], "the daemon's journal holds a secret value");
    // alice's whole user journal: the units, podman, the daemon.
    const userJournal =
      (await host.exec(["journalctl", "--user", "--no-pager", "-o", "cat"], { user: "alice" })).stdout;
    assert.deepEqual(leaks(userJournal), [], "alice's journal holds a secret value");

    const cacheDir = `${HOME}/.local/share/leger/secrets`;
    const files = (await host.exec(
      ["find", `${HOME}/.local/share/leger`, `${HOME}/.cache/leger`, "-type", "f", "-not", "-path", `${cacheDir}/*`],
      { user: "alice" },
    )).stdout.split("\n").filter(Boolean);
    assert.ok(files.some((f) => f.includes("/manifests/")), files.join("\n"));
    for (const file of files) {
      assert.deepEqual(leaks(await host.readFile(file)), [], `${file} holds a secret value`);
    }

    const modes = await host.exec(["sh", "-c", `stat -c '%a %U %n' "$1" "$1"/*`, "sh", cacheDir], { user: "alice" });
    const lines = modes.stdout.trim().split("\n");
    assert.equal(lines[0], `700 alice ${cacheDir}`);
    const entries = lines.slice(1);
    assert.ok(entries.some((l) => l.endsWith("leger%2Fapp%2Ftoken.json")), modes.stdout);
    for (const line of entries) assert.match(line, /^600 alice /, line);
  },
});
