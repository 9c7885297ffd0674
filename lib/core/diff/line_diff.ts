/**
 * Which lines of two texts changed: Myers' O(ND) difference algorithm in
 * linear space (the "middle snake", divide and conquer), with two things
 * GNU diff also does so that no input makes it slow:
 *
 * - A line that occurs nowhere in the other text cannot be kept, so it is
 *   marked changed at once and left out of the search. A file whose every
 *   line changed (`K1=v` -> `K1=w` on 20,000 lines) is then no search at
 *   all.
 * - A cost cutoff: when the search for one split point has taken
 *   {@linkcode costLimit} steps, it takes the furthest point reached so far
 *   and splits there. Both halves are still diffed, so the result is a
 *   correct edit script, though perhaps not the shortest.
 *
 * Lines are compared as numbers (one id per distinct line). Written for
 * leger (docs/ARCHITECTURE.md decision 30); the npm package `diff` it
 * replaces has no such cutoff and did not finish the 20,000-line case in
 * 120 s.
 *
 * @module
 */

/** Which lines of `a` are removed and which lines of `b` are added (1 = changed). */
export interface LineChanges {
  removed: Uint8Array;
  added: Uint8Array;
}

/**
 * The number of search steps (edit distance explored) after which a split
 * point is taken as found: at least 256, and the square root of the lines
 * involved beyond that, as GNU diff scales its own.
 */
export function costLimit(lines: number): number {
  return Math.max(256, 2 ** Math.ceil(Math.log2(lines + 3) / 2));
}

/** Options of {@linkcode changedLines}. */
export interface ChangedLinesOptions {
  /** The cost cutoff (default {@linkcode costLimit} of the lines searched). */
  limit?: number;
  /** Filled in with the work done: diagonals visited and splits made (for tests and benchmarks). */
  stats?: { steps: number; splits: number; cutoffs: number };
}

/** Marks the lines that differ between `a` and `b`. */
export function changedLines(
  a: readonly string[],
  b: readonly string[],
  options: ChangedLinesOptions = {},
): LineChanges {
  const n = a.length, m = b.length;
  const removed = new Uint8Array(n), added = new Uint8Array(m);
  const ids = new Map<string, number>();
  const ia = new Int32Array(n), ib = new Int32Array(m);
  for (let i = 0; i < n; i++) {
    let id = ids.get(a[i]!);
    if (id === undefined) ids.set(a[i]!, id = ids.size);
    ia[i] = id;
  }
  for (let j = 0; j < m; j++) {
    let id = ids.get(b[j]!);
    if (id === undefined) ids.set(b[j]!, id = ids.size);
    ib[j] = id;
  }
  const inA = new Uint8Array(ids.size), inB = new Uint8Array(ids.size);
  for (let i = 0; i < n; i++) inA[ia[i]!] = 1;
  for (let j = 0; j < m; j++) inB[ib[j]!] = 1;
  // Lines with no equal on the other side are changed whatever the search finds: keep them out of it.
  const keptA = new Int32Array(n), keptB = new Int32Array(m);
  let nx = 0, ny = 0;
  for (let i = 0; i < n; i++) {
    if (inB[ia[i]!]) keptA[nx++] = i;
    else removed[i] = 1;
  }
  for (let j = 0; j < m; j++) {
    if (inA[ib[j]!]) keptB[ny++] = j;
    else added[j] = 1;
  }
  const x = new Int32Array(nx), y = new Int32Array(ny);
  for (let k = 0; k < nx; k++) x[k] = ia[keptA[k]!]!;
  for (let k = 0; k < ny; k++) y[k] = ib[keptB[k]!]!;
  const cx = new Uint8Array(nx), cy = new Uint8Array(ny);
  const stats = options.stats ?? { steps: 0, splits: 0, cutoffs: 0 };
  compare(x, y, cx, cy, options.limit ?? costLimit(nx + ny), stats);
  for (let k = 0; k < nx; k++) removed[keptA[k]!] = cx[k]!;
  for (let k = 0; k < ny; k++) added[keptB[k]!] = cy[k]!;
  return { removed, added };
}

/** Divide and conquer over ranges of `x` and `y`, with an explicit stack (a split may be lopsided). */
function compare(
  x: Int32Array,
  y: Int32Array,
  cx: Uint8Array,
  cy: Uint8Array,
  limit: number,
  stats: NonNullable<ChangedLinesOptions["stats"]>,
): void {
  const size = x.length + y.length + 3;
  const fd = new Int32Array(size), bd = new Int32Array(size);
  const off = y.length + 1; // index of diagonal k = x - y is k + off
  const stack: number[] = [0, x.length, 0, y.length];
  while (stack.length) {
    let ylim = stack.pop()!, yoff = stack.pop()!, xlim = stack.pop()!, xoff = stack.pop()!;
    while (xoff < xlim && yoff < ylim && x[xoff] === y[yoff]) xoff++, yoff++;
    while (xlim > xoff && ylim > yoff && x[xlim - 1] === y[ylim - 1]) xlim--, ylim--;
    if (xoff === xlim || yoff === ylim) {
      cx.fill(1, xoff, xlim);
      cy.fill(1, yoff, ylim);
      continue;
    }
    const [xmid, ymid] = split(x, y, xoff, xlim, yoff, ylim, fd, bd, off, limit, stats);
    stats.splits++;
    if ((xmid === xoff && ymid === yoff) || (xmid === xlim && ymid === ylim)) {
      // No progress (cannot happen with a met snake; kept as a guard): the whole range is replaced.
      cx.fill(1, xoff, xlim);
      cy.fill(1, yoff, ylim);
      continue;
    }
    stack.push(xmid, xlim, ymid, ylim, xoff, xmid, yoff, ymid);
  }
}

/**
 * A point (x, y) on an edit path through the range: where a forward search
 * from the top left and a backward search from the bottom right meet, or,
 * past `limit` steps, the point one of them reached furthest.
 */
function split(
  x: Int32Array,
  y: Int32Array,
  xoff: number,
  xlim: number,
  yoff: number,
  ylim: number,
  fd: Int32Array,
  bd: Int32Array,
  off: number,
  limit: number,
  stats: NonNullable<ChangedLinesOptions["stats"]>,
): [number, number] {
  const dmin = xoff - ylim, dmax = xlim - yoff; // the diagonals of the range
  const fmid = xoff - yoff, bmid = xlim - ylim; // where each search starts
  let fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
  const odd = ((fmid - bmid) & 1) !== 0; // which search can be the first to meet the other
  fd[fmid + off] = xoff;
  bd[bmid + off] = xlim;
  for (let cost = 1;; cost++) {
    stats.steps += fmax - fmin + bmax - bmin + 4;
    // One more step forward: each diagonal's furthest x, then along its snake of equal lines.
    if (fmin > dmin) fd[--fmin - 1 + off] = -1;
    else fmin++;
    if (fmax < dmax) fd[++fmax + 1 + off] = -1;
    else fmax--;
    for (let d = fmax; d >= fmin; d -= 2) {
      const lo = fd[d - 1 + off]!, hi = fd[d + 1 + off]!;
      let i = lo >= hi ? lo + 1 : hi, j = i - d;
      while (i < xlim && j < ylim && x[i] === y[j]) i++, j++;
      fd[d + off] = i;
      if (odd && bmin <= d && d <= bmax && bd[d + off]! <= i) return [i, j];
    }
    // One more step backward, from the bottom right.
    if (bmin > dmin) bd[--bmin - 1 + off] = 0x7fffffff;
    else bmin++;
    if (bmax < dmax) bd[++bmax + 1 + off] = 0x7fffffff;
    else bmax--;
    for (let d = bmax; d >= bmin; d -= 2) {
      const lo = bd[d - 1 + off]!, hi = bd[d + 1 + off]!;
      let i = lo < hi ? lo : hi - 1, j = i - d;
      while (i > xoff && j > yoff && x[i - 1] === y[j - 1]) i--, j--;
      bd[d + off] = i;
      if (!odd && fmin <= d && d <= fmax && i <= fd[d + off]!) return [i, j];
    }
    if (cost < limit) continue;
    stats.cutoffs++;
    // Too expensive: split at the point that got furthest (in x + y) from its own corner.
    let fBest = -1, fx = xoff;
    for (let d = fmax; d >= fmin; d -= 2) {
      let i = Math.min(fd[d + off]!, xlim), j = i - d;
      if (j > ylim) i = ylim + d, j = ylim;
      if (i + j > fBest) fBest = i + j, fx = i;
    }
    let bBest = Infinity, bx = xlim;
    for (let d = bmax; d >= bmin; d -= 2) {
      let i = Math.max(xoff, bd[d + off]!), j = i - d;
      if (j < yoff) i = yoff + d, j = yoff;
      if (i + j < bBest) bBest = i + j, bx = i;
    }
    return xlim + ylim - bBest < fBest - (xoff + yoff) ? [fx, fBest - fx] : [bx, bBest - bx];
  }
}
