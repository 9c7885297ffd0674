/**
 * A client of Tailscale's Setec secrets server, speaking its HTTP API
 * exactly as the server expects: `POST /api/<method>`, JSON with Go's
 * PascalCase field names, values base64-encoded, versions as uint32, and
 * the `Sec-X-Tailscale-No-Browsers: setec` header. Tailscale provides the
 * caller's identity, so there is no token.
 *
 * Only HTTPS (plain http on loopback, for tests): the server's MagicDNS
 * name, which its certificate covers; an extra CA can be trusted. Requests
 * time out; network errors, timeouts and 502/503/504 are retried with
 * exponential backoff and jitter. 4xx, TLS failures and any other 5xx (the
 * server's permanent errors) never are. Names under `_internal/` and
 * version 0 where the server refuses it are refused before sending; values
 * larger than a Podman secret can hold are refused.
 *
 * @example
 * ```ts
 * const setec = new SetecClient({ server: "https://secrets.example.ts.net" });
 * const { value, version } = await setec.get("leger/app/key");
 * const next = await setec.get("leger/app/key", { version, updateIfChanged: true });
 * if (isUnchanged(next)) console.log("still", next.version);
 * ```
 *
 * @module
 */
import { z } from "zod";
import { UsageError } from "../core/errors.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { type SetecError, SetecProtocolError, SetecTooLargeError, SetecUnavailableError } from "./setec_errors.ts";
import { type Answer, type Call, checkServerUrl, postOnce, type Transport } from "./setec_transport.ts";

/** A secret's value at one version. */
export interface SecretValue {
  /** The bytes of the secret. */
  value: Uint8Array;
  /** The version these bytes are. */
  version: number;
}

/** The answer to a conditional get when the active version did not move. */
export interface SecretUnchanged {
  /** Always true. */
  unchanged: true;
  /** The version the caller already has (still active). */
  version: number;
}

/** Metadata of a secret (never its value). */
export interface SecretInfo {
  /** Secret name. */
  name: string;
  /** Every version that exists. */
  versions: number[];
  /** The version `get` returns by default. */
  activeVersion: number;
}

/** Options of {@linkcode SetecClient}. */
export interface SetecClientOptions {
  /** Base URL of the server, e.g. `https://secrets.example.ts.net`. */
  server: string;
  /** fetch to use (tests inject one); the global fetch by default. */
  fetch?: typeof fetch;
  /** Per-request timeout in ms; 10 s by default. */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors and 5xx; 3 by default. */
  retries?: number;
  /** First backoff delay in ms; doubles on each retry. 250 by default. */
  backoffMs?: number;
  /** Longest backoff delay in ms; 5 s by default. */
  maxBackoffMs?: number;
  /** Aborts every request and backoff wait (e.g. on daemon stop). */
  signal?: AbortSignal;
  /** Random source in [0, 1) for jitter (tests pin it). */
  random?: () => number;
  /** PEM text of a CA to trust besides the system's (a private or test CA). */
  caCert?: string;
}

/** The most bytes a value may have: what a Podman secret holds (podman refuses 512000 and more). */
export const MAX_VALUE_BYTES = 511_999;

/** Setec's reserved name prefix (server configuration); the server refuses these names with a 500. */
export const RESERVED_PREFIX = "_internal/";

/** True when a conditional get found the active version unchanged. */
export function isUnchanged(
  r: SecretValue | SecretUnchanged,
): r is SecretUnchanged {
  return "unchanged" in r;
}

const MAX_U32 = 0xffff_ffff;
const U32 = z.number().int().min(0).max(MAX_U32);
const InfoBody = z.object({
  Name: z.string(),
  Versions: z.array(U32).nullable(),
  ActiveVersion: U32,
});
const ValueBody = z.object({ Value: z.string().nullable(), Version: U32 });

function checkVersion(version: number, what: string, min = 0): void {
  if (!Number.isInteger(version) || version < min || version > MAX_U32) {
    throw new UsageError(
      `Cannot use ${what} ${version}: Setec versions here are whole numbers from ${min} to ${MAX_U32}`,
      min ? 'Version 0 means "the active version" and is refused for this call; name a real version.' : undefined,
    );
  }
}

function checkName(name: string): void {
  if (typeof name !== "string" || name === "") {
    throw new UsageError(
      "Cannot call Setec without a secret name",
      "Name the secret, e.g. leger/app/key.",
    );
  }
  if (name.startsWith(RESERVED_PREFIX)) {
    throw new UsageError(
      `Cannot use Setec secret ${JSON.stringify(name)}: names under ${RESERVED_PREFIX} are reserved by the server`,
      "Pick a name outside _internal/, e.g. under leger/.",
    );
  }
}

function toInfo(body: z.infer<typeof InfoBody>): SecretInfo {
  return {
    name: body.Name,
    versions: body.Versions ?? [],
    activeVersion: body.ActiveVersion,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The Setec API client. One instance per server; safe to share. */
export class SetecClient {
  /** Base URL of the server, without a trailing slash. */
  readonly server: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #random: () => number;
  #client: Deno.HttpClient | undefined;

  constructor(options: SetecClientOptions) {
    this.server = checkServerUrl(options.server);
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retries = options.retries ?? 3;
    this.#backoffMs = options.backoffMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.#signal = options.signal;
    this.#random = options.random ?? Math.random;
    if (options.caCert !== undefined) {
      this.#client = Deno.createHttpClient({ caCerts: [options.caCert] });
    }
  }

  /** Frees the HTTP client of an extra CA (if any). */
  close(): void {
    this.#client?.close();
    this.#client = undefined;
  }

  /** Lists every secret this host may `info` (names and versions, no values). */
  async list(): Promise<SecretInfo[]> {
    const { body } = await this.#call("list", undefined, {});
    const parsed = z.array(InfoBody).nullable().safeParse(body);
    if (!parsed.success) {
      throw new SetecProtocolError("list", undefined, "not a list of secrets");
    }
    return (parsed.data ?? []).map(toInfo);
  }

  /**
   * Fetches a secret: the active version, or `version` when given. With
   * `updateIfChanged` and a version > 0 it answers {@linkcode SecretUnchanged}
   * while that version is still the active one, and the active value as
   * soon as another version is activated.
   */
  get(
    name: string,
    options?: { version?: number; updateIfChanged?: false },
  ): Promise<SecretValue>;
  /** Conditional fetch: see the other overload. */
  get(
    name: string,
    options: { version: number; updateIfChanged: true },
  ): Promise<SecretValue | SecretUnchanged>;
  async get(
    name: string,
    options: { version?: number; updateIfChanged?: boolean } = {},
  ): Promise<SecretValue | SecretUnchanged> {
    checkName(name);
    const version = options.version ?? 0;
    checkVersion(version, "version");
    const updateIfChanged = options.updateIfChanged ?? false;
    const answer = await this.#call(
      "get",
      name,
      {
        Name: name,
        Version: version,
        UpdateIfChanged: updateIfChanged,
      },
      version,
      updateIfChanged && version > 0,
    );
    if (answer.status === 304) {
      if (!(updateIfChanged && version > 0)) {
        throw new SetecProtocolError("get", name, "304 to a request that was not conditional");
      }
      return { unchanged: true, version };
    }
    const parsed = ValueBody.safeParse(answer.body);
    if (!parsed.success) {
      throw new SetecProtocolError(
        "get",
        name,
        "no Value and Version in the answer",
      );
    }
    const got = parsed.data;
    if (got.Version === 0 || (version > 0 && !updateIfChanged && got.Version !== version)) {
      throw new SetecProtocolError("get", name, `version ${got.Version} is not the version asked for`);
    }
    const encoded = got.Value ?? "";
    if (encoded.length > Math.ceil(MAX_VALUE_BYTES / 3) * 4) {
      throw new SetecTooLargeError(
        "get",
        name,
        `version ${got.Version} is larger than ${MAX_VALUE_BYTES} bytes, more than a Podman secret holds`,
      );
    }
    let value: Uint8Array;
    try {
      value = decodeBase64(encoded);
    } catch {
      throw new SetecProtocolError("get", name, "Value is not base64");
    }
    if (value.length > MAX_VALUE_BYTES) {
      throw new SetecTooLargeError(
        "get",
        name,
        `version ${got.Version} is ${value.length} bytes, more than a Podman secret holds (${MAX_VALUE_BYTES})`,
      );
    }
    return { value, version: got.Version };
  }

  /** Metadata of one secret: its versions and the active one. */
  async info(name: string): Promise<SecretInfo> {
    checkName(name);
    const { body } = await this.#call("info", name, { Name: name });
    const parsed = InfoBody.safeParse(body);
    if (!parsed.success) {
      throw new SetecProtocolError("info", name, "not a secret's info");
    }
    if (parsed.data.Name !== name) {
      throw new SetecProtocolError("info", name, "the answer is about another secret");
    }
    return toInfo(parsed.data);
  }

  /**
   * Stores a value and returns its version. The first put of a name is
   * active at once; later ones wait for {@linkcode SetecClient.activate}.
   */
  async put(name: string, value: Uint8Array): Promise<number> {
    checkName(name);
    if (value.length > MAX_VALUE_BYTES) {
      throw new SetecTooLargeError("put", name, `the value is ${value.length} bytes, more than ${MAX_VALUE_BYTES}`);
    }
    const { body } = await this.#call("put", name, {
      Name: name,
      Value: encodeBase64(value),
    });
    const parsed = U32.safeParse(body);
    if (!parsed.success) {
      throw new SetecProtocolError("put", name, "not a version number");
    }
    return parsed.data;
  }

  /** Stores a value under a chosen version (> 0, never used before). */
  async createVersion(
    name: string,
    version: number,
    value: Uint8Array,
  ): Promise<void> {
    checkName(name);
    checkVersion(version, "version", 1);
    await this.#call("create-version", name, {
      Name: name,
      Version: version,
      Value: encodeBase64(value),
    }, version);
  }

  /** Makes `version` the active one. */
  async activate(name: string, version: number): Promise<void> {
    checkName(name);
    checkVersion(version, "version", 1);
    await this.#call(
      "activate",
      name,
      { Name: name, Version: version },
      version,
    );
  }

  /** Deletes one version (not the active one). */
  async deleteVersion(name: string, version: number): Promise<void> {
    checkName(name);
    checkVersion(version, "version", 1);
    await this.#call(
      "delete-version",
      name,
      { Name: name, Version: version },
      version,
    );
  }

  /** Deletes a secret and all its versions. */
  async delete(name: string): Promise<void> {
    checkName(name);
    await this.#call("delete", name, { Name: name });
  }

  /** Backoff before retry `attempt` (1-based): exponential, full jitter in [50%, 100%]. */
  backoffDelay(attempt: number): number {
    const ceiling = Math.min(
      this.#maxBackoffMs,
      this.#backoffMs * 2 ** (attempt - 1),
    );
    return Math.round(ceiling * (0.5 + this.#random() / 2));
  }

  async #call(
    method: string,
    secret: string | undefined,
    payload: Record<string, unknown>,
    version?: number,
    conditional = false,
  ): Promise<Answer> {
    const call: Call = { method, secret, body: JSON.stringify(payload), version, conditional };
    const transport: Transport = {
      server: this.server,
      fetch: this.#fetch,
      client: this.#client,
      timeoutMs: this.#timeoutMs,
      signal: this.#signal,
    };
    let lastError: SetecError | undefined;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) {
        try {
          await sleep(this.backoffDelay(attempt), this.#signal);
        } catch {
          break; // cancelled while waiting: report the last failure
        }
      }
      const result = await postOnce(transport, call);
      if (!(result instanceof SetecUnavailableError)) return result;
      lastError = result;
      if (this.#signal?.aborted) break;
    }
    throw lastError!;
  }
}
