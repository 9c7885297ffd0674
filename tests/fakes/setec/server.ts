/**
 * A stand-in for Tailscale's Setec server on 127.0.0.1, faithful to the
 * rules in SETEC-API.md and to the server's code: HTTPS with a test CA
 * (made with openssl at run time) that clients are told to trust; POST
 * only, exact `Content-Type: application/json`, the
 * `Sec-X-Tailscale-No-Browsers: setec` header, the caller's identity (500
 * "unable to identify caller" when it cannot be told), Go-style JSON
 * decoding (PascalCase fields matched case-insensitively, base64 values,
 * uint32 versions); the checks in the server's order (empty name and
 * create-version's version 0 before the grant, the grant before existence,
 * so 404 only ever means "does not exist"); the version semantics of put /
 * create-version (active at once) / activate / delete-version (versions
 * are never reused) / delete (of a missing name succeeds); `{}` bodies;
 * 304 of a conditional get; the real plain-text error texts; 400 "invalid
 * method" for unknown paths; 500 "internal error" for permanent errors
 * (version 0 of activate/delete-version, deleting the active version,
 * reserved `_internal/` names). Tests also get helpers to change secrets
 * directly and a log of the requests (never their values).
 *
 * Standalone: `deno run -A tests/fakes/setec/server.ts --port 8700
 * [--cert FILE --key FILE]` prints the URL (and the CA file it made, when
 * no certificate is given), then serves until killed.
 *
 * @module
 */
import { testCertificates } from "./test_ca.ts";
import { bytes, decodeFields, type Fields, json, same, textError, toBase64 } from "./wire.ts";

/** The Setec ACL actions. */
export type SetecAction =
  | "get"
  | "info"
  | "put"
  | "create-version"
  | "activate"
  | "delete";

/** Decides whether the caller may do `action` on the secret `name`. */
export type SetecAcl = (name: string, action: SetecAction) => boolean;

/** One request the stand-in received (without any value). */
export interface LoggedRequest {
  /** HTTP method. */
  method: string;
  /** URL path, e.g. `/api/get`. */
  path: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  /** JSON field names of the body, as sent. */
  fields: string[];
  /** `Name` of the body, if any. */
  name?: string;
  /** `Version` of the body, if any. */
  version?: number;
  /** `UpdateIfChanged` of the body, if any. */
  updateIfChanged?: boolean;
  /** HTTP status answered. */
  status: number;
}

/** Options of {@linkcode startSetecStandIn}. */
export interface SetecStandInOptions {
  /** The ACL; everything is allowed when left out. */
  acl?: SetecAcl;
  /** Port to listen on; 0 (any free one) by default. */
  port?: number;
  /**
   * TLS certificate and key (PEM). Left out: a test CA and a certificate
   * for 127.0.0.1 are made with openssl. `false`: plain http (for tests of
   * leger refusing it, and of a server without TLS).
   */
  tls?: { certPem: string; keyPem: string; caPem?: string; caFile?: string } | false;
}

/** A running stand-in. */
export interface SetecStandIn {
  /** Base URL, e.g. `https://127.0.0.1:41234`. */
  url: string;
  /** PEM of the CA that signed the server's certificate (undefined for plain http). */
  caPem: string | undefined;
  /** File of that CA, for `daemon.setec-ca-file` (undefined when not known). */
  caFile: string | undefined;
  /** Port it listens on. */
  port: number;
  /** Stops serving (idempotent). */
  close(): Promise<void>;
  /** Every request received, oldest first. */
  requests: LoggedRequest[];
  /** Stores a value as `put` does; returns its version. */
  put(name: string, value: Uint8Array | string): number;
  /** Makes a version active as `activate` does. */
  activate(name: string, version: number): void;
  /** Stores a new value and activates it (a rotation); returns its version. */
  rotate(name: string, value: Uint8Array | string): number;
  /** Metadata of a secret, or undefined. */
  info(name: string): { versions: number[]; activeVersion: number } | undefined;
  /** Removes a secret (as `delete` does: its versions are forgotten, a new put starts at 1). */
  remove(name: string): void;
  /** When false, every API call answers 500 "unable to identify caller" (WhoIs failed). */
  setCallerKnown(known: boolean): void;
  /** Replaces the ACL. */
  setAcl(acl: SetecAcl | undefined): void;
  /** The next `count` requests get `status` (default 503), as a failing server would answer. */
  failNext(count: number, status?: number): void;
  /** Delays every answer by `ms` (to test timeouts). */
  setDelay(ms: number): void;
}

interface Secret {
  versions: Map<number, Uint8Array>;
  active: number;
  latest: number; // the server's LatestVersion: highest version ever used
  deleted: Set<number>; // versions deleted with delete-version: never reused
}

const METHOD_ACTION: Record<string, SetecAction> = {
  "/api/list": "info",
  "/api/get": "get",
  "/api/info": "info",
  "/api/put": "put",
  "/api/create-version": "create-version",
  "/api/activate": "activate",
  "/api/delete-version": "delete",
  "/api/delete": "delete",
};

/** The server's reserved prefix: configuration, not secrets. */
const CONFIG_PREFIX = "_internal/";

const internalError = () => textError("internal error", 500);
const ok = () => json({});

/** Starts a stand-in Setec server on 127.0.0.1 (HTTPS unless `tls: false`). */
export async function startSetecStandIn(
  options: SetecStandInOptions = {},
): Promise<SetecStandIn> {
  const secrets = new Map<string, Secret>();
  const requests: LoggedRequest[] = [];
  let acl: SetecAcl = options.acl ?? (() => true);
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  let delayMs = 0;
  let callerKnown = true;

  function put(name: string, value: Uint8Array): number {
    const secret = secrets.get(name);
    if (!secret) {
      secrets.set(name, { versions: new Map([[1, value]]), active: 1, latest: 1, deleted: new Set() });
      return 1;
    }
    // Compared with the highest version ever used; a deleted one reads as empty (as Go's map does).
    if (same(secret.versions.get(secret.latest) ?? new Uint8Array(), value)) return secret.latest;
    secret.latest += 1;
    secret.versions.set(secret.latest, value);
    return secret.latest;
  }

  function infoOf(name: string, secret: Secret) {
    return {
      Name: name,
      Versions: [...secret.versions.keys()].sort((a, b) => a - b),
      ActiveVersion: secret.active,
    };
  }

  /** Runs one API method in the server's order of checks; returns the response. */
  function apply(path: string, f: Fields): Response {
    const name = f.Name ?? "";
    const version = f.Version ?? 0;
    const secret = secrets.get(name);
    const denied = (action: SetecAction) => !acl(name, action);
    switch (path) {
      case "/api/list": {
        const out = [...secrets.keys()].sort().filter((n) => acl(n, "info"))
          .map((n) => infoOf(n, secrets.get(n)!));
        return json(out.length ? out : null); // Go marshals a nil slice as null
      }
      case "/api/get": {
        if (denied("get")) return textError("access denied", 403);
        if (!secret) return textError("not found", 404);
        if (version !== 0 && f.UpdateIfChanged) {
          if (secret.active === version) {
            return new Response(null, { status: 304, headers: { "content-type": "application/json" } });
          }
          return json({ Value: toBase64(secret.versions.get(secret.active)!), Version: secret.active });
        }
        const v = version !== 0 ? version : secret.active;
        const value = secret.versions.get(v);
        if (!value) return textError("not found", 404);
        return json({ Value: toBase64(value), Version: v });
      }
      case "/api/info":
        if (denied("info")) return textError("access denied", 403);
        if (!secret) return textError("not found", 404);
        return json(infoOf(name, secret));
      case "/api/put":
        if (name === "") return internalError(); // "empty secret name", before the grant
        if (denied("put")) return textError("access denied", 403);
        if (name.startsWith(CONFIG_PREFIX)) return internalError(); // "unknown config value"
        return json(put(name, f.Value ?? new Uint8Array()));
      case "/api/create-version": {
        if (name === "") return internalError();
        if (version === 0) return textError("invalid version, please specify a version > 0", 400);
        if (denied("create-version")) return textError("access denied", 403);
        const value = f.Value ?? new Uint8Array();
        if (!secret) {
          secrets.set(name, {
            versions: new Map([[version, value]]),
            active: version,
            latest: version,
            deleted: new Set(),
          });
          return ok();
        }
        if (secret.versions.has(version) || secret.deleted.has(version)) {
          return textError("version already set", 412);
        }
        secret.versions.set(version, value);
        secret.latest = Math.max(secret.latest, version);
        secret.active = version; // active at once
        return ok();
      }
      case "/api/activate":
        if (name === "") return internalError();
        if (denied("activate")) return textError("access denied", 403);
        if (name.startsWith(CONFIG_PREFIX)) return internalError();
        if (version === 0) return internalError(); // "invalid version", not mapped to 400
        if (!secret?.versions.has(version)) return textError("not found", 404);
        secret.active = version;
        return ok();
      case "/api/delete-version":
        if (denied("delete")) return textError("access denied", 403);
        if (name.startsWith(CONFIG_PREFIX)) return internalError();
        if (version === 0) return internalError();
        if (!secret) return textError("not found", 404);
        if (version === secret.active) return internalError(); // "cannot delete active version"
        if (!secret.versions.has(version)) return textError("not found", 404);
        secret.versions.delete(version);
        secret.deleted.add(version);
        return ok();
      default: // /api/delete
        if (denied("delete")) return textError("access denied", 403);
        if (name.startsWith(CONFIG_PREFIX)) return internalError();
        secrets.delete(name); // a missing name: nothing to do, still a success
        return ok();
    }
  }

  async function handle(
    req: Request,
  ): Promise<{ response: Response; entry: Partial<LoggedRequest> }> {
    const path = new URL(req.url).pathname;
    const entry: Partial<LoggedRequest> = { fields: [] };
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (failures.count > 0) {
      failures.count--;
      const text = failures.status === 504
        ? "gateway timeout"
        : failures.status === 502
        ? "bad gateway"
        : "service unavailable";
      return { response: textError(text, failures.status), entry };
    }
    if (!(path in METHOD_ACTION)) {
      // The page handler ("/") takes every other path; it serves GET only.
      if (req.method !== "GET") return { response: textError("invalid method", 400), entry };
      return { response: textError("404 page not found", 404), entry };
    }
    if (req.method !== "POST") {
      return { response: textError("only POST requests allowed", 400), entry };
    }
    if (req.headers.get("content-type") !== "application/json") {
      return { response: textError("request body must be json", 400), entry };
    }
    if (req.headers.get("sec-x-tailscale-no-browsers") !== "setec") {
      return { response: textError("access denied", 403), entry };
    }
    if (!callerKnown) return { response: textError("unable to identify caller", 500), entry };
    let decoded: { fields: Fields; keys: string[] };
    try {
      decoded = decodeFields(await req.text());
    } catch {
      return { response: textError("bad request", 400), entry };
    }
    const f = decoded.fields;
    entry.fields = decoded.keys;
    if (f.Name !== undefined) entry.name = f.Name;
    if (f.Version !== undefined) entry.version = f.Version;
    if (f.UpdateIfChanged !== undefined) {
      entry.updateIfChanged = f.UpdateIfChanged;
    }
    return { response: apply(path, f), entry };
  }

  const tls = options.tls === false ? undefined : options.tls ?? await testCertificates();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
    ...(tls ? { cert: tls.certPem, key: tls.keyPem } : {}),
  }, async (req) => {
    const { response, entry } = await handle(req);
    requests.push({
      method: req.method,
      path: new URL(req.url).pathname,
      headers: Object.fromEntries(req.headers),
      fields: entry.fields ?? [],
      ...entry,
      status: response.status,
    });
    return response;
  });
  const port = server.addr.port;
  let closed: Promise<void> | undefined;

  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    caPem: tls?.caPem,
    caFile: tls?.caFile,
    requests,
    close() {
      closed ??= server.shutdown();
      return closed;
    },
    put: (name, value) => put(name, bytes(value)),
    activate(name, version) {
      const secret = secrets.get(name);
      if (!secret?.versions.has(version)) {
        throw new Error(`stand-in: no version ${version} of ${name}`);
      }
      secret.active = version;
    },
    rotate(name, value) {
      const v = put(name, bytes(value));
      secrets.get(name)!.active = v;
      return v;
    },
    info(name) {
      const secret = secrets.get(name);
      if (!secret) return undefined;
      const i = infoOf(name, secret);
      return { versions: i.Versions, activeVersion: i.ActiveVersion };
    },
    remove: (name) => void secrets.delete(name),
    setAcl(next) {
      acl = next ?? (() => true);
    },
    failNext(count, status = 503) {
      failures = { count, status };
    },
    setDelay(ms) {
      delayMs = ms;
    },
    setCallerKnown(known) {
      callerKnown = known;
    },
  };
}

if (import.meta.main) {
  const arg = (flag: string) => {
    const i = Deno.args.indexOf(flag);
    return i >= 0 ? Deno.args[i + 1] : undefined;
  };
  const port = Number(arg("--port") ?? 0);
  const certFile = arg("--cert");
  const keyFile = arg("--key");
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (certFile === undefined) !== (keyFile === undefined)) {
    console.error("usage: server.ts [--port N] [--cert FILE --key FILE]");
    Deno.exit(2);
  }
  const standIn = await startSetecStandIn({
    port,
    ...(certFile && keyFile
      ? { tls: { certPem: await Deno.readTextFile(certFile), keyPem: await Deno.readTextFile(keyFile) } }
      : {}),
  });
  console.log(standIn.url);
  if (standIn.caFile) console.log(`CA: ${standIn.caFile}`);
  Deno.addSignalListener(
    "SIGTERM",
    () => standIn.close().then(() => Deno.exit(0)),
  );
}
