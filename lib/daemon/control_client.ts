/**
 * Talks to a running daemon over its control socket. Every call returns
 * undefined when no daemon listens, so the CLI can fall back to doing the
 * work in-process.
 *
 * @example
 * ```ts
 * const report = await daemonSync(paths, "leger/app/key") ??
 *   await syncFromState({ paths, config, $, log, restartUnits, only: "leger/app/key" });
 * ```
 *
 * @module
 */
import { ExitCode, LegerError } from "../core/errors.ts";
import type { ScopePaths } from "../core/paths.ts";
import type { SyncReport } from "../secrets/sync.ts";
import { controlSocketPath } from "./control_server.ts";
import type { DaemonStatus } from "./daemon_status.ts";

async function call(
  paths: ScopePaths,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<unknown | undefined> {
  const socket = controlSocketPath(paths);
  try {
    if (!(await Deno.lstat(socket)).isSocket) return undefined;
  } catch {
    return undefined;
  }
  const client = Deno.createHttpClient({
    proxy: { transport: "unix", path: socket },
  });
  try {
    let res: Response;
    try {
      res = await fetch(`http://leger-daemon${path}`, {
        method,
        client,
        ...(body === undefined ? {} : {
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        }),
      });
    } catch {
      return undefined; // a leftover socket nobody listens on
    }
    const text = await res.text();
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new LegerError(
        `Cannot talk to the leger daemon: it answered ${res.status} without JSON`,
        {
          hint: "Restart it: systemctl --user restart leger-daemon (or without --user for system scope).",
        },
      );
    }
    if (!res.ok) {
      const e = data as { error?: string; hint?: string };
      throw new LegerError(
        e.error ?? `The leger daemon answered ${res.status}`,
        {
          exitCode: res.status === 404 ? ExitCode.notFound : res.status === 400 ? ExitCode.usage : ExitCode.failure,
          ...(e.hint ? { hint: e.hint } : {}),
        },
      );
    }
    return data;
  } finally {
    client.close();
  }
}

/** True when a daemon answers on the scope's control socket. */
export async function daemonIsRunning(paths: ScopePaths): Promise<boolean> {
  return (await daemonStatus(paths).catch(() => undefined)) !== undefined;
}

/** The running daemon's status, or undefined when none listens. */
export async function daemonStatus(
  paths: ScopePaths,
): Promise<DaemonStatus | undefined> {
  return await call(paths, "GET", "/status") as DaemonStatus | undefined;
}

/**
 * Asks the running daemon for an immediate sync (of one secret when `name`
 * is given); undefined when no daemon listens.
 */
export async function daemonSync(
  paths: ScopePaths,
  name?: string,
  dryRun = false,
): Promise<SyncReport | undefined> {
  const body = { ...(name === undefined ? {} : { name }), dryRun };
  return await call(paths, "POST", "/sync", body) as SyncReport | undefined;
}

/** Asks the running daemon to check these sets for updates now; undefined when no daemon listens. */
export async function daemonUpdate(paths: ScopePaths, names: string[]): Promise<unknown | undefined> {
  return await call(paths, "POST", "/update", { names });
}
