/**
 * Run inside the test host by `deno task bench`: writes two 20,000-line
 * files that differ in 40 scattered lines to the folder given, times
 * leger's unified diff of them in this process (the module loaded first,
 * as `leger diff` has it loaded), and prints JSON.
 *
 *   deno run -A bench/lib/diff_child.ts DIR [LINES]
 *
 * @module
 */
import { unifiedDiff } from "../../lib/core/text_diff.ts";

const dir = Deno.args[0]!;
const lines = Number(Deno.args[1] ?? 20_000);
const before = Array.from({ length: lines }, (_, i) => `Environment=LINE_${i}=value-${i * 7919 % 10007}`);
const after = before.map((l, i) => (i % 500 === 250 ? `${l}-changed` : l));
const a = before.join("\n") + "\n", b = after.join("\n") + "\n";
await Deno.writeTextFile(`${dir}/a.txt`, a);
await Deno.writeTextFile(`${dir}/b.txt`, b);
const t0 = performance.now();
const text = unifiedDiff(a, b, "a.txt", "b.txt");
const ms = performance.now() - t0;
const changed = text.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")).length;
console.log(JSON.stringify({ ms, changed, rssBytes: Deno.memoryUsage().rss }));
