/**
 * One HTTPS round trip to a Setec server, and what its answer means: the
 * checks of the server URL (HTTPS only, plain http only on loopback), an
 * extra CA to trust, a cap on how much of an answer is read, and the
 * classification of failures into passing ones (retried, then served from
 * the cache: network errors, a connection cut during the TLS handshake,
 * timeouts, 502/503/504, and 500 "unable to identify caller" for a read)
 * and final ones (a refused certificate, 4xx, any other 5xx).
 *
 * @module
 */
import { UsageError } from "../core/errors.ts";
import {
  printable,
  SetecAccessDeniedError,
  SetecBadRequestError,
  SetecNotFoundError,
  SetecProtocolError,
  SetecServerError,
  SetecTlsError,
  SetecTooLargeError,
  SetecUnavailableError,
  SetecVersionClaimedError,
} from "./setec_errors.ts";

/** Statuses of a passing outage (a proxy or load balancer in front of Setec): retried. */
export const RETRIED_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** The most bytes of an answer leger reads: a `list` of many secrets; any other answer is far smaller. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** The most bytes of an answer to anything but `list`: a 512000-byte value in base64 plus JSON. */
export const MAX_VALUE_ANSWER_BYTES = 1024 * 1024;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Checks a Setec server URL: `https://` (the real server serves its API
 * only over TLS, with the certificate of its MagicDNS name), or `http://`
 * on loopback (a test server). Returns it without a trailing slash.
 */
export function checkServerUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(
      `Cannot use Setec server "${printable(server)}": not a URL`,
      "Set daemon.setec-server (or SETEC_SERVER) to the server's MagicDNS name, e.g. https://secrets.example.ts.net.",
    );
  }
  const shown = printable(url.href);
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname)) {
    throw new UsageError(
      `Cannot use Setec server ${shown}: Setec serves its API only over HTTPS (plain http answers "Use HTTPS")`,
      `Use https:// and the server's MagicDNS name, e.g. https://secrets.example.ts.net: the name its TLS certificate covers.`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(
      `Cannot use Setec server ${shown}: only https:// URLs are Setec servers`,
      "Use the server's MagicDNS name, e.g. https://secrets.example.ts.net.",
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError(
      `Cannot use Setec server ${shown}: a Setec URL has no user, password, query or fragment`,
      "Setec learns who calls from the tailnet; use just https://NAME.TAILNET.ts.net.",
    );
  }
  return url.href.replace(/\/+$/, "");
}

/** What one call needs to know. */
export interface Call {
  /** API method, e.g. `get`. */
  method: string;
  /** Secret name, when the call is about one. */
  secret: string | undefined;
  /** JSON body. */
  body: string;
  /** The version asked about (for messages). */
  version: number | undefined;
  /** True for a conditional get: 404 is then about the secret only. */
  conditional?: boolean;
}

/** A successful answer. */
export interface Answer {
  /** 200 or 304. */
  status: number;
  /** The parsed JSON body (null for 304 or an empty body). */
  body: unknown;
}

/** How to reach the server. */
export interface Transport {
  /** Base URL without trailing slash. */
  server: string;
  /** fetch to use. */
  fetch: typeof fetch;
  /** Deno HTTP client trusting an extra CA, if any. */
  client: Deno.HttpClient | undefined;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Cancels everything. */
  signal: AbortSignal | undefined;
}

function causes(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, i = 0; e && i < 5; i++) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(" / ");
}

/**
 * Why this client refused the server's certificate, in words; undefined
 * for every other failure. Only a failed certificate verification is
 * final: a connection cut during the handshake ("tls handshake eof", seen
 * when Setec restarts), a reset, or bytes that are not TLS are a server
 * that is not there right now, retried and then served from the cache.
 */
export function tlsReason(error: unknown): string | undefined {
  const text = causes(error);
  // rustls, as Deno's fetch reports it: "invalid peer certificate: UnknownIssuer", "...: certificate not valid for
  // name ...", "...: Expired", "...: Other(OtherError(CaUsedAsEndEntity))".
  const refused = /invalid peer certificate:?\s*([^/]*)/i.exec(text);
  if (!refused) return undefined;
  const why = refused[1]!;
  if (/NotValidForName|not valid for name/i.test(why)) return "its certificate does not cover that name";
  if (/UnknownIssuer|CaUsedAsEndEntity|self[- ]signed|BadSignature/i.test(why)) {
    return "its certificate is not signed by a trusted CA";
  }
  if (/Expired|NotValidYet/i.test(why)) return "its certificate is expired or not valid yet";
  return `its certificate was refused (${printable(why.trim(), 120)})`;
}

/** Why a request got no answer, in words (the server is there, or will be, and is asked again). */
function unreachableReason(error: unknown): string {
  const text = causes(error);
  if (/tls handshake eof|handshake.*(eof|closed|reset)|close_notify/i.test(text)) {
    return "closed the connection during the TLS handshake (restarting?)";
  }
  if (/corrupt message|InvalidContentType|InvalidMessage/i.test(text)) {
    return "answered something other than TLS";
  }
  return "is unreachable";
}

/** The methods that only read: for them, Setec not knowing who calls is a passing outage. */
const READS: ReadonlySet<string> = new Set(["list", "get", "info"]);

/**
 * The text the real server answers (500) while it cannot tell who calls:
 * tailscaled's WhoIs failed, as it does while tailscaled restarts.
 */
const UNKNOWN_CALLER = "unable to identify caller";

async function readCapped(response: Response, cap: number): Promise<string | undefined> {
  const length = Number(response.headers.get("content-length") ?? "NaN");
  if (length > cap) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

/**
 * One attempt: an answer, a thrown final error, or a passing failure
 * returned (the caller retries those).
 */
export async function postOnce(t: Transport, call: Call): Promise<Answer | SetecUnavailableError> {
  const { method, secret } = call;
  const signals = [AbortSignal.timeout(t.timeoutMs)];
  if (t.signal) signals.push(t.signal);
  const cap = method === "list" ? MAX_ANSWER_BYTES : MAX_VALUE_ANSWER_BYTES;
  let response: Response;
  let text: string | undefined;
  try {
    const init: RequestInit & { client?: Deno.HttpClient } = {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Sec-X-Tailscale-No-Browsers": "setec",
      },
      body: call.body,
      signal: AbortSignal.any(signals),
      redirect: "manual",
    };
    if (t.client) init.client = t.client;
    response = await t.fetch(`${t.server}/api/${method}`, init);
    text = await readCapped(response, cap);
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    if (!timedOut && !t.signal?.aborted) {
      const tls = tlsReason(error);
      if (tls) throw new SetecTlsError(method, secret, t.server, tls, error);
    }
    const reason = t.signal?.aborted
      ? "was not asked: the request was cancelled"
      : timedOut
      ? `did not answer within ${t.timeoutMs} ms`
      : unreachableReason(error);
    return new SetecUnavailableError(method, secret, t.server, reason, undefined, error);
  }
  const status = response.status;
  if (text === undefined) {
    throw new SetecTooLargeError(method, secret, `the answer is larger than ${cap} bytes (HTTP ${status})`);
  }
  if (status === 200) {
    try {
      return { status, body: text === "" ? null : JSON.parse(text) };
    } catch {
      throw new SetecProtocolError(method, secret, "the body is not JSON");
    }
  }
  if (status === 304) return { status, body: null };
  const said = printable(text.trim()) || `HTTP ${status}`;
  if (RETRIED_STATUSES.has(status)) {
    return new SetecUnavailableError(method, secret, t.server, `failed (${status}: ${said})`, status);
  }
  if (status === 500 && text.trim() === UNKNOWN_CALLER && READS.has(method)) {
    // What the real server answers while tailscaled restarts: a read is asked again, then served from the cache.
    // A write stays final (below): it must not be taken as done, and waiting is the caller's choice.
    return new SetecUnavailableError(
      method,
      secret,
      t.server,
      `could not tell who this host is (500: ${UNKNOWN_CALLER})`,
      status,
      undefined,
      "Setec answers this while tailscaled restarts (on its host or this one); it is asked again on the next poll. " +
        "If it lasts, call Setec by its MagicDNS name over the tailnet, not through a proxy.",
    );
  }
  if (status === 404) {
    throw new SetecNotFoundError(method, secret, call.conditional ? undefined : call.version);
  }
  if (status === 403) throw new SetecAccessDeniedError(method, secret);
  if (status === 412) throw new SetecVersionClaimedError(secret ?? "", call.version ?? 0);
  if (status === 400) throw new SetecBadRequestError(method, secret, said);
  if (status >= 500) throw new SetecServerError(method, secret, status, text);
  throw new SetecProtocolError(method, secret, `HTTP ${status}: ${said}`);
}
