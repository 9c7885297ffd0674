/**
 * Measures `leger validate --no-host DIR` on the 99 sets of
 * tests/fixtures/corpus/podbox in one call (start-up included), the same
 * validation in process, and checks the verdicts against the generator's
 * (GENERATOR-VERDICTS.tsv: a set is invalid exactly when podman 5.8.6's
 * generator refused it). Goal (issue 13): under 1 s, same verdicts.
 *
 *   deno run -A bench/validate_repository.ts [RUNS]
 *
 * Prints numbers; it is not a test.
 */
import { findSetFolders, validateRepositoryAt } from "../lib/source/validate_path.ts";

const ROOT = new URL("../tests/fixtures/corpus/podbox", import.meta.url).pathname;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const runs = Number(Deno.args[0] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const verdicts = new Map(
  (await Deno.readTextFile(`${ROOT}/GENERATOR-VERDICTS.tsv`)).trim().split("\n").map((l) => {
    const [set, verdict] = l.split("\t") as [string, string];
    return [set, verdict === "ok"];
  }),
);

const inProcess: number[] = [];
let sets: Array<{ path: string; ok: boolean }> = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const result = await validateRepositoryAt(ROOT, await findSetFolders(ROOT), { rootless: true, podmanVersion: "5.8" });
  inProcess.push(performance.now() - t0);
  sets = result.sets.map((s) => ({ path: s.path, ok: s.report.errors === 0 }));
}

const cli: number[] = [];
let cliSets: Array<{ path: string; ok: boolean; errors: number }> = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "validate", "--no-host", "--podman-version", "5.8", "--json", ROOT],
    stdout: "piped",
    stderr: "piped",
  }).output();
  cli.push(performance.now() - t0);
  cliSets = JSON.parse(new TextDecoder().decode(out.stdout)).sets;
}

const disagree = sets.filter((s) => verdicts.get(s.path) !== s.ok).map((s) => s.path);
const cliDisagree = cliSets.filter((s) => verdicts.get(s.path) !== (s.errors === 0)).map((s) => s.path);
console.log(`sets found:                      ${sets.length} (verdict file: ${verdicts.size})`);
console.log(`in process, median of ${runs}:        ${median(inProcess).toFixed(0)} ms`);
console.log(`leger validate DIR, median of ${runs}: ${median(cli).toFixed(0)} ms (goal < 1000 ms, start-up included)`);
console.log(
  `verdicts unlike the generator's: ${disagree.length + cliDisagree.length} ${[...disagree, ...cliDisagree].join(" ")}`,
);
