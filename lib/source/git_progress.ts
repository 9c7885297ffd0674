/**
 * Progress of a `git fetch`: git writes "Receiving objects:  45% (450/1000),
 * 12.34 MiB | 2.00 MiB/s" lines to stderr (each ended by a carriage return
 * while it updates) when asked with `--progress`. This reads them as they
 * come, reports the bytes received (the total estimated from the percent)
 * and keeps the whole text for error messages, as a piped stderr would.
 *
 * @module
 */
import { type ProgressSink, startProgress } from "../core/progress/meter.ts";

const UNITS: Record<string, number> = { bytes: 1, KiB: 1024, MiB: 1048576, GiB: 1073741824 };
const RECEIVING = /Receiving objects:\s+(\d+)% \(\d+\/\d+\), ([\d.]+) (bytes|KiB|MiB|GiB)/;

/** One progress line of git, as bytes received and the percent; undefined for other lines. */
export function parseGitProgress(line: string): { bytes: number; percent: number } | undefined {
  const m = RECEIVING.exec(line);
  if (!m) return undefined;
  return { bytes: Math.round(Number(m[2]) * UNITS[m[3]!]!), percent: Number(m[1]) };
}

/** A stderr for `git fetch --progress`: reports to `sink` and keeps the text. */
export function gitProgress(sink: ProgressSink, task: string): {
  stderr: WritableStream<Uint8Array>;
  text(): string;
  end(): void;
} {
  const decoder = new TextDecoder();
  let text = "";
  let rest = "";
  let meter: ReturnType<typeof startProgress> | undefined;
  const line = (l: string) => {
    const p = parseGitProgress(l);
    if (!p || p.percent <= 0) return;
    meter ??= startProgress(sink, task, { total: Math.round((p.bytes * 100) / p.percent), estimated: true });
    meter.update(p.bytes);
  };
  return {
    stderr: new WritableStream({
      write(chunk) {
        const s = decoder.decode(chunk, { stream: true });
        text += s;
        rest += s;
        const parts = rest.split(/[\r\n]/);
        rest = parts.pop() ?? "";
        parts.forEach(line);
      },
      close() {
        if (rest) line(rest);
      },
    }),
    // git's progress lines are noise in an error message: only the other lines are kept.
    text: () => text.split(/[\r\n]/).filter((l) => l && !/^(remote: )?[A-Z][a-z]+ objects:/.test(l)).join("\n"),
    end: () => meter?.end(),
  };
}
