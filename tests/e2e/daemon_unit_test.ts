/**
 * The system unit of the leger daemon on a real systemd + podman host: its
 * sandbox scores under 5 in `systemd-analyze security` and the sandboxed
 * daemon still replaces a root Podman secret from Setec and restarts the
 * container that uses it; a configuration error stops it for good (no
 * restart loop) and says why in the journal, where `journalctl -p warning`
 * finds it and not the daemon's ordinary lines.
 *
 * The tests run in order and build on each other (one host per file).
 *
 * @module
 */
import assert from "node:assert/strict";
import { BACKENDS, httpGet, leger as runLeger, sharedHost, tokenContainer, waitFor, type Who } from "./helpers.ts";
import { type GuestSetec, guestSetec } from "./setec_guest.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ROOT: Who = { user: "root", scope: "system", backend: BACKENDS[0]! };
const SETEC_PORT = 8710;
let standIn: GuestSetec | undefined;
const stand = async () =>
  standIn ??= await guestSetec(await sharedHost(), SETEC_PORT, { unit: "leger-e2e-setec-unit" });
const APP_PORT = 19611;
const run = crypto.randomUUID().slice(0, 8);
const V1 = `e2e-unit-one-${run}`;
const V2 = `e2e-unit-two-${run}`;

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The stand-in's API over HTTPS, as an administrator calls it. */
async function setec(method: string, body: Record<string, unknown>): Promise<unknown> {
  return await (await stand()).call(method, body);
}

/** The daemon's journal, for failure messages. */
async function daemonJournal(): Promise<string> {
  const r = await (await sharedHost()).exec(["journalctl", "-u", "leger-daemon", "--no-pager", "-n", "60"]);
  return r.stdout;
}

async function systemctl(...args: string[]): Promise<string> {
  return (await (await sharedHost()).exec(["systemctl", ...args])).stdout.trim();
}

Deno.test({
  name: "the system unit's sandbox scores under 5 and the sandboxed daemon still syncs a root Podman secret",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await (await stand()).start();
    assert.equal(await setec("put", { Name: "leger/vault/token", Value: btoa(V1) }), 1);
    await host.writeFile(
      "/etc/leger/config.yaml",
      `forges:\n  127.0.0.1:8418: gitea\n${(await stand()).configLines(2)}`,
    );

    const r = await runLeger(host, ROOT, ["daemon", "install", "--now"]);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    const unit = await host.readFile("/etc/systemd/system/leger-daemon.service");
    assert.match(unit, /^ProtectSystem=strict$/m);
    assert.match(unit, /^RestartPreventExitStatus=78$/m);

    const security = await host.exec(["systemd-analyze", "security", "--no-pager", "leger-daemon.service"]);
    const m = /Overall exposure level for leger-daemon\.service: (\d+\.\d+)/.exec(security.stdout);
    assert.ok(m, security.stdout + security.stderr);
    assert.ok(Number(m[1]) < 5, `exposure ${m[1]}:\n${security.stdout}`);

    await host.exec(["mkdir", "-p", "/root/sets/vault"], { check: true });
    await host.writeFile("/root/sets/vault/vault.container", tokenContainer(APP_PORT, "vault-token"));
    await host.writeFile(
      "/root/sets/vault/.leger.yaml",
      "secrets:\n  - name: leger/vault/token\n    podman-secret: vault-token\n    env: APP_TOKEN\n",
    );
    const inst = await runLeger(host, ROOT, ["install", "/root/sets/vault", "--name", "vault"]);
    assert.equal(inst.code, 0, `stdout: ${inst.stdout}\nstderr: ${inst.stderr}`);
    const want1 = await sha256(V1);
    await waitFor(
      "the container to serve v1",
      async () => (await httpGet(host, `http://127.0.0.1:${APP_PORT}/`, 1000))?.trim() === want1,
      30_000,
      { describe: daemonJournal },
    );

    // A rotation in Setec: only the sandboxed daemon can bring it to podman and restart the container.
    assert.equal(await setec("put", { Name: "leger/vault/token", Value: btoa(V2) }), 2);
    await setec("activate", { Name: "leger/vault/token", Version: 2 });
    const want2 = await sha256(V2);
    await waitFor(
      "the container to serve v2",
      async () => (await httpGet(host, `http://127.0.0.1:${APP_PORT}/`, 1000))?.trim() === want2,
      60_000,
      { describe: daemonJournal },
    );
    assert.equal(await systemctl("show", "-P", "ActiveState", "leger-daemon"), "active");
  },
});

Deno.test({
  name:
    "with a set that declares a secret and no Setec server the daemon exits 78 once, is not restarted, and the journal says why at warning level",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await host.writeFile("/etc/leger/config.yaml", "forges:\n  127.0.0.1:8418: gitea\n");
    const since = (await host.exec(["date", "+%Y-%m-%d %H:%M:%S"])).stdout.trim();
    await host.exec(["systemctl", "restart", "leger-daemon"]);
    await waitFor(
      "the daemon to fail",
      async () => (await systemctl("show", "-P", "ActiveState", "leger-daemon")) === "failed",
      30_000,
      { describe: daemonJournal },
    );
    assert.equal(await systemctl("show", "-P", "ExecMainStatus", "leger-daemon"), "78");
    // systemd decides at the exit: a restart to come shows as activating/auto-restart for RestartSec (5 s); failed
    // means none is scheduled. Nothing to wait for.
    assert.equal(await systemctl("show", "-P", "SubState", "leger-daemon"), "failed");
    assert.equal(await systemctl("show", "-P", "NRestarts", "leger-daemon"), "0");

    const journal = (p: string[]) =>
      host.exec(["journalctl", "-u", "leger-daemon", "--since", since, "--no-pager", "-o", "cat", ...p]);
    const warnings = (await journal(["-p", "warning"])).stdout;
    assert.match(warnings, /no Setec server is configured/);
    assert.match(warnings, /not restart/);
    const all = (await journal([])).stdout;
    assert.doesNotMatch(all, /^<\d>/m, "journald should have eaten the priority prefixes");
  },
});
