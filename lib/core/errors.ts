/**
 * Errors leger raises on purpose. Every one carries the process exit code
 * the CLI should end with and, where there is one, a hint that says what to
 * do about it.
 *
 * @module
 */

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** Validation found errors; nothing was changed. */
  invalid: 3,
  /** Another leger run holds the lock. */
  locked: 4,
  /** Something the user named does not exist (set, backup, source). */
  notFound: 5,
  /** The host lacks what leger needs (podman too old, no systemd). */
  environment: 6,
  /** An update or restore failed its health check and was rolled back. */
  rolledBack: 7,
  /**
   * config.yaml is wrong or lacks what the command needs (sysexits'
   * EX_CONFIG). The daemon's units list it in RestartPreventExitStatus=:
   * restarting cannot fix a configuration.
   */
  config: 78,
} as const;

/** Options of {@linkcode LegerError}. */
export interface LegerErrorOptions {
  /** Process exit code; defaults to 1. */
  exitCode?: number;
  /** One sentence that tells the user what to do next. */
  hint?: string;
  /** The error that caused this one. */
  cause?: unknown;
  /** Extra data shown by `--json` output. */
  details?: Record<string, unknown>;
}

/**
 * The error type of leger. Messages follow "Cannot X: reason".
 *
 * @example
 * ```ts
 * throw new LegerError("Cannot install web: a set named web exists", {
 *   exitCode: ExitCode.failure,
 *   hint: "Pass --force to replace it.",
 * });
 * ```
 */
export class LegerError extends Error {
  /** Process exit code for this error. */
  readonly exitCode: number;
  /** What the user should do next, if known. */
  readonly hint: string | undefined;
  /** Structured details for `--json`. */
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options: LegerErrorOptions = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = "LegerError";
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** A mistake in how leger was called (exit code 2). */
export class UsageError extends LegerError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.usage, ...(hint ? { hint } : {}) });
    this.name = "UsageError";
  }
}

/** Something named does not exist (exit code 5). */
export class NotFoundError extends LegerError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.notFound, ...(hint ? { hint } : {}) });
    this.name = "NotFoundError";
  }
}

/** Returns the message chain of an error and its causes, outermost first. */
export function causeChain(error: unknown): string[] {
  const out: string[] = [];
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    if (current instanceof Error) {
      out.push(current.message);
      current = current.cause;
    } else {
      out.push(String(current));
      break;
    }
  }
  return out;
}
