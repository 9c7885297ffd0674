/**
 * Run inside the test host by `deno task bench`: writes one pair of
 * 20,000-line files of bench/lib/diff_cases.ts (`scattered`: 40 lines
 * changed here and there; `rewritten`: every line of an env file changed)
 * to the folder given, times leger's unified diff of them in this process
 * (the module loaded first, as `leger diff` has it loaded), and prints JSON.
 *
 *   deno run -A bench/lib/diff_child.ts DIR [CASE] [LINES]
 *
 * @module
 */
import { unifiedDiff } from "../../lib/core/diff/text_diff.ts";
import { diffCases } from "./diff_cases.ts";

const dir = Deno.args[0]!;
const name = Deno.args[1] ?? "scattered";
const lines = Number(Deno.args[2] ?? 20_000);
const pair = diffCases(lines).find((c) => c.name === name);
if (!pair) throw new Error(`no diff case ${name}`);
await Deno.writeTextFile(`${dir}/a.txt`, pair.before);
await Deno.writeTextFile(`${dir}/b.txt`, pair.after);
const t0 = performance.now();
const text = unifiedDiff(pair.before, pair.after, "a.txt", "b.txt");
const ms = performance.now() - t0;
const changed = text.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")).length;
console.log(JSON.stringify({ ms, changed, rssBytes: Deno.memoryUsage().rss }));
