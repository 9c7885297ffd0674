/**
 * The rows of `deno task bench` and the one table they print: what, leger,
 * the raw command measured in the same run, the ratio, the goal, and
 * whether the goal is met.
 *
 * @module
 */

/** A measured quantity: milliseconds or bytes. */
export type Figure = { ms: number } | { bytes: number };

/** One row of the table. */
export interface Row {
  what: string;
  leger: Figure;
  /** The raw podman/systemctl/tool figure of the same run, when there is one. */
  raw?: { figure: Figure; what: string };
  /** The goal, as issue 13 words it. */
  goal: string;
  /** Whether the goal is met (`undefined`: not judged by this bench). */
  met: boolean | undefined;
  /** What else the reader needs (peak RSS, a verdict count, ...). */
  note?: string;
}

/** The median of some numbers (the upper one of the middle two). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** Shows a figure: `1.23 s`, `87 ms`, `64 MiB`. */
export function show(f: Figure): string {
  if ("bytes" in f) return `${(f.bytes / 1048576).toFixed(f.bytes < 10 * 1048576 ? 1 : 0)} MiB`;
  if (f.ms >= 1000) return `${(f.ms / 1000).toFixed(2)} s`;
  return `${f.ms < 10 ? f.ms.toFixed(1) : f.ms.toFixed(0)} ms`;
}

const value = (f: Figure) => ("bytes" in f ? f.bytes : f.ms);

/** leger's figure over the raw one, e.g. `1.42x` (empty without a raw figure). */
export function ratio(row: Row): number | undefined {
  return row.raw ? value(row.leger) / value(row.raw.figure) : undefined;
}

/** Judges a ratio goal: met when leger's figure is at most `max` times the raw one. */
export function ratioMet(leger: Figure, raw: Figure, max: number): boolean {
  return value(leger) <= max * value(raw);
}

/** The table as Markdown (what docs/BENCHMARKS.md keeps and the terminal shows). */
export function markdownTable(rows: readonly Row[]): string {
  const head = ["what", "leger", "raw (same run)", "ratio", "goal", "met"];
  const body = rows.map((r) => {
    const q = ratio(r);
    const cells = [
      r.what,
      show(r.leger) + (r.note ? ` (${r.note})` : ""),
      r.raw ? `${show(r.raw.figure)} \`${r.raw.what}\`` : "-",
      q === undefined ? "-" : `${q.toFixed(2)}x`,
      r.goal,
      r.met === undefined ? "-" : r.met ? "yes" : "**no**",
    ];
    return cells.map((c) => c.replaceAll("|", "\\|")); // a pipe in a cell would end it
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
