/**
 * The errors of the Setec client. Every one names the Setec secret and the
 * API method; none ever holds a secret value.
 *
 * @module
 */
import { ExitCode, LegerError } from "../core/errors.ts";

/** The ACL capability Setec checks (in the tailnet policy file). */
export const SETEC_CAPABILITY = "tailscale.com/cap/secrets";

/** The ACL action each Setec API method needs. */
export const SETEC_ACTIONS: Record<string, string> = {
  list: "info",
  get: "get",
  info: "info",
  put: "put",
  "create-version": "create-version",
  activate: "activate",
  "delete-version": "delete",
  delete: "delete",
};

/** What every Setec error carries besides its message. */
export interface SetecErrorInit {
  /** API method, e.g. `get`. */
  method: string;
  /** Setec secret name, when the call was about one. */
  secret?: string | undefined;
  /** HTTP status, when the server answered. */
  status?: number | undefined;
  /** What the user should do. */
  hint: string;
  /** Process exit code. */
  exitCode?: number;
  /** Underlying error. */
  cause?: unknown;
}

/** Base class of the Setec client's errors. */
export class SetecError extends LegerError {
  /** API method that failed. */
  readonly method: string;
  /** Setec secret name, if any. */
  readonly secret: string | undefined;
  /** HTTP status, if the server answered. */
  readonly status: number | undefined;

  constructor(message: string, init: SetecErrorInit) {
    super(message, {
      hint: init.hint,
      exitCode: init.exitCode ?? ExitCode.failure,
      cause: init.cause,
      details: {
        method: init.method,
        ...(init.secret === undefined ? {} : { secret: init.secret }),
        ...(init.status === undefined ? {} : { status: init.status }),
      },
    });
    this.name = "SetecError";
    this.method = init.method;
    this.secret = init.secret;
    this.status = init.status;
  }
}

function subject(method: string, secret: string | undefined): string {
  return secret === undefined ? `call Setec ${method}` : `${method} Setec secret ${secret}`;
}

/**
 * 404: the secret does not exist. Setec checks the grant first (a host
 * without access gets 403), so 404 never means "this host may not see it";
 * and a conditional get answers the active value for a version it does not
 * know, so there a 404 is always about the secret, never a version.
 */
export class SetecNotFoundError extends SetecError {
  constructor(method: string, secret: string | undefined, version?: number) {
    const what = version ? `it or its version ${version} does not exist` : "it does not exist";
    super(`Cannot ${subject(method, secret)}: ${what} (404)`, {
      method,
      secret,
      status: 404,
      exitCode: ExitCode.notFound,
      hint: `Create it with \`setec put ${secret ?? "NAME"}\`, or fix the name in .leger.yaml.`,
    });
    this.name = "SetecNotFoundError";
  }
}

/** 403: this host's Tailscale identity lacks the ACL action. */
export class SetecAccessDeniedError extends SetecError {
  /** The ACL action the call needs. */
  readonly action: string;

  constructor(method: string, secret: string | undefined) {
    const action = SETEC_ACTIONS[method] ?? method;
    super(
      `Cannot ${subject(method, secret)}: access denied (403); ` +
        `it needs ${SETEC_CAPABILITY} action "${action}"`,
      {
        method,
        secret,
        status: 403,
        hint: `Grant this host's tag or user the ${SETEC_CAPABILITY} action "${action}" ` +
          `on ${secret ?? "the secret"} in the tailnet policy file.`,
      },
    );
    this.name = "SetecAccessDeniedError";
    this.action = action;
  }
}

/** 412: create-version with a version number used before. */
export class SetecVersionClaimedError extends SetecError {
  constructor(secret: string, version: number) {
    super(
      `Cannot create version ${version} of Setec secret ${secret}: that version was used before (412)`,
      {
        method: "create-version",
        secret,
        status: 412,
        hint: "Pick a version number never used for this secret, or use put to get the next one.",
      },
    );
    this.name = "SetecVersionClaimedError";
  }
}

/** 400: the server refused the request as malformed. */
export class SetecBadRequestError extends SetecError {
  constructor(method: string, secret: string | undefined, reason: string) {
    super(
      `Cannot ${subject(method, secret)}: the server refused the request (400: ${reason})`,
      {
        method,
        secret,
        status: 400,
        hint: "Check the secret name and version; this is likely a bug in leger if they look right.",
      },
    );
    this.name = "SetecBadRequestError";
  }
}

/** Escapes control characters of untrusted text and keeps it short. */
export function printable(text: string, max = 200): string {
  const clean = text.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

/**
 * The server could not be reached or failed for a while (network error, a
 * connection cut during the TLS handshake, timeout, 502/503/504, or 500
 * "unable to identify caller" to a read) even after retries. Syncs fall
 * back to the cache on this one, and only this one.
 */
export class SetecUnavailableError extends SetecError {
  /** What happened, in a few words for a line that serves the cache: "unreachable", "could not tell who this host is". */
  readonly outage: string;

  constructor(
    method: string,
    secret: string | undefined,
    server: string,
    reason: string,
    status?: number,
    cause?: unknown,
    hint?: string,
  ) {
    super(`Cannot ${subject(method, secret)}: ${server} ${reason}`, {
      method,
      secret,
      status,
      cause,
      exitCode: ExitCode.environment,
      hint: hint ??
        (status === undefined
          ? "Check that this host is on the tailnet (`tailscale status`) and that daemon.setec-server is right."
          : "Check the Setec server (or the proxy in front of it); leger retries on its next poll."),
    });
    this.name = "SetecUnavailableError";
    this.outage = reason.startsWith("closed the connection during the TLS handshake")
      ? "cut the TLS handshake short"
      : reason.startsWith("could not tell who this host is")
      ? "could not tell who this host is"
      : "unreachable";
  }
}

/**
 * The server answered 500 (or another status that is not a passing
 * outage): a permanent error such as deleting the active version, version
 * 0, an empty or reserved (`_internal/`) name, or "unable to identify
 * caller" to a write (to a read it is a passing outage). Never retried;
 * the server's own text is in the message.
 */
export class SetecServerError extends SetecError {
  constructor(method: string, secret: string | undefined, status: number, text: string) {
    const said = printable(text.trim()) || "no text";
    super(`Cannot ${subject(method, secret)}: the Setec server refused it (${status}: ${said})`, {
      method,
      secret,
      status,
      hint: said === "unable to identify caller"
        ? "Setec could not tell who this host is: call it over the tailnet (its MagicDNS name), not through a proxy."
        : "Retrying will not help. Check the name (names under _internal/ are reserved) and the version, " +
          "then the Setec server's logs.",
    });
    this.name = "SetecServerError";
  }
}

/**
 * The server's certificate was refused: not signed by a trusted CA, not
 * covering the server's name, or expired. Final: a cached value is not
 * served, since the server may not be Setec. (A handshake cut short is a
 * {@linkcode SetecUnavailableError}.)
 */
export class SetecTlsError extends SetecError {
  constructor(method: string, secret: string | undefined, server: string, reason: string, cause?: unknown) {
    super(`Cannot ${subject(method, secret)}: the TLS connection to ${server} failed (${reason})`, {
      method,
      secret,
      cause,
      exitCode: ExitCode.environment,
      hint: "Use the Setec server's MagicDNS name (https://NAME.TAILNET.ts.net), the name its certificate covers; " +
        "a server with a private CA needs daemon.setec-ca-file (or SETEC_CA_FILE) set to that CA's PEM file.",
    });
    this.name = "SetecTlsError";
  }
}

/** A value larger than a Podman secret can hold (or an answer larger than any Setec answer should be). */
export class SetecTooLargeError extends SetecError {
  constructor(method: string, secret: string | undefined, what: string) {
    super(`Cannot ${subject(method, secret)}: ${what}`, {
      method,
      secret,
      hint: "Store a smaller value in Setec (Podman secrets hold at most 512000 bytes), " +
        "or check that daemon.setec-server points at a Setec server.",
    });
    this.name = "SetecTooLargeError";
  }
}

/** The answer did not have the shape the Setec API promises. */
export class SetecProtocolError extends SetecError {
  constructor(method: string, secret: string | undefined, reason: string) {
    super(`Cannot ${subject(method, secret)}: unexpected answer (${reason})`, {
      method,
      secret,
      hint: "Check that daemon.setec-server points at a Setec server.",
    });
    this.name = "SetecProtocolError";
  }
}
