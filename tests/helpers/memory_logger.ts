/**
 * A {@linkcode Logger} that keeps everything in memory, for tests: what
 * was logged, as events, and what was printed.
 *
 * @module
 */
import type { Level, Logger } from "../../lib/core/log.ts";
import type { ProgressUpdate } from "../../lib/core/progress/meter.ts";

/** One logged event. */
export interface LogEvent {
  level: Level;
  message: string;
  time: string;
}

/** A logger that keeps everything in memory (for tests). */
export function memoryLogger(): Logger & {
  events: LogEvent[];
  printed: string[];
  progressed: ProgressUpdate[];
  text(): string;
} {
  const events: LogEvent[] = [];
  const printed: string[] = [];
  const progressed: ProgressUpdate[] = [];
  const add = (level: Level) => (message: string) => events.push({ level, message, time: new Date().toISOString() });
  return {
    events,
    printed,
    debug: add("debug"),
    info: add("info"),
    step: add("step"),
    warn: add("warn"),
    error: add("error"),
    print: (t) => printed.push(t),
    progressed,
    progress: (u) => progressed.push(u),
    text: () => [...events.map((e) => `${e.level}: ${e.message}`), ...printed].join("\n"),
  };
}
