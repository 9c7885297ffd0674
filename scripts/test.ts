/**
 * The project's test command (`deno task test`): unit and integration
 * tests with coverage of lib/, then the end-to-end tier on a real
 * systemd + podman host. Ends with one plain line `N passed, N failed`.
 *
 * The end-to-end tier runs each file of `tests/e2e/` on each test host it
 * concerns (`LEGER_E2E_SUITE`: sid with podman 5.8, sid-podman6 with
 * podman 6.1, trixie with podman 5.4; the table is in e2e_plan.ts), one
 * `deno test` per file and host, three at a time by default
 * (`--e2e-jobs N`): a run spends part of its time waiting on its guest's
 * systemd and podman, so three overlap on two cores. Each run prints how
 * long it took, to tune N on a machine.
 *
 * Flags: --unit (skip end-to-end), --e2e (only end-to-end), --filter TEXT,
 * --suite NAME (one host only; repeatable), --e2e-jobs N (hosts at a time).
 * The end-to-end tier needs root, Linux, debootstrap, systemd-nspawn and
 * overlayfs; where they are missing it says so loudly and counts as
 * failed under CI (CI=true), as skipped elsewhere.
 *
 * @module
 */
import { hostAvailable } from "../tests/host/host.ts";
import { ensureRootfs, prepareDenoDir, type Suite, SUITE_PODMAN, SUITES } from "../tests/host/rootfs.ts";
import { readCoverage } from "./coverage.ts";
import { e2eFiles, planE2e } from "./e2e_plan.ts";
import { failureDigest } from "./test_report.ts";

const args = new Set(Deno.args);
const filterAt = Deno.args.indexOf("--filter");
const filter = filterAt >= 0 ? Deno.args[filterAt + 1] : undefined;
const root = new URL("..", import.meta.url).pathname;
const covDir = `${root}.coverage`;

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}
const tally: Tally = { passed: 0, failed: 0, skipped: 0 };
/** What failed, run by run: repeated just above the last line, where a short log tail still shows it. */
const failures: { label: string; lines: string[] }[] = [];

const valueOf = (flag: string) => Deno.args.flatMap((a, i) => (a === flag ? [Deno.args[i + 1] ?? ""] : []));
const suites: Suite[] = valueOf("--suite").length ? valueOf("--suite") as Suite[] : [...SUITES];
for (const s of suites) {
  if (!SUITES.includes(s)) throw new Error(`--suite ${s}: expected one of ${SUITES.join(", ")}`);
}
const e2eJobs = Math.max(1, Number(valueOf("--e2e-jobs").pop() ?? 3) || 3);

/**
 * Runs `deno test`, streams its output (each line after `prefix` when
 * several run at once), and adds its summary line to the tally.
 */
async function denoTest(
  label: string,
  testArgs: string[],
  opts: { env?: Record<string, string>; prefix?: string } = {},
): Promise<void> {
  console.log(`\n=== ${label} ===`);
  const started = Date.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", ...(filter ? ["--filter", filter] : []), ...testArgs],
    cwd: root,
    // Most tests wait on fake or real processes: run files side by side.
    env: { NO_COLOR: "1", DENO_JOBS: "4", ...opts.env },
    stdout: "piped",
    stderr: opts.prefix ? "piped" : "inherit",
  }).spawn();
  let all = "";
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const pump = async (stream: ReadableStream<Uint8Array>, keep: boolean) => {
    let pending = "";
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      if (keep) all += text;
      if (!opts.prefix) {
        Deno.stdout.writeSync(chunk);
        continue;
      }
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      if (lines.length) Deno.stdout.writeSync(encoder.encode(lines.map((l) => `${opts.prefix} ${l}\n`).join("")));
    }
    if (opts.prefix && pending) Deno.stdout.writeSync(encoder.encode(`${opts.prefix} ${pending}\n`));
  };
  await Promise.all([
    pump(child.stdout, true),
    ...(opts.prefix && child.stderr ? [pump(child.stderr, false)] : []),
  ]);
  const status = await child.status;
  // The last summary line of Deno's (a coverage table may follow it).
  const summary =
    /^(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/gm;
  const m = [...all.matchAll(summary)].pop();
  if (m) {
    tally.passed += Number(m[2]);
    tally.failed += Number(m[3]);
    tally.skipped += Number(m[4] ?? 0);
  } else if (!status.success) {
    console.log(`${label}: deno test ended with exit code ${status.code} before its summary`);
    tally.failed += 1;
  }
  if ((m && Number(m[3]) > 0) || !status.success) {
    failures.push({ label, lines: failureDigest(all, m ? undefined : status.code) });
  }
  console.log(
    `=== ${label}: ${m ? m[0] : `exit ${status.code}`} in ${((Date.now() - started) / 1000).toFixed(0)} s ===`,
  );
}

async function coverage(): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["coverage", covDir, "--include=^file://" + root + "lib/", "--exclude=_test\\.ts$"],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const figures = readCoverage(text);
  if ("error" in figures) {
    // A bar that cannot be read is not a bar that passed.
    console.log(`coverage: cannot read the report (${figures.error}): counted as a failure`);
    if (!out.success) console.log(new TextDecoder().decode(out.stderr).trim());
    tally.failed += 1;
    return;
  }
  console.log(
    `\ncoverage of lib/: ${figures.lines.toFixed(1)}% of lines` +
      (figures.branches === undefined ? "" : `, ${figures.branches.toFixed(1)}% of branches`) +
      (figures.functions === undefined ? "" : `, ${figures.functions.toFixed(1)}% of functions`) +
      " (bar: 80% of lines)",
  );
  if (figures.lines < 80) {
    console.log("coverage is below the 80% bar: counted as a failure");
    tally.failed += 1;
  }
}

/**
 * Builds (or finds cached) the Deno cache and the root file systems of
 * `needed`, one after another (sid first: sid-podman6 is built from a copy
 * of it). Runs beside the unit tier; its lines are kept and printed when
 * the end-to-end tier starts. False when a host cannot be built.
 */
async function prepareHosts(needed: Suite[], lines: string[]): Promise<boolean> {
  const started = Date.now();
  const log = (line: string) => lines.push(`[prepare] ${line}`);
  try {
    await prepareDenoDir(root, log);
    for (const suite of SUITES.filter((s) => needed.includes(s))) await ensureRootfs({ suite, log });
  } catch (e) {
    lines.push(`the test hosts could not be built: ${e instanceof Error ? e.message : e}`);
    return false;
  }
  lines.push(
    `the test hosts (${needed.join(", ")}) were ready ${((Date.now() - started) / 1000).toFixed(0)} s after the start`,
  );
  return true;
}

// The end-to-end hosts are built (about five minutes on a fresh machine, mostly waiting on the mirror) while the unit
// tier runs, and before any end-to-end test: built inside the first tests, debootstrap ran inside their timing.
const e2e = args.has("--unit") ? undefined : await (async () => {
  const ready = await hostAvailable();
  if (!ready.ok) return { missing: ready.missing };
  const plan = planE2e(await e2eFiles(`${root}tests/e2e`), suites);
  const prepareLog: string[] = [];
  const prepared = prepareHosts([...new Set(plan.jobs.map((j) => j.suite))], prepareLog);
  return { missing: undefined, plan, prepared, prepareLog };
})();

if (!args.has("--e2e")) {
  await Deno.remove(covDir, { recursive: true }).catch(() => {});
  await denoTest("unit and integration tests", [
    "--parallel",
    `--coverage=${covDir}`,
    "lib/",
    "commands/",
    "tests/fakes/",
    "tests/layers/",
    "tests/integration/",
    // Named, not the folder: deno test also collects a file called test.ts, and this one runs the tiers.
    "scripts/coverage_test.ts",
    "scripts/e2e_plan_test.ts",
    "scripts/test_report_test.ts",
  ]);
  if (!filter) await coverage();
}

if (e2e) {
  if (e2e.missing) {
    const line = "!".repeat(72);
    console.log(`\n${line}\nEND-TO-END TIER NOT RUN: this machine lacks ${e2e.missing.join(", ")}.`);
    console.log(
      "It needs root on Linux with debootstrap and systemd-nspawn (apt-get install debootstrap systemd-container).",
    );
    console.log(`${line}`);
    if (Deno.env.get("CI")) tally.failed += 1;
    else tally.skipped += 1;
  } else {
    const { jobs, leftOut } = e2e.plan;
    for (const line of leftOut) console.log(`end-to-end: ${line}`);
    console.log("\n=== preparing the test hosts ===");
    const prepared = await e2e.prepared;
    console.log(e2e.prepareLog.join("\n"));
    if (!prepared) {
      console.log("every end-to-end test is counted as failed: none could run");
      tally.failed += 1;
      jobs.length = 0;
    }
    const workers = Math.min(e2eJobs, jobs.length);
    const started = Date.now();
    const worker = async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const name = job.file.replace(/_test\.ts$/, "");
        await denoTest(
          `end-to-end ${name} on the ${job.suite} host (podman ${SUITE_PODMAN[job.suite]})`,
          [`tests/e2e/${job.file}`],
          { env: { LEGER_E2E_SUITE: job.suite }, ...(workers > 1 ? { prefix: `[${job.suite} ${name}]` } : {}) },
        );
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    console.log(`\n=== end-to-end tier: ${((Date.now() - started) / 1000).toFixed(0)} s with ${workers} at a time ===`);
  }
}

if (failures.length) {
  console.log("\n=== what failed (repeated from above) ===");
  for (const f of failures) console.log(`${f.label}\n${f.lines.join("\n")}`);
}
if (tally.skipped) {
  console.log(`\n${tally.skipped} skipped (tests for another host than the one they ran on, or a tier not run)`);
}
console.log(`\n${tally.passed} passed, ${tally.failed} failed`);
Deno.exit(tally.failed > 0 ? 1 : 0);
