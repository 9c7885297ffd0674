/**
 * A minimal read-only OCI distribution server for tests: serves one OCI
 * image layout (what `podman push IMAGE oci:DIR:TAG` writes) over plain
 * HTTP, enough for `podman pull`:
 *
 * - `GET /v2/`: 200 (the API is there, no authentication);
 * - `GET|HEAD /v2/<name>/manifests/<tag|digest>`: the manifest's bytes with
 *   its media type as `Content-Type` and `Docker-Content-Digest` (a tag is
 *   looked up in `index.json` by its `org.opencontainers.image.ref.name`);
 * - `GET|HEAD /v2/<name>/blobs/<digest>`: the blob, with `Content-Length`;
 * - anything else: the spec's JSON errors (`NAME_UNKNOWN`,
 *   `MANIFEST_UNKNOWN`, `BLOB_UNKNOWN`, `UNSUPPORTED`).
 *
 * Two knobs make a pull slow and observable: `--rate=BYTES` sends blob
 * bodies at about that many bytes a second, and `--hold=PATH` stops a blob
 * of more than 1 MiB half way while PATH exists, after writing
 * `PATH.reached` (a test knows the pull is under way, looks at the host,
 * then removes PATH to let it finish).
 *
 * Runs inside the test host (see `startRegistry` in registry_guest.ts):
 *
 * ```sh
 * deno run --no-config --allow-all registry.ts --layout=/srv/registry/big --name=leger/big --port=18650
 * ```
 *
 * @module
 */

/** Options of {@linkcode serveRegistry}. */
export interface RegistryOptions {
  /** The OCI image layout (holds `index.json` and `blobs/`). */
  layout: string;
  /** The repository name it is served under (`leger/big`). */
  name: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Blob bodies at about this many bytes a second (unlimited when absent). */
  rate?: number;
  /** Hold a large blob half way while this file exists (see the module notes). */
  hold?: string;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const CHUNK = 64 * 1024;
const HOLD_OVER = 1024 * 1024;

/** Starts the server; resolves to the running `Deno.HttpServer`. */
export function serveRegistry(opts: RegistryOptions): Deno.HttpServer {
  return Deno.serve({ hostname: "127.0.0.1", port: opts.port, onListen: () => {} }, (req) => handle(req, opts));
}

function error(status: number, code: string, message: string): Response {
  return Response.json({ errors: [{ code, message }] }, { status });
}

/** `sha256:<64 hex>` and nothing else: a digest names a file under blobs/. */
function blobPath(layout: string, digest: string): string | undefined {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  return m ? `${layout}/blobs/sha256/${m[1]}` : undefined;
}

async function handle(req: Request, opts: RegistryOptions): Promise<Response> {
  if (req.method !== "GET" && req.method !== "HEAD") return error(405, "UNSUPPORTED", "this registry is read-only");
  const path = new URL(req.url).pathname;
  if (path === "/v2/" || path === "/v2") {
    return new Response("{}", {
      headers: { "content-type": "application/json", "docker-distribution-api-version": "registry/2.0" },
    });
  }
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
  if (!m) return error(404, "NOT_FOUND", `no route for ${path}`);
  const [, name, kind, ref] = m as unknown as [string, string, string, string];
  if (name !== opts.name) return error(404, "NAME_UNKNOWN", `repository ${name} is not known`);
  console.log(`${req.method} ${path}`);
  return kind === "manifests" ? await manifest(req, opts, ref) : await blob(req, opts, ref);
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

async function manifest(req: Request, opts: RegistryOptions, ref: string): Promise<Response> {
  const index = JSON.parse(await Deno.readTextFile(`${opts.layout}/index.json`)) as { manifests?: Descriptor[] };
  const entries = index.manifests ?? [];
  const found = ref.startsWith("sha256:")
    ? entries.find((d) => d.digest === ref) ?? { digest: ref, size: -1 }
    : entries.find((d) => d.annotations?.["org.opencontainers.image.ref.name"] === ref);
  const file = found && blobPath(opts.layout, found.digest);
  if (!found || !file) return error(404, "MANIFEST_UNKNOWN", `manifest ${ref} is not known`);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(file) as Uint8Array<ArrayBuffer>;
  } catch {
    return error(404, "MANIFEST_UNKNOWN", `manifest ${ref} is not known`);
  }
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: string };
  const type = doc.mediaType ?? found.mediaType ?? MANIFEST_TYPES[0]!;
  const headers = {
    "content-type": type,
    "content-length": String(bytes.length),
    "docker-content-digest": found.digest,
  };
  return new Response(req.method === "HEAD" ? null : bytes, { headers });
}

async function blob(req: Request, opts: RegistryOptions, digest: string): Promise<Response> {
  const file = blobPath(opts.layout, digest);
  let size: number;
  try {
    if (!file) throw new Error("not a digest");
    size = (await Deno.stat(file)).size;
  } catch {
    return error(404, "BLOB_UNKNOWN", `blob ${digest} is not known`);
  }
  const headers = {
    "content-type": "application/octet-stream",
    "content-length": String(size),
    "docker-content-digest": digest,
  };
  if (req.method === "HEAD") return new Response(null, { headers });
  return new Response(paced(file!, size, opts), { headers });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/** The file's bytes, at `opts.rate`, held half way while `opts.hold` exists (large blobs only). */
function paced(file: string, size: number, opts: RegistryOptions): ReadableStream<Uint8Array> {
  let f: Deno.FsFile | undefined;
  let sent = 0;
  let held = size <= HOLD_OVER || opts.hold === undefined;
  const started = performance.now();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      f ??= await Deno.open(file);
      if (!held && sent >= size / 2) {
        held = true;
        if (await exists(opts.hold!)) {
          await Deno.writeTextFile(`${opts.hold}.reached`, `${sent}\n`);
          console.log(`holding at ${sent} of ${size} bytes while ${opts.hold} exists`);
          while (await exists(opts.hold!)) await sleep(100);
        }
      }
      const buf = new Uint8Array(CHUNK);
      const n = await f.read(buf);
      if (n === null) {
        f.close();
        controller.close();
        return;
      }
      sent += n;
      controller.enqueue(buf.subarray(0, n));
      if (opts.rate) {
        const due = started + (sent / opts.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
    },
    cancel() {
      f?.close();
    },
  });
}

function parseArgs(args: string[]): RegistryOptions {
  const opts: RegistryOptions = { layout: "", name: "", port: 0 };
  for (const arg of args) {
    const [key, value] = arg.split("=", 2);
    if (key === "--layout" && value) opts.layout = value;
    else if (key === "--name" && value) opts.name = value;
    else if (key === "--port" && value) opts.port = Number(value);
    else if (key === "--rate" && value) opts.rate = Number(value);
    else if (key === "--hold" && value) opts.hold = value;
    else throw new TypeError(`Cannot parse argument '${arg}'`);
  }
  if (!opts.layout || !opts.name || !opts.port) throw new TypeError("--layout, --name and --port are needed");
  return opts;
}

if (import.meta.main) {
  const opts = parseArgs(Deno.args);
  serveRegistry(opts);
  console.log(`registry on http://127.0.0.1:${opts.port}/v2/${opts.name} serving ${opts.layout}`);
}
