/**
 * A stand-in for Tailscale's Setec server on 127.0.0.1, faithful to the
 * rules in SETEC-API.md: POST only, exact `Content-Type: application/json`,
 * the `Sec-X-Tailscale-No-Browsers: setec` header, Go-style JSON decoding
 * (PascalCase fields matched case-insensitively, base64 values, uint32
 * versions), the version semantics of put / create-version / activate, the
 * 304 of a conditional get, plain-text error bodies, and an ACL that answers
 * 403. Tests also get helpers to change secrets directly and a log of the
 * requests (never their values).
 *
 * Standalone: `deno run -A tests/fakes/setec_server.ts --port 8700` prints
 * the URL, then serves until killed.
 *
 * @module
 */

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
}

/** A running stand-in. */
export interface SetecStandIn {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
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
  /** Removes a secret. */
  remove(name: string): void;
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
  highest: number; // highest version ever used, deleted ones included
  used: Set<number>; // every version ever used, deleted ones included
}

interface Fields {
  Name?: string;
  Version?: number;
  UpdateIfChanged?: boolean;
  Value?: Uint8Array;
}

class BadRequest extends Error {}

const FIELD_TYPES: Record<string, keyof Fields> = {
  name: "Name",
  version: "Version",
  updateifchanged: "UpdateIfChanged",
  value: "Value",
};

/** Decodes a body the way Go's encoding/json fills Setec's request structs. */
function decodeFields(text: string): { fields: Fields; keys: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BadRequest();
  }
  if (data === null) return { fields: {}, keys: [] };
  if (typeof data !== "object" || Array.isArray(data)) throw new BadRequest();
  const fields: Fields = {};
  const keys = Object.keys(data);
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    const field = FIELD_TYPES[key.toLowerCase()];
    if (!field || raw === null) continue; // Go ignores unknown fields and nulls
    if (field === "Name") {
      if (typeof raw !== "string") throw new BadRequest();
      fields.Name = raw;
    } else if (field === "Version") {
      if (
        typeof raw !== "number" || !Number.isInteger(raw) || raw < 0 ||
        raw > 0xffff_ffff
      ) {
        throw new BadRequest();
      }
      fields.Version = raw;
    } else if (field === "UpdateIfChanged") {
      if (typeof raw !== "boolean") throw new BadRequest();
      fields.UpdateIfChanged = raw;
    } else {
      if (typeof raw !== "string") throw new BadRequest();
      fields.Value = fromBase64(raw);
    }
  }
  return { fields, keys };
}

function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new BadRequest();
  }
  const bin = atob(text);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function bytes(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? new TextEncoder().encode(value) : value;
}

/** Go's http.Error: plain text, a final newline. */
function textError(message: string, status: number): Response {
  return new Response(message + "\n", {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
    },
  });
}

function json(value: unknown): Response {
  return new Response(JSON.stringify(value), {
    status: 200,
    headers: { "content-type": "application/json" },
  });
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

/** Starts a stand-in Setec server on 127.0.0.1. */
export function startSetecStandIn(
  options: SetecStandInOptions = {},
): Promise<SetecStandIn> {
  const secrets = new Map<string, Secret>();
  const requests: LoggedRequest[] = [];
  let acl: SetecAcl = options.acl ?? (() => true);
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  let delayMs = 0;

  function put(name: string, value: Uint8Array): number {
    const secret = secrets.get(name);
    if (!secret) {
      secrets.set(name, {
        versions: new Map([[1, value]]),
        active: 1,
        highest: 1,
        used: new Set([1]),
      });
      return 1;
    }
    const latest = Math.max(...secret.versions.keys());
    if (same(secret.versions.get(latest)!, value)) return latest;
    secret.highest += 1;
    secret.used.add(secret.highest);
    secret.versions.set(secret.highest, value);
    return secret.highest;
  }

  function infoOf(name: string, secret: Secret) {
    return {
      Name: name,
      Versions: [...secret.versions.keys()].sort((a, b) => a - b),
      ActiveVersion: secret.active,
    };
  }

  /** Runs one API method; returns the response. */
  function apply(path: string, f: Fields): Response {
    const name = f.Name ?? "";
    const action = METHOD_ACTION[path]!;
    if (path === "/api/list") {
      const out = [...secrets.keys()].sort().filter((n) => acl(n, "info"))
        .map((n) => infoOf(n, secrets.get(n)!));
      return json(out.length ? out : null); // Go marshals an empty slice it never grew as null
    }
    if (!acl(name, action)) return textError("access denied", 403);
    const secret = secrets.get(name);
    const version = f.Version ?? 0;
    switch (path) {
      case "/api/put":
        return json(put(name, f.Value ?? new Uint8Array()));
      case "/api/create-version": {
        if (version === 0) return textError("bad request", 400);
        if (secret?.used.has(version)) return textError("version claimed", 412);
        const value = f.Value ?? new Uint8Array();
        if (!secret) {
          const fresh = {
            versions: new Map([[version, value]]),
            active: version,
            highest: version,
          };
          secrets.set(name, { ...fresh, used: new Set([version]) });
        } else {
          secret.versions.set(version, value);
          secret.used.add(version);
          secret.highest = Math.max(secret.highest, version);
        }
        return json(null);
      }
    }
    if (!secret) return textError("not found", 404);
    switch (path) {
      case "/api/get": {
        if (f.UpdateIfChanged && version > 0 && secret.active === version) {
          return new Response(null, {
            status: 304,
            headers: { "content-type": "application/json" },
          });
        }
        const v = version > 0 && !f.UpdateIfChanged ? version : secret.active;
        const value = secret.versions.get(v);
        if (!value) return textError("not found", 404);
        return json({ Value: toBase64(value), Version: v });
      }
      case "/api/info":
        return json(infoOf(name, secret));
      case "/api/activate":
        if (!secret.versions.has(version)) return textError("not found", 404);
        secret.active = version;
        return json(null);
      case "/api/delete-version":
        if (!secret.versions.has(version)) return textError("not found", 404);
        if (secret.active === version) return textError("internal error", 500);
        secret.versions.delete(version);
        return json(null);
      default: // /api/delete
        secrets.delete(name);
        return json(null);
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
      return {
        response: textError("service unavailable", failures.status),
        entry,
      };
    }
    if (!(path in METHOD_ACTION)) {
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

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
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

  return Promise.resolve({
    url: `http://127.0.0.1:${port}`,
    port,
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
  });
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--port");
  const port = i >= 0 ? Number(Deno.args[i + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("usage: setec_server.ts [--port N]");
    Deno.exit(2);
  }
  const standIn = await startSetecStandIn({ port });
  console.log(standIn.url);
  Deno.addSignalListener(
    "SIGTERM",
    () => standIn.close().then(() => Deno.exit(0)),
  );
}
