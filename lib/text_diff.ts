/**
 * Unified diffs of text files (the format `diff -u` and git print).
 *
 * @module
 */
import { diffArrays } from "diff";

type Op = { kind: " " | "-" | "+"; line: string; a: number; b: number };

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
 * Beyond this many inserted plus deleted lines (after the common head and
 * tail are trimmed) the middle is shown as one replaced block: a minimal
 * script would cost more time than it is worth to a reader.
 */
const MAX_EDIT_LENGTH = 5_000;

/**
 * The edit script between two line lists: Myers' algorithm from the npm
 * package `diff` (O((N+M)·D), so a small change to a 20,000-line file takes
 * milliseconds; the table it replaces was quadratic in time and memory).
 */
function editScript(a: string[], b: string[]): Op[] {
  const n = a.length, m = b.length;
  // Trim common head and tail: most updates touch a few lines.
  let head = 0;
  while (head < n && head < m && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < n - head && tail < m - head && a[n - 1 - tail] === b[m - 1 - tail]) tail++;
  const A = a.slice(head, n - tail), B = b.slice(head, m - tail);
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: " ", line: a[k]!, a: k, b: k });
  let i = head, j = head;
  const changes = A.length && B.length ? diffArrays(A, B, { maxEditLength: MAX_EDIT_LENGTH }) : undefined;
  const blocks = changes ?? [
    { value: A, removed: true, added: false },
    { value: B, removed: false, added: true },
  ];
  for (const block of blocks) {
    for (const line of block.value) {
      if (block.removed) ops.push({ kind: "-", line, a: i++, b: j });
      else if (block.added) ops.push({ kind: "+", line, a: i, b: j++ });
      else ops.push({ kind: " ", line, a: i++, b: j++ });
    }
  }
  for (let k = 0; k < tail; k++) ops.push({ kind: " ", line: a[n - tail + k]!, a: n - tail + k, b: m - tail + k });
  return ops;
}

/**
 * A unified diff of `before` and `after` with `context` lines around each
 * change; "" when they are equal.
 */
export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  if (before === after) return "";
  const ops = editScript(lines(before), lines(after));
  const changed = ops.map((o, i) => (o.kind !== " " ? i : -1)).filter((i) => i >= 0);
  const hunks: Array<[number, number]> = [];
  for (const i of changed) {
    const start = Math.max(0, i - context), end = Math.min(ops.length - 1, i + context);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1] + 1) last[1] = end;
    else hunks.push([start, end]);
  }
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  for (const [s, e] of hunks) {
    const slice = ops.slice(s, e + 1);
    const aCount = slice.filter((o) => o.kind !== "+").length;
    const bCount = slice.filter((o) => o.kind !== "-").length;
    const aStart = aCount ? slice.find((o) => o.kind !== "+")!.a + 1 : slice[0]!.a;
    const bStart = bCount ? slice.find((o) => o.kind !== "-")!.b + 1 : slice[0]!.b;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of slice) out.push(show(o.kind, o.line));
  }
  return out.join("\n") + "\n";
}
