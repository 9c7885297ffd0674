/**
 * A small git smart-HTTP server for tests: serves every repository under a
 * root folder by running `git http-backend` as a CGI program.
 *
 * Runs inside the test host (see `Host.startGitServer`):
 *
 * ```sh
 * deno run --no-config --allow-all git_http_server.ts --root=/srv/git --port=8418 [--allow-push]
 * ```
 *
 * `GET /_health` answers `ok`; `git clone http://127.0.0.1:8418/<name>.git`
 * clones `<root>/<name>.git`.
 *
 * @module
 */

/** Options of {@linkcode serveGit}. */
export interface GitServerOptions {
  /** Folder holding the repositories (GIT_PROJECT_ROOT). */
  root: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Accept pushes without authentication (`http.receivepack=true`). */
  allowPush?: boolean;
  /** Require HTTP basic authentication with this `user:password` (401 otherwise, as forges answer). */
  auth?: string;
}

const encoder = new TextEncoder();

/** Starts the server; resolves to the running `Deno.HttpServer`. */
export function serveGit(opts: GitServerOptions): Deno.HttpServer {
  return Deno.serve(
    { hostname: "127.0.0.1", port: opts.port, onListen: () => {} },
    (req, info) => handle(req, info, opts),
  );
}

async function handle(
  req: Request,
  info: Deno.ServeHandlerInfo,
  opts: GitServerOptions,
): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/_health") return new Response("ok\n");
  if (opts.auth !== undefined && req.headers.get("authorization") !== `Basic ${btoa(opts.auth)}`) {
    return new Response("authentication required\n", {
      status: 401,
      headers: { "www-authenticate": 'Basic realm="git"' },
    });
  }
  const remote = info.remoteAddr as Deno.NetAddr;
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    GIT_PROJECT_ROOT: opts.root,
    GIT_HTTP_EXPORT_ALL: "1",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.1",
    SERVER_NAME: "127.0.0.1",
    SERVER_PORT: String(opts.port),
    REQUEST_METHOD: req.method,
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: remote.hostname,
  };
  const headerEnv: Record<string, string> = {
    "content-type": "CONTENT_TYPE",
    "content-length": "CONTENT_LENGTH",
    "content-encoding": "HTTP_CONTENT_ENCODING",
    "git-protocol": "GIT_PROTOCOL",
  };
  for (const [header, name] of Object.entries(headerEnv)) {
    const value = req.headers.get(header);
    if (value !== null) env[name] = value;
  }
  if (opts.allowPush) {
    Object.assign(env, {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.receivepack",
      GIT_CONFIG_VALUE_0: "true",
    });
  }
  const child = new Deno.Command("git", {
    args: ["http-backend"],
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Stream the request body in; close stdin at its end (or at once).
  (req.body ? req.body.pipeTo(child.stdin) : child.stdin.close()).catch(
    () => {},
  );
  child.stderr.pipeTo(
    new WritableStream({
      write: (chunk) => {
        Deno.stderr.writeSync(chunk);
      },
    }),
  ).catch(() => {});
  child.status.catch(() => {});
  return await cgiResponse(child.stdout);
}

/** Parses CGI headers (`Status:` and others) and streams the rest. */
async function cgiResponse(
  stdout: ReadableStream<Uint8Array>,
): Promise<Response> {
  const reader = stdout.getReader();
  let buffered: Uint8Array = new Uint8Array();
  let split = -1;
  let sepLength = 0;
  while (split < 0) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered = concat(buffered, value);
    [split, sepLength] = headerEnd(buffered);
  }
  if (split < 0) {
    return new Response("git http-backend sent no headers\n", { status: 502 });
  }
  const head = new TextDecoder().decode(buffered.subarray(0, split));
  const rest = buffered.subarray(split + sepLength);
  const headers = new Headers();
  let status = 200;
  let statusText = "OK";
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      if (match) {
        status = Number(match[1]);
        statusText = match[2] ?? "";
      }
    } else headers.append(name, value);
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (rest.length) controller.enqueue(rest);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel() {
      reader.cancel().catch(() => {});
    },
  });
  const noBody = status === 204 || status === 304;
  return new Response(noBody ? null : body, { status, statusText, headers });
}

function headerEnd(bytes: Uint8Array): [number, number] {
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i + 1] === 10) return [i, 2];
    if (
      bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 &&
      bytes[i + 3] === 10
    ) return [i, 4];
  }
  return [-1, 0];
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function parseArgs(args: string[]): GitServerOptions {
  const opts: GitServerOptions = { root: "/srv/git", port: 8418 };
  for (const arg of args) {
    const [key, value] = arg.split("=", 2);
    if (key === "--root" && value) opts.root = value;
    else if (key === "--port" && value) opts.port = Number(value);
    else if (key === "--allow-push") opts.allowPush = true;
    else if (key === "--auth" && value) opts.auth = value;
    else throw new TypeError(`Cannot parse argument '${arg}'`);
  }
  return opts;
}

if (import.meta.main) {
  const opts = parseArgs(Deno.args);
  serveGit(opts);
  Deno.stdout.writeSync(
    encoder.encode(
      `git http server on http://127.0.0.1:${opts.port}/ serving ${opts.root}\n`,
    ),
  );
}
