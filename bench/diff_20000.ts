/**
 * leger's unified diff against GNU `diff -u` on 20,000-line files: a few
 * scattered changes, every line of an env file rewritten (the worst case
 * of issue 25: 1.4 s in `leger diff` before the cost cutoff, where `diff
 * -u` took 4 ms), and the same lines reordered. For each: leger in
 * process (the module loaded, as `leger diff` has it; median of the
 * rounds after one warm-up), `diff -u` as a process (median), the size of
 * both diffs, and whether `patch` turns the old file into the new one with
 * leger's diff (the output is a correct unified diff even where the cutoff
 * makes it longer than the shortest).
 *
 *   deno run -A bench/diff_20000.ts [--rounds N] [--lines N]
 *
 * Prints numbers; it is not a test.
 *
 * @module
 */
import { unifiedDiff } from "../lib/core/diff/text_diff.ts";
import { diffCases } from "./lib/diff_cases.ts";

const arg = (name: string, fallback: number) => {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Number(Deno.args[at + 1]) : fallback;
};
const rounds = arg("--rounds", 5);
const lines = arg("--lines", 20_000);
const median = (xs: number[]) => xs.slice().sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

async function run(cmd: string, args: string[], cwd: string) {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  return { ms: performance.now() - t0, code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

const dir = await Deno.makeTempDir({ prefix: "leger-bench-diff-" });
try {
  console.log(`rounds: ${rounds}, lines: ${lines}`);
  console.log("case        leger ms   diff -u ms   leger lines   diff -u lines   patch applies");
  for (const c of diffCases(lines)) {
    await Deno.writeTextFile(`${dir}/a.txt`, c.before);
    await Deno.writeTextFile(`${dir}/b.txt`, c.after);
    unifiedDiff(c.before, c.after, "a.txt", "b.txt"); // warm-up
    const ours: number[] = [];
    let patchText = "";
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      patchText = unifiedDiff(c.before, c.after, "a.txt", "b.txt");
      ours.push(performance.now() - t0);
    }
    const gnu: number[] = [];
    let gnuText = "";
    for (let r = 0; r < rounds; r++) {
      const g = await run("diff", ["-u", "a.txt", "b.txt"], dir);
      gnu.push(g.ms);
      gnuText = g.stdout;
    }
    await Deno.writeTextFile(`${dir}/leger.patch`, patchText);
    const p = await run("patch", ["-s", "-o", "patched.txt", "a.txt", "leger.patch"], dir).catch(() => undefined);
    const applies = p === undefined
      ? "(no patch)"
      : p.code === 0 && (await Deno.readTextFile(`${dir}/patched.txt`)) === c.after
      ? "yes"
      : "NO";
    const count = (t: string) => t.split("\n").length - 1;
    console.log(
      `${c.name.padEnd(10)} ${median(ours).toFixed(1).padStart(9)} ${median(gnu).toFixed(1).padStart(12)} ` +
        `${String(count(patchText)).padStart(13)} ${String(count(gnuText)).padStart(15)}   ${applies}`,
    );
    console.log(`  (${c.what})`);
    await Deno.remove(`${dir}/patched.txt`).catch(() => {});
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
