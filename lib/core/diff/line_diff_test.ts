import assert from "node:assert/strict";
import { changedLines, costLimit } from "./line_diff.ts";

/** The lines an edit script keeps, in order: equal on both sides exactly when the script is a correct one. */
function kept(lines: readonly string[], changed: Uint8Array): string[] {
  return lines.filter((_, i) => !changed[i]);
}

/** The length of a longest common subsequence, by the textbook table (small inputs only). */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = x === b[j - 1] ? diag + 1 : Math.max(row[j]!, row[j - 1]!);
      diag = up;
    }
  }
  return row[b.length]!;
}

const count = (flags: Uint8Array) => flags.reduce((s, f) => s + f, 0);

Deno.test("random texts: the kept lines agree on both sides, and without the cutoff as few lines change as can", () => {
  let seed = 11;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (let round = 0; round < 400; round++) {
    const words = 2 + rand(6);
    const a = Array.from({ length: rand(60) }, () => `w${rand(words)}`);
    const b = Array.from({ length: rand(60) }, () => `w${rand(words)}`);
    const full = changedLines(a, b);
    assert.deepEqual(kept(a, full.removed), kept(b, full.added), `round ${round}`);
    assert.equal(count(full.removed) + count(full.added), a.length + b.length - 2 * lcs(a, b), `round ${round}`);
    // A cutoff of 1 to 3 steps splits early and often: still a correct script, perhaps a longer one.
    const cut = changedLines(a, b, { limit: 1 + rand(3) });
    assert.deepEqual(kept(a, cut.removed), kept(b, cut.added), `round ${round}, cut`);
  }
});

Deno.test("a 20,000-line env file whose every line changed is no search at all: each line is removed and added", () => {
  const a = Array.from({ length: 20_000 }, (_, i) => `K${i + 1}=v`);
  const b = a.map((l) => l.replace(/=v$/, "=w"));
  const stats = { steps: 0, splits: 0, cutoffs: 0 };
  const r = changedLines(a, b, { stats });
  assert.equal(count(r.removed), 20_000);
  assert.equal(count(r.added), 20_000);
  assert.deepEqual(stats, { steps: 0, splits: 0, cutoffs: 0 });
});

Deno.test("20,000 lines in another order: the cutoff bounds the search, and the script is still correct", () => {
  let seed = 5;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const a = Array.from({ length: 20_000 }, (_, i) => `Environment=L${i}=${i * 7919 % 10007}`);
  const b = a.slice();
  for (let i = b.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [b[i], b[j]] = [b[j]!, b[i]!];
  }
  const stats = { steps: 0, splits: 0, cutoffs: 0 };
  const r = changedLines(a, b, { stats });
  assert.deepEqual(kept(a, r.removed), kept(b, r.added));
  assert.ok(stats.cutoffs > 0, "the cutoff was reached");
  // Without it a split point of this pair alone would cost about (N+M)·D/2 = 40,000 · 39,000 / 2 steps.
  assert.ok(stats.steps < 40_000 * costLimit(40_000) * 8, `${stats.steps} steps`);
  // Near the shortest: a random order keeps about 2·sqrt(N) lines in the longest common subsequence.
  assert.ok(count(r.removed) <= 20_000 && count(r.removed) > 19_000, `${count(r.removed)} removed`);
});

Deno.test("the cost limit grows with the square root of the lines, from 256", () => {
  assert.equal(costLimit(0), 256);
  assert.equal(costLimit(40_000), 256);
  assert.equal(costLimit(4_000_000), 2048);
});
