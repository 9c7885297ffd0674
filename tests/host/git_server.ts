/**
 * Test servers started inside a test host as transient units: the git HTTP
 * server (git_http_server.ts), for tests that fetch from a remote over
 * http, and any other script of this folder run the same way (the
 * registry: registry_guest.ts).
 *
 * @module
 */
import type { GuestShell } from "./guest_exec.ts";

/** Options of {@linkcode serveInGuest}. */
export interface GuestServer {
  /** The transient unit's name (stopped and reset first if it exists). */
  unit: string;
  /** Logged by systemd: never the arguments, which may hold a password. */
  description: string;
  /** A script of this folder (seen in the guest under /opt/leger-test-host). */
  script: string;
  args: string[];
  /** A URL that answers once the server is up. */
  ready: string;
}

/** Runs `script` with Deno in the guest as the transient unit `unit` and waits until `ready` answers. */
export async function serveInGuest(host: GuestShell, s: GuestServer): Promise<void> {
  await host.exec(["systemctl", "stop", s.unit]);
  await host.exec(["systemctl", "reset-failed", s.unit]);
  await host.exec([
    "systemd-run",
    `--unit=${s.unit}`,
    `--description=${s.description}`,
    "--setenv=DENO_DIR=/var/cache/leger-git-http-deno",
    "--setenv=DENO_NO_UPDATE_CHECK=1",
    "/usr/local/bin/deno",
    "run",
    "--no-config",
    "--no-lock",
    "--allow-all",
    `/opt/leger-test-host/${s.script}`,
    ...s.args,
  ], { check: true });
  const deadline = Date.now() + 20_000;
  while (true) {
    const r = await host.exec(["busybox", "wget", "-qO-", s.ready], { timeoutMs: 5000 });
    if (r.code === 0) return;
    if (Date.now() > deadline) {
      const journal = await host.exec(["journalctl", "-u", s.unit, "-n", "30"]);
      throw new Error(`Cannot start ${s.description} in the test host:\n${journal.stdout}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts the git HTTP server (`git_http_server.ts`) inside the guest as
 * the transient unit `leger-git-http-<port>` and waits until it answers.
 */
export async function startGitServer(
  host: GuestShell,
  opts: { root?: string; port?: number; allowPush?: boolean; auth?: string } = {},
): Promise<{ url: string }> {
  const root = opts.root ?? "/srv/git";
  const port = opts.port ?? 8418;
  const url = `http://127.0.0.1:${port}`;
  await serveInGuest(host, {
    unit: `leger-git-http-${port}`,
    // Not the command line: systemd logs a transient unit's description, and --auth holds a password.
    description: `leger test git server on port ${port}`,
    script: "git_http_server.ts",
    args: [
      `--root=${root}`,
      `--port=${port}`,
      ...(opts.allowPush ? ["--allow-push"] : []),
      ...(opts.auth ? [`--auth=${opts.auth}`] : []),
    ],
    ready: `${url}/_health`,
  });
  return { url };
}
