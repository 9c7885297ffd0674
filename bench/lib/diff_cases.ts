/**
 * The file pairs the diff benchmarks measure (bench/diff_20000.ts on this
 * machine, bench/lib/diff_child.ts in the test host): 20,000 lines each.
 *
 * @module
 */

/** A pair of texts to diff, and what it stands for. */
export interface DiffCase {
  name: string;
  what: string;
  before: string;
  after: string;
}

const text = (lines: string[]) => lines.join("\n") + "\n";

/** The cases, `lines` long: a few scattered changes, every line rewritten (issue 25's worst case), and a reordering. */
export function diffCases(lines = 20_000): DiffCase[] {
  const scattered = Array.from({ length: lines }, (_, i) => `Environment=LINE_${i}=value-${i * 7919 % 10007}`);
  const env = Array.from({ length: lines }, (_, i) => `K${i + 1}=v`);
  let seed = 12345;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const shuffled = scattered.slice();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return [
    {
      name: "scattered",
      what: `${lines} lines, 40 changed here and there`,
      before: text(scattered),
      after: text(scattered.map((l, i) => (i % 500 === 250 ? `${l}-changed` : l))),
    },
    {
      name: "rewritten",
      what: `${lines}-line env file, every line changed (K1=v -> K1=w)`,
      before: text(env),
      after: text(env.map((l) => l.replace(/=v$/, "=w"))),
    },
    {
      name: "reordered",
      what: `${lines} lines, the same lines in another order (the cost cutoff at work)`,
      before: text(scattered),
      after: text(shuffled),
    },
  ];
}
