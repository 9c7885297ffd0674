/**
 * Unified diffs of text files (the format `diff -u` and git print).
 *
 * @module
 */
import { changedLines } from "./line_diff.ts";

/** A run of lines: kept (" "), removed ("-") or added ("+"), starting at line `a` of before and `b` of after (0-based). */
type Block = { kind: " " | "-" | "+"; a: number; b: number; lines: string[] };

/** Marks a last line without a newline, so "x" and "x\n" differ as diff shows it. */
const NO_NEWLINE = "\u0000no-newline";

function lines(text: string): string[] {
  if (text === "") return [];
  const out = text.split("\n");
  if (out[out.length - 1] === "") out.pop();
  else out[out.length - 1] += NO_NEWLINE;
  return out;
}

function show(kind: string, line: string): string {
  return line.endsWith(NO_NEWLINE)
    ? `${kind}${line.slice(0, -NO_NEWLINE.length)}\n\\ No newline at end of file`
    : kind + line;
}

/**
 * The edit script between two line lists as runs of kept, removed and
 * added lines: the common head and tail are trimmed, and the middle goes
 * to lib/core/diff/line_diff.ts (Myers' algorithm with a cost cutoff, as GNU diff
 * has: a file whose every line changed takes milliseconds, and the script
 * stays correct where the cutoff makes it longer than the shortest). Runs,
 * not one record per line, so the unchanged bulk of a big file costs
 * nothing further.
 */
function editScript(a: string[], b: string[]): Block[] {
  const n = a.length, m = b.length;
  let head = 0;
  while (head < n && head < m && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < n - head && tail < m - head && a[n - 1 - tail] === b[m - 1 - tail]) tail++;
  const A = a.slice(head, n - tail), B = b.slice(head, m - tail);
  const blocks: Block[] = [];
  const push = (kind: Block["kind"], at: number, bt: number, lines: string[]) => {
    if (lines.length) blocks.push({ kind, a: at, b: bt, lines });
  };
  push(" ", 0, 0, a.slice(0, head));
  const { removed, added } = changedLines(A, B);
  let i = 0, j = 0;
  while (i < A.length || j < B.length) {
    const i0 = i, j0 = j;
    while (i < A.length && removed[i]) i++;
    push("-", head + i0, head + j0, A.slice(i0, i));
    while (j < B.length && added[j]) j++;
    push("+", head + i, head + j0, B.slice(j0, j));
    const k0 = i, l0 = j;
    while (i < A.length && j < B.length && !removed[i] && !added[j]) i++, j++;
    push(" ", head + k0, head + l0, A.slice(k0, i));
  }
  push(" ", n - tail, m - tail, a.slice(n - tail));
  return blocks;
}

/**
 * A unified diff of `before` and `after` with `context` lines around each
 * change; "" when they are equal. Changes closer than twice the context
 * share a hunk, as in `diff -u`.
 */
export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  if (before === after) return "";
  const blocks = editScript(lines(before), lines(after));
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  let k = 0;
  while (k < blocks.length) {
    if (blocks[k]!.kind === " ") {
      k++;
      continue;
    }
    const body: string[] = [];
    let aCount = 0, bCount = 0;
    const kept = (lines: string[]) => {
      for (const line of lines) body.push(show(" ", line));
      aCount += lines.length;
      bCount += lines.length;
    };
    const pre = k > 0 ? blocks[k - 1]! : undefined;
    const lead = pre ? pre.lines.slice(Math.max(0, pre.lines.length - context)) : [];
    const aFirst = pre ? pre.a + pre.lines.length - lead.length : blocks[k]!.a;
    const bFirst = pre ? pre.b + pre.lines.length - lead.length : blocks[k]!.b;
    kept(lead);
    for (; k < blocks.length; k++) {
      const block = blocks[k]!;
      if (block.kind === " ") {
        if (k + 1 < blocks.length && block.lines.length <= 2 * context) {
          kept(block.lines);
          continue;
        }
        kept(block.lines.slice(0, context));
        k++;
        break;
      }
      for (const line of block.lines) body.push(show(block.kind, line));
      if (block.kind === "-") aCount += block.lines.length;
      else bCount += block.lines.length;
    }
    out.push(`@@ -${aCount ? aFirst + 1 : aFirst},${aCount} +${bCount ? bFirst + 1 : bFirst},${bCount} @@`, ...body);
  }
  return out.join("\n") + "\n";
}
