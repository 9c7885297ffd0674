/**
 * The reporter every part of leger writes through. The CLI prints human
 * lines to stderr (stdout is kept for results) or, with `--json`, one JSON
 * event per line on stderr. Tests use a logger that keeps everything in
 * memory (tests/helpers/memory_logger.ts).
 *
 * @module
 */
import { useColor } from "./color.ts";
import { forTerminal, jsonForTerminal, paint } from "./escape.ts";
import { progressLine, type ProgressUpdate } from "./progress/meter.ts";
import { progressWanted, terminalProgress } from "./progress/terminal.ts";

/**
 * Version of a `--json` progress event on stderr (lib/contract/misc.ts
 * `EventJson` describes it): the logger writes these events, so the version
 * is kept here, below the contract.
 */
export const EVENT_JSON_VERSION = 1;

/** Message levels. */
export type Level = "debug" | "info" | "step" | "warn" | "error";

/** What leger writes progress and results through. */
export interface Logger {
  /** Detail shown with --verbose. */
  debug(message: string): void;
  /** Normal progress. */
  info(message: string): void;
  /** A step of an operation ("Fetching ...", "Starting ..."). */
  step(message: string): void;
  /** Something the user should look at. */
  warn(message: string): void;
  /** A failure. */
  error(message: string): void;
  /** Result text for the user (stdout; not shown in --json mode). */
  print(text: string): void;
  /**
   * Progress of long work (lib/core/progress/meter.ts reports at most twice a
   * second): a line updated in place on a terminal, an event with a
   * `progress` field under --json; loggers that show none leave it out.
   */
  progress?(update: ProgressUpdate): void;
}

/** Options of {@linkcode consoleLogger}. */
export interface ConsoleLoggerOptions {
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  color?: boolean;
  /**
   * Prefix each line with its syslog priority (`<4>` for a warning) so that
   * `journalctl -p warning` finds it; default: when stderr is the journal.
   */
  journal?: boolean;
  /** Show progress lines in place on stderr; default: see lib/core/progress/terminal.ts `progressWanted`. */
  progress?: boolean;
}

const encoder = new TextEncoder();

/** syslog priorities journald reads from a `<N>` line prefix (sd-daemon(3)). */
const PRIORITY: Record<Level, number> = { error: 3, warn: 4, step: 5, info: 6, debug: 7 };

/**
 * True when stderr is connected to the journal: systemd sets
 * `JOURNAL_STREAM=DEV:INODE` for a service whose output goes there, and the
 * stream is still that one (a child whose stderr was redirected keeps the
 * variable but not the stream).
 */
export function stderrIsJournal(env: Record<string, string | undefined> = Deno.env.toObject()): boolean {
  const stream = env.JOURNAL_STREAM;
  if (!stream || !/^\d+:\d+$/.test(stream)) return false;
  try {
    const st = Deno.statSync("/proc/self/fd/2");
    return `${st.dev}:${st.ino}` === stream;
  } catch {
    return true; // no /proc: trust the variable
  }
}

/** The `<N>` prefix of a level when writing to the journal, else "". */
export function priorityPrefix(level: Level, journal: boolean): string {
  return journal ? `<${PRIORITY[level]}>` : "";
}

/**
 * Thrown by every write to stdout once its reader has gone (`leger diff web
 * | head`: EPIPE). Closing the pipe is the reader's choice, not a failure:
 * main.ts ends the run quietly with 141, as a shell reports a program ended
 * by SIGPIPE (Deno ignores that signal, so the write fails instead).
 */
export class StdoutClosed extends Error {
  constructor() {
    super("stdout was closed by its reader");
    this.name = "StdoutClosed";
  }
}

let stdoutGone = false;

/** Whether a write to stdout found its reader gone in this process (see {@linkcode StdoutClosed}). */
export function stdoutClosed(): boolean {
  return stdoutGone;
}

/**
 * Writes bytes to stdout, all of them: the one place leger writes its
 * stdout (a test keeps it so). A closed stdout throws {@linkcode StdoutClosed}
 * and is remembered, so a caller that swallowed the error still ends quietly.
 */
export function writeStdout(bytes: Uint8Array): void {
  if (stdoutGone) throw new StdoutClosed();
  try {
    let at = 0;
    while (at < bytes.length) at += Deno.stdout.writeSync(bytes.subarray(at));
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    stdoutGone = true;
    throw new StdoutClosed();
  }
}

/** Writes human text to stdout: controls escaped, leger's style marks shown as color or dropped. */
export function printOut(text: string, color = false): void {
  const safe = forTerminal(text, color);
  writeStdout(encoder.encode(safe.endsWith("\n") ? safe : safe + "\n"));
}

/** Writes human text to stderr the same way. */
export function printErr(text: string, color = false): void {
  const safe = forTerminal(text, color);
  Deno.stderr.writeSync(encoder.encode(safe.endsWith("\n") ? safe : safe + "\n"));
}

/** Writes JSON to stdout (C1 and bidi controls as \\u escapes as well). */
export function printJson(data: unknown): void {
  writeStdout(encoder.encode(jsonForTerminal(data, 2) + "\n"));
}

/**
 * A stream that prints what a child process writes (e.g. `journalctl -f`)
 * line by line through the escaping printer, as it arrives.
 */
export function escapingSink(to: "stdout" | "stderr"): WritableStream<Uint8Array> {
  const decoder = new TextDecoder();
  const print = to === "stdout" ? printOut : printErr;
  let rest = "";
  return new WritableStream<Uint8Array>({
    write(chunk) {
      rest += decoder.decode(chunk, { stream: true });
      const end = rest.lastIndexOf("\n");
      if (end < 0) return;
      print(rest.slice(0, end));
      rest = rest.slice(end + 1);
    },
    close() {
      rest += decoder.decode();
      if (rest) print(rest);
    },
  });
}

/** Whether stdout takes color (a terminal; not under NO_COLOR or TERM=dumb): see lib/core/color.ts. */
export function stdoutColor(): boolean {
  return useColor(Deno.stdout);
}

/** The CLI's logger. */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const journal = options.journal ?? stderrIsJournal();
  const color = !journal && (options.color ?? useColor(Deno.stderr));
  const line = (options.progress ?? progressWanted({ ...options, journal }))
    ? terminalProgress(Deno.stderr, color)
    : undefined;
  const event = (level: Level, message: string, extra: Record<string, unknown> = {}) =>
    Deno.stderr.writeSync(
      encoder.encode(
        jsonForTerminal({ version: EVENT_JSON_VERSION, level, message, time: new Date().toISOString(), ...extra }) +
          "\n",
      ),
    );
  const emit = (level: Level, message: string) => {
    if (level === "debug" && !options.verbose) return;
    if (options.json) {
      event(level, message);
      return;
    }
    if (options.quiet && (level === "info" || level === "step")) return;
    line?.clear();
    const prefix = level === "step"
      ? paint("36", "==> ")
      : level === "warn"
      ? paint("33", "warning: ")
      : level === "error"
      ? paint("31", "error: ")
      : "";
    // Every human line goes through the escaping printer: messages carry text from outside.
    // Under systemd each line carries its syslog priority, so journalctl -p warning finds it.
    const text = journal
      ? message.split("\n").map((line, i) => priorityPrefix(level, true) + (i === 0 ? prefix : "") + line).join("\n")
      : prefix + message;
    printErr(text, color);
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    step: (m) => emit("step", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
    print: (t) => {
      line?.clear();
      if (!options.json) printOut(t, stdoutColor());
    },
    progress: (u) => {
      if (options.json) {
        event("info", progressLine(u), { progress: u });
      } else line?.show(u);
    },
  };
}
