/**
 * Reads the line coverage figure from `deno coverage`'s summary table.
 * The table's columns are named in its header (`| File | Branch % |
 * Function % | Line % |` in Deno 2.x); the figure is taken from the column
 * named "Line %" of the "All files" row, never by position.
 *
 * @module
 */

/** The figures of the "All files" row, in percent. */
export interface CoverageFigures {
  lines: number;
  branches?: number;
  functions?: number;
}

function cells(row: string): string[] {
  return row.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

/** The figures of `deno coverage`'s table, or an error saying why they cannot be read. */
export function readCoverage(report: string): CoverageFigures | { error: string } {
  const rows = report.split("\n").filter((l) => l.trim().startsWith("|"));
  const header = rows.find((r) => /\bFile\b/.test(r));
  if (!header) return { error: "no table header in the coverage report" };
  const names = cells(header).map((c) => c.toLowerCase());
  const column = (word: string) => names.findIndex((n) => n.startsWith(word) && n.endsWith("%"));
  const lineAt = column("line");
  if (lineAt < 0) return { error: `no "Line %" column in the header: ${header.trim()}` };
  const all = rows.find((r) => cells(r)[0] === "All files");
  if (!all) return { error: 'no "All files" row in the coverage report' };
  const values = cells(all);
  const figure = (at: number) => (at < 0 || values[at] === undefined || values[at] === "" ? NaN : Number(values[at]));
  const lines = figure(lineAt);
  if (!Number.isFinite(lines)) return { error: `the "All files" row has no line figure: ${all.trim()}` };
  const branches = figure(column("branch"));
  const functions = figure(column("function"));
  return {
    lines,
    ...(Number.isFinite(branches) ? { branches } : {}),
    ...(Number.isFinite(functions) ? { functions } : {}),
  };
}
