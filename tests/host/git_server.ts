/**
 * The git HTTP server (git_http_server.ts) started inside a test host, for
 * tests that fetch from a remote over http.
 *
 * @module
 */
import type { GuestShell } from "./guest_exec.ts";

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
  const unit = `leger-git-http-${port}`;
  await host.exec(["systemctl", "stop", unit]);
  await host.exec(["systemctl", "reset-failed", unit]);
  await host.exec([
    "systemd-run",
    `--unit=${unit}`,
    // Not the command line: systemd logs a transient unit's description, and --auth holds a password.
    `--description=leger test git server on port ${port}`,
    "--setenv=DENO_DIR=/var/cache/leger-git-http-deno",
    "--setenv=DENO_NO_UPDATE_CHECK=1",
    "/usr/local/bin/deno",
    "run",
    "--no-config",
    "--no-lock",
    "--allow-all",
    "/opt/leger-test-host/git_http_server.ts",
    `--root=${root}`,
    `--port=${port}`,
    ...(opts.allowPush ? ["--allow-push"] : []),
    ...(opts.auth ? [`--auth=${opts.auth}`] : []),
  ], { check: true });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (true) {
    const r = await host.exec(["busybox", "wget", "-qO-", `${url}/_health`], {
      timeoutMs: 5000,
    });
    if (r.code === 0) return { url };
    if (Date.now() > deadline) {
      const journal = await host.exec(["journalctl", "-u", unit, "-n", "30"]);
      throw new Error(
        `Cannot start the git HTTP server in the test host:\n${journal.stdout}`,
      );
    }
    await sleep(200);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
