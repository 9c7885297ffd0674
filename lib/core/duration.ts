/**
 * Durations as people write them in leger's files and flags: `500ms`,
 * `30s`, `10m`, `1h`, `7d`, or a bare number of seconds.
 *
 * @module
 */
import { UsageError } from "./errors.ts";

const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Parses a duration into milliseconds; throws a UsageError naming `what`. */
export function parseDuration(text: string, what = "duration"): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) {
    throw new UsageError(
      `Cannot read ${what} "${text}": not a duration`,
      "Write it as a number with a unit: 500ms, 30s, 10m, 1h or 7d.",
    );
  }
  return Math.round(Number(m[1]) * units[m[2] ?? "s"]!);
}
