/**
 * The problem type value checks return, and shorthands to make one.
 *
 * @module
 */

/** One problem with a value. */
export interface ValueIssue {
  /** How bad it is. */
  severity: "error" | "warning" | "info";
  /** Stable code, e.g. `value/port-range`. */
  code: string;
  /** What is wrong (names the value, not the key: the caller adds it). */
  message: string;
  /** What to do. */
  fix?: string;
}

/** An error-level issue. */
export const err = (code: string, message: string, fix?: string): ValueIssue =>
  fix ? { severity: "error", code, message, fix } : { severity: "error", code, message };

/** A warning-level issue. */
export const warn = (code: string, message: string, fix?: string): ValueIssue =>
  fix ? { severity: "warning", code, message, fix } : { severity: "warning", code, message };
