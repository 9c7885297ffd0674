/**
 * The progress line on a terminal: one line on stderr, rewritten in place
 * (carriage return, the text, erase to the end of the line), cleared before
 * any other message and when its task ends. Shown only when both stdout
 * and stderr are terminals (so `leger backup web | tee log` and
 * `2>file` show none), never with `--quiet`, `--json`, under systemd's
 * journal or with `TERM=dumb`; colour follows NO_COLOR like every line.
 *
 * @module
 */
import { forTerminal, paint } from "../escape.ts";
import { progressLine, type ProgressUpdate } from "./meter.ts";

/** Where the line is written (stderr; a test gives its own). */
export interface LineWriter {
  writeSync(bytes: Uint8Array): number;
}

/** A terminal's progress line. */
export interface TerminalProgress {
  /** Shows (or replaces) the line for this update; a finished task clears it. */
  show(update: ProgressUpdate): void;
  /** Clears the line, if one is shown (before another message). */
  clear(): void;
}

/** Whether progress lines go to this terminal: see the module's notes. */
export function progressWanted(
  options: { quiet?: boolean; json?: boolean; journal?: boolean },
  streams: { stdout: { isTerminal(): boolean }; stderr: { isTerminal(): boolean } } = Deno,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): boolean {
  if (options.quiet || options.json || options.journal || env.TERM === "dumb") return false;
  return streams.stdout.isTerminal() && streams.stderr.isTerminal();
}

const encoder = new TextEncoder();
const CLEAR = "\r\x1b[K";

/**
 * The progress line on `out`. The text comes from outside in part (volume
 * names from a backup folder), so it goes through the escaping printer;
 * only the line's own controls are written raw. Lines are cut to `columns`
 * so that a narrow terminal does not wrap them (a wrapped line cannot be
 * rewritten in place).
 */
export function terminalProgress(
  out: LineWriter = Deno.stderr,
  color = false,
  columns: () => number = () => Deno.consoleSize().columns,
): TerminalProgress {
  let shown = false;
  const write = (s: string) => {
    try {
      out.writeSync(encoder.encode(s));
    } catch { /* a terminal that went away: progress is not worth failing for */ }
  };
  return {
    show(update) {
      if (update.finished) {
        if (shown) write(CLEAR);
        shown = false;
        return;
      }
      let width = 80;
      try {
        // A terminal that gives no size (0 columns, as script(1)'s can) is taken as 80 wide.
        width = columns() || 80;
      } catch { /* not a terminal after all */ }
      const text = forTerminal(progressLine(update)).slice(0, Math.max(10, width - 1));
      write(CLEAR + forTerminal(paint("2", text), color));
      shown = true;
    },
    clear() {
      if (shown) write(CLEAR);
      shown = false;
    },
  };
}
