/**
 * The daemon's control socket: HTTP over a Unix socket in the scope's
 * runtime folder (0700), the socket itself chmod 0600. `GET /status` and
 * `POST /sync` (body `{"name"?: string, "dryRun"?: boolean}`).
 *
 * @module
 */
import { join } from "node:path";
import { ExitCode, LegerError } from "../core/errors.ts";
import type { ScopePaths } from "../core/paths.ts";
import type { SyncReport } from "../secrets/sync.ts";
import type { DaemonStatus } from "./daemon_status.ts";

/** Path of the control socket of a scope. */
export function controlSocketPath(paths: ScopePaths): string {
  return join(paths.runtimeDir, "daemon.sock");
}

/** What the control socket serves. */
export interface ControlHandlers {
  /** Answers `GET /status`. */
  status(): Promise<DaemonStatus>;
  /** Answers `POST /sync`. */
  sync(name: string | undefined, dryRun: boolean): Promise<SyncReport>;
  /** Answers `POST /update` (`leger update --now`): checks these sets now (all when empty). */
  update?(names: string[]): Promise<unknown>;
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function errorResponse(error: unknown): Response {
  const e = error instanceof Error ? error : new Error(String(error));
  const status = e instanceof LegerError && e.exitCode === ExitCode.notFound
    ? 404
    : e instanceof LegerError && e.exitCode === ExitCode.usage
    ? 400
    : 500;
  return json({
    error: e.message,
    ...(e instanceof LegerError && e.hint ? { hint: e.hint } : {}),
  }, status);
}

async function handle(
  req: Request,
  handlers: ControlHandlers,
): Promise<Response> {
  const path = new URL(req.url).pathname;
  try {
    if (path === "/status") {
      if (req.method !== "GET") return json({ error: "use GET /status" }, 405);
      return json(await handlers.status());
    }
    if (path === "/sync") {
      if (req.method !== "POST") return json({ error: "use POST /sync" }, 405);
      const text = await req.text();
      let body: { name?: unknown; dryRun?: unknown } = {};
      try {
        body = text.trim() ? JSON.parse(text) : {};
      } catch {
        return json({ error: "the body must be JSON" }, 400);
      }
      if (typeof body !== "object" || body === null) body = {};
      if (body.name !== undefined && typeof body.name !== "string") {
        return json({ error: "name must be a string" }, 400);
      }
      return json(
        await handlers.sync(
          body.name as string | undefined,
          body.dryRun === true,
        ),
      );
    }
    if (path === "/update" && handlers.update) {
      if (req.method !== "POST") return json({ error: "use POST /update" }, 405);
      let body: { names?: unknown } = {};
      try {
        const text = await req.text();
        body = text.trim() ? JSON.parse(text) : {};
      } catch {
        return json({ error: "the body must be JSON" }, 400);
      }
      const names = body?.names ?? [];
      if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) {
        return json({ error: "names must be a list of set names" }, 400);
      }
      return json(await handlers.update(names));
    }
    return json({ error: `no such endpoint: ${req.method} ${path}` }, 404);
  } catch (error) {
    return errorResponse(error);
  }
}

/** A listening control socket. */
export interface ControlServer {
  /** Socket path. */
  path: string;
  /** Stops listening and removes the socket. */
  close(): Promise<void>;
}

/**
 * Listens on the scope's control socket. Refuses to start when another
 * daemon answers there; removes a leftover socket nobody listens on.
 */
export async function serveControl(
  paths: ScopePaths,
  handlers: ControlHandlers,
  isAlive: (paths: ScopePaths) => Promise<boolean>,
): Promise<ControlServer> {
  // Not fs.ts's ensureDir: the idle daemon serves this socket, and fs.ts loads node:crypto (3 MiB resident).
  await Deno.mkdir(paths.runtimeDir, { recursive: true });
  await Deno.chmod(paths.runtimeDir, 0o700);
  const path = controlSocketPath(paths);
  if (await isAlive(paths)) {
    throw new LegerError(
      `Cannot start the daemon: another leger daemon listens on ${path}`,
      {
        hint: "Stop it first (systemctl --user stop leger-daemon), or use `leger secrets sync` to talk to it.",
      },
    );
  }
  await Deno.remove(path).catch(() => {});
  const server = Deno.serve(
    { path, onListen: () => {} },
    (req) => handle(req, handlers),
  );
  await Deno.chmod(path, 0o600);
  let closed: Promise<void> | undefined;
  return {
    path,
    close() {
      closed ??= server.shutdown().then(() => Deno.remove(path).catch(() => {}));
      return closed;
    },
  };
}
