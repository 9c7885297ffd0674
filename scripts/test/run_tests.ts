/**
 * The project's test command (`deno task test`), in three tiers:
 *
 * - fast (`deno task test:fast`): lint, type check, and every unit test of
 *   lib/, commands/, tests/fakes/, tests/layers/ and scripts/, with fakes
 *   only (no host, no network). What a bare `deno test` runs too (deno.json).
 * - integration (`deno task test:integration`): tests/integration/, main.ts
 *   run as a program against the fake host's executables.
 * - end-to-end (`deno task test:e2e`): tests/e2e/ on real systemd + podman
 *   hosts, each file on each suite it concerns (e2e_plan.ts), on hosts the
 *   runner boots while the other tiers run and shares between files
 *   (e2e_pool.ts), `--e2e-jobs N` files at a time (default 3).
 *
 * No tier flag runs all three, with the line coverage of lib/ over the
 * first two. The end of every run prints each tier's time, then one plain
 * line `N passed, N failed`. The end-to-end tier needs root, Linux,
 * debootstrap, systemd-nspawn and overlayfs; where they are missing it says
 * so loudly and counts as failed under CI (CI=true), as skipped elsewhere.
 *
 * Its flags are in USAGE below (`deno task test --help`); anything else
 * is refused before anything runs.
 * Ctrl-C or SIGTERM stops the runs and every test host before it exits.
 *
 * @module
 */
import { hostAvailable } from "../../tests/host/host.ts";
import { handleSignalsElsewhere, stopAllHostsSync } from "../../tests/host/guest_cleanup.ts";
import type { Host } from "../../tests/host/guest.ts";
import { ensureRootfs, prepareDenoDir, type Suite, SUITE_PODMAN, SUITES } from "../../tests/host/rootfs.ts";
import { SHARED_HOST_ENV } from "../../tests/e2e/shared_host.ts";
import { readCoverage } from "./coverage.ts";
import { e2eFiles, type E2eJob, planE2e } from "./e2e_plan.ts";
import { HostPool, runJobs } from "./e2e_pool.ts";
import {
  countFailure,
  denoQuiet,
  denoTest,
  liveChildren,
  signalChildren,
  type Tally,
  type TestRun,
} from "./test_child.ts";
import { execTimes, fileTimes } from "./test_report.ts";

const root = new URL("../..", import.meta.url).pathname;
/** Raw coverage profiles, one folder per tier, emptied at the start: the report is made from both at the end. */
const covDirs = { unit: `${root}.coverage/unit`, integration: `${root}.coverage/integration` };
const USAGE = `deno task test [flags]: the fast, integration and end-to-end tiers (all three when no tier is named)

  --fast             lint, type check and unit tests, fakes only (deno task test:fast)
  --integration      main.ts as a program against the fake host (deno task test:integration)
  --e2e              real systemd + podman hosts (deno task test:e2e)
  --unit             fast and integration
  --filter TEXT      only tests whose name has TEXT
  --suite NAME       end-to-end on this host only (${SUITES.join(", ")}); repeatable
  --e2e-jobs N       end-to-end files at a time (default 3)
  --trace            each file's time, slowest first
  --help             this text

docs/TESTING.md has the tiers' times and how to run one end-to-end file on one host.`;
const FLAGS = ["--fast", "--integration", "--e2e", "--unit", "--trace", "--help", "-h"];
const VALUED = ["--filter", "--suite", "--e2e-jobs"];
for (let i = 0; i < Deno.args.length; i++) {
  const a = Deno.args[i]!;
  if (VALUED.includes(a) && i + 1 < Deno.args.length) i++;
  else if (!FLAGS.includes(a)) {
    console.error(`${VALUED.includes(a) ? `${a} needs a value` : `${a}: not a flag of the test command`}\n\n${USAGE}`);
    Deno.exit(2);
  }
}
if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
  console.log(USAGE);
  Deno.exit(0);
}
const args = new Set(Deno.args);
const valueOf = (flag: string) => Deno.args.flatMap((a, i) => (a === flag ? [Deno.args[i + 1] ?? ""] : []));
const filter = valueOf("--filter").pop();
const suites: Suite[] = valueOf("--suite").length ? valueOf("--suite") as Suite[] : [...SUITES];
for (const s of suites) {
  if (!SUITES.includes(s)) throw new Error(`--suite ${s}: expected one of ${SUITES.join(", ")}`);
}
const e2eJobs = Math.max(1, Number(valueOf("--e2e-jobs").pop() ?? 3) || 3);
const trace = args.has("--trace");
const anyTier = ["--fast", "--integration", "--e2e", "--unit"].some((f) => args.has(f));
const tiers = {
  fast: !anyTier || args.has("--fast") || args.has("--unit"),
  integration: !anyTier || args.has("--integration") || args.has("--unit"),
  e2e: !anyTier || args.has("--e2e"),
};
const withCoverage = tiers.fast && tiers.integration && !filter;
const startedAt = Date.now();
const tally: Tally = { passed: 0, failed: 0, skipped: 0, failures: [] };
/** Each tier's wall time and what it was made of, for the closing report. */
const times: { tier: string; seconds: number; detail: string }[] = [];
const runs: TestRun[] = [];
const filterArgs = filter ? ["--filter", filter] : [];
const secs = (s: number) => `${s.toFixed(0)} s`;

// Ctrl-C, SIGTERM, SIGHUP: the children (deno test runs, each stopping the hosts it booted) first, then ours.
handleSignalsElsewhere();
let interrupted = false;
/** Set once the end-to-end hosts exist: told to lend and reset no more. */
let closePool = () => {};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(signal, () => {
    if (interrupted) return;
    interrupted = true;
    const at = Date.now();
    closePool();
    console.log(`\n${signal}: stopping ${liveChildren()} test run(s), then the test hosts`);
    signalChildren(signal === "SIGHUP" ? "SIGTERM" : signal);
    const deadline = Date.now() + 60_000;
    const wait = () => {
      if (liveChildren() > 0 && Date.now() < deadline) return void setTimeout(wait, 100);
      const children = Date.now() - at;
      stopAllHostsSync();
      console.log(`interrupted: the runs ended in ${children} ms, the hosts ${Date.now() - at - children} ms later`);
      console.log(`\n${tally.passed} passed, ${tally.failed + 1} failed`);
      Deno.exit(130);
    };
    wait();
  });
}

/** The loud lines of tests skipped for a missing tool (`SKIPPED: ... needs TOOL ...`), once each. */
function loudSkips(output: string): string[] {
  const lines = output.split("\n").filter((l) => l.includes("SKIPPED: "));
  return [...new Set(lines.map((l) => l.slice(l.indexOf("SKIPPED: "))))];
}

async function fastTier(): Promise<void> {
  const started = Date.now();
  console.log("\n=== fast tier: lint, type check and unit tests (fakes only) ===");
  // The type check covers every file, tests of the other tiers too; the unit tests run beside it (they wait on fakes).
  const lint = denoQuiet(["lint"], root);
  const check = denoQuiet(
    ["check", "main.ts", "mod.ts", "lib/", "commands/", "workflows/", "tests/", "scripts/", "bench/"],
    root,
  );
  const layers = await Deno.stat(`${root}tests/layers`).then(() => ["tests/layers/"], () => []);
  if (!layers.length) console.log("(no tests/layers/ in this checkout: the layer check is not part of this run)");
  const unit = await denoTest(tally, "unit tests", [
    "--no-check",
    "--parallel",
    ...filterArgs,
    ...(withCoverage ? [`--coverage=${covDirs.unit}`, "--coverage-raw-data-only"] : []),
    "lib/",
    "commands/",
    "tests/fakes/",
    ...layers,
    "scripts/",
  ], { cwd: root, env: { DENO_JOBS: "8" } });
  runs.push(unit);
  const parts: string[] = [];
  for (const [name, step] of [["lint", await lint], ["type check", await check]] as const) {
    parts.push(`${name} ${secs(step.seconds)}`);
    if (step.ok) {
      tally.passed += 1;
      continue;
    }
    const text = (step.stdout + step.stderr).trim().split("\n");
    console.log(`\n=== ${name} failed ===\n${text.slice(-60).join("\n")}`);
    countFailure(tally, name, text.slice(-20));
  }
  console.log(`=== ${parts.join(", ")}: ${parts.length} checks ===`);
  times.push({
    tier: "fast",
    seconds: (Date.now() - started) / 1000,
    detail: `${parts.join(", ")}; ${unit.passed + unit.failed} unit tests ${secs(unit.seconds)}`,
  });
}

async function integrationTier(): Promise<void> {
  const started = Date.now();
  const run = await denoTest(tally, "integration tests (main.ts against the fake host's programs)", [
    ...(tiers.fast ? ["--no-check"] : []),
    "--parallel",
    ...filterArgs,
    ...(withCoverage ? [`--coverage=${covDirs.integration}`, "--coverage-raw-data-only"] : []),
    "tests/integration/",
  ], { cwd: root, env: { DENO_JOBS: "6" } });
  runs.push(run);
  times.push({
    tier: "integration",
    seconds: (Date.now() - started) / 1000,
    detail: `${run.passed + run.failed} tests`,
  });
}

async function coverage(): Promise<void> {
  const out = await denoQuiet(
    ["coverage", covDirs.unit, covDirs.integration, `--include=^file://${root}lib/`, "--exclude=_test\\.ts$"],
    root,
  );
  const figures = readCoverage(out.stdout);
  if ("error" in figures) {
    // A bar that cannot be read is not a bar that passed.
    const why = [
      `cannot read the report (${figures.error})`,
      ...(out.ok ? [] : out.stderr.trim().split("\n").slice(-10)),
    ];
    console.log(`coverage: ${why.join("\n")}\ncounted as a failure`);
    countFailure(tally, "coverage of lib/", why);
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
    countFailure(tally, "coverage of lib/", [`${figures.lines.toFixed(1)}% of lines, below the 80% bar`]);
  }
}

// The end-to-end hosts: root file systems built (about five minutes on a fresh machine, mostly waiting on the
// mirror) and one host per suite booted while the other tiers run.
const e2e = !tiers.e2e ? undefined : await (async () => {
  const ready = await hostAvailable();
  if (!ready.ok) return { missing: ready.missing };
  const plan = planE2e(await e2eFiles(`${root}tests/e2e`), suites);
  const queued = [...plan.jobs];
  const left = (suite: Suite) => queued.filter((j) => j.shared && j.suite === suite).length;
  const log: string[] = [];
  const pool = new HostPool({ max: e2eJobs + 1, log: (l) => console.log(`[hosts] ${l}`), left });
  closePool = () => pool.close();
  const needed = SUITES.filter((s) => plan.jobs.some((j) => j.suite === s));
  const sharedSuites = SUITES.filter((s) => plan.jobs.some((j) => j.suite === s && j.shared));
  const prepared = (async () => {
    const started = Date.now();
    try {
      await prepareDenoDir(root, (l) => log.push(`[prepare] ${l}`));
      // sid first: sid-podman6 is built from a copy of it.
      for (const suite of needed) await ensureRootfs({ suite, log: (l) => log.push(`[prepare] ${l}`) });
    } catch (e) {
      log.push(`the test hosts could not be built: ${e instanceof Error ? e.message : e}`);
      return false;
    }
    log.push(
      `the root file systems (${needed.join(", ")}) were ready ${secs((Date.now() - started) / 1000)} after the start`,
    );
    await pool.preboot(sharedSuites);
    return true;
  })();
  return { missing: undefined, plan, queued, pool, prepared, log };
})();

if (withCoverage) {
  // Profiles of an earlier run would count towards this one's figure.
  await Deno.remove(`${root}.coverage`, { recursive: true }).catch(() => {});
}
if (tiers.fast) await fastTier();
if (tiers.integration) await integrationTier();
if (withCoverage) await coverage();

if (e2e?.missing) {
  const line = "!".repeat(72);
  console.log(`\n${line}\nEND-TO-END TIER NOT RUN: this machine lacks ${e2e.missing.join(", ")}.`);
  console.log(
    "It needs root on Linux with debootstrap and systemd-nspawn (apt-get install debootstrap systemd-container).",
  );
  console.log(line);
  if (Deno.env.get("CI")) {
    countFailure(tally, "end-to-end tier", [`not run: this machine lacks ${e2e.missing.join(", ")}`]);
  } else tally.skipped += 1;
} else if (e2e) {
  const started = Date.now();
  for (const line of e2e.plan.leftOut) console.log(`end-to-end: ${line}`);
  console.log("\n=== preparing the test hosts ===");
  const prepared = await e2e.prepared;
  console.log(e2e.log.join("\n"));
  if (!prepared) {
    console.log("every end-to-end test is counted as failed: none could run");
    countFailure(tally, "end-to-end tier", [
      'the test hosts could not be prepared (see "preparing the test hosts" above)',
    ]);
    e2e.queued.length = 0;
  }
  const waited = (Date.now() - started) / 1000;
  const jobTimes: { job: E2eJob; seconds: number }[] = [];
  const workers = Math.min(e2eJobs, e2e.queued.length);
  await runJobs(e2e.queued, workers, e2e.pool, async (job: E2eJob, host: Host | undefined) => {
    const name = job.file.replace(/_test\.ts$/, "");
    const run = await denoTest(
      tally,
      `end-to-end ${name} on ${host ? `the shared ${job.suite} host leger-${host.id}` : `its own ${job.suite} host`} ` +
        `(podman ${SUITE_PODMAN[job.suite]})`,
      [...(tiers.fast ? ["--no-check"] : []), ...filterArgs, `tests/e2e/${job.file}`],
      {
        cwd: root,
        env: {
          LEGER_E2E_SUITE: job.suite,
          ...(host ? { [SHARED_HOST_ENV]: JSON.stringify(host.handle()) } : {}),
          ...(trace ? { LEGER_E2E_TRACE: "1" } : {}),
        },
        ...(workers > 1 ? { prefix: `[${job.suite} ${name}]` } : {}),
      },
    );
    runs.push(run);
    jobTimes.push({ job, seconds: run.seconds });
  });
  await e2e.pool.stopAll();
  const seconds = (Date.now() - started) / 1000;
  const boots = e2e.pool.boots.map((b) => `${b.suite} ${secs(b.seconds)}`).join(", ");
  console.log(`\n=== end-to-end tier: ${secs(seconds)} with ${workers} at a time ===`);
  times.push({
    tier: "end-to-end",
    seconds,
    detail: `${jobTimes.length} runs, ${workers} at a time; waited ${
      secs(waited)
    } for the hosts; shared hosts booted: ${boots || "none"}`,
  });
  if (trace) {
    console.log("\n=== end-to-end runs, slowest first ===");
    for (const t of jobTimes.sort((a, b) => b.seconds - a.seconds)) {
      console.log(`${secs(t.seconds).padStart(7)}  ${t.job.file} on ${t.job.suite}`);
    }
    console.log("\n=== commands run in the guests, by program (all end-to-end runs) ===");
    const e2eOutput = runs.filter((r) => r.label.startsWith("end-to-end")).map((r) => r.output).join("\n");
    for (const c of execTimes(e2eOutput).slice(0, 25)) {
      console.log(`${c.seconds.toFixed(0).padStart(6)} s  ${String(c.calls).padStart(5)} calls  ${c.command}`);
    }
  }
}

if (trace) {
  for (const run of runs.filter((r) => !r.label.startsWith("end-to-end"))) {
    console.log(`\n=== ${run.label}: files, slowest first (sum of their tests' times) ===`);
    for (const f of fileTimes(run.output).slice(0, 25)) {
      console.log(`${f.seconds.toFixed(1).padStart(7)} s  ${String(f.tests).padStart(3)} tests  ${f.file}`);
    }
  }
}
const skips = loudSkips(runs.map((r) => r.output).join("\n"));
if (skips.length) {
  console.log(`\n=== skipped for a missing tool ===\n${skips.join("\n")}`);
  // CI installs every tool (.ci/run): there, a test skipped for one is a test that did not run.
  if (Deno.env.get("CI")) {
    console.log("CI=true: each of these counts as failed");
    for (const skip of skips) countFailure(tally, "skipped for a missing tool (CI installs every tool)", [skip]);
  }
}
if (tally.failures.length) {
  console.log("\n=== what failed (repeated from above) ===");
  for (const f of tally.failures) console.log(`${f.label}\n${f.lines.join("\n")}`);
}
if (tally.skipped) {
  console.log(
    `\n${tally.skipped} skipped (tests for another host than the one they ran on, a missing tool, or a tier not run)`,
  );
}
const load = await Deno.readTextFile("/proc/loadavg").then((t) => t.split(" ")[0], () => "?");
console.log(`\n=== times (${navigator.hardwareConcurrency} CPUs, load ${load} at the end) ===`);
for (const t of times) console.log(`${t.tier.padEnd(12)} ${secs(t.seconds).padStart(7)}  (${t.detail})`);
console.log(`${"total".padEnd(12)} ${secs((Date.now() - startedAt) / 1000).padStart(7)}`);
console.log(`\n${tally.passed} passed, ${tally.failed} failed`);
Deno.exit(tally.failed > 0 ? 1 : 0);
