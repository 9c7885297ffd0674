/**
 * The errors of the Setec client. Every one names the Setec secret and the
 * API method; none ever holds a secret value.
 *
 * @module
 */
import { ExitCode, LegerError } from "../errors.ts";

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

/** 404: the secret (or the version) does not exist. */
export class SetecNotFoundError extends SetecError {
  constructor(method: string, secret: string | undefined, version?: number) {
    const what = version ? `version ${version} does not exist` : "it does not exist";
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

/**
 * The server could not be reached or failed (network error, timeout, 5xx)
 * even after retries. The daemon falls back to its cache on this one.
 */
export class SetecUnavailableError extends SetecError {
  constructor(
    method: string,
    secret: string | undefined,
    server: string,
    reason: string,
    status?: number,
    cause?: unknown,
  ) {
    super(`Cannot ${subject(method, secret)}: ${server} ${reason}`, {
      method,
      secret,
      status,
      cause,
      exitCode: ExitCode.environment,
      hint: status === undefined
        ? "Check that this host is on the tailnet (`tailscale status`) and that daemon.setec-server is right."
        : "Check the Setec server's logs; leger retries on its next poll.",
    });
    this.name = "SetecUnavailableError";
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
