/**
 * Measuring inside the real test host: wall time taken by one shell inside
 * the guest (so the nsenter round trip of each call does not count), and
 * the peak resident memory of a process.
 *
 * @module
 */
import type { Host } from "../../tests/host/guest.ts";
import type { User } from "../../tests/host/guest_exec.ts";
import denoJson from "../../deno.json" with { type: "json" };

/**
 * The V8 flags the shipped program runs with: those `deno task compile`
 * builds the binary with (leger.spec builds it so too). The runners pass
 * them, so a figure is the program's as installed: a restore's peak RSS
 * was about 10 MiB higher without them (docs/BENCHMARKS.md, issue 30).
 */
export const SHIPPED_V8_FLAGS: string = /--v8-flags=(\S+)/.exec(denoJson.tasks.compile)?.[1] ?? "";

/** How the guest runs a Deno script of the project (as /usr/local/bin/leger runs main.ts). */
export const GUEST_DENO = "env DENO_DIR=/opt/deno-dir /usr/local/bin/deno run -A --cached-only --quiet";

/** A folder put first on PATH that holds the `leger` the rows run (see {@linkcode useRunner}). */
const runner = { bin: "" };

/** Prefixes a script with the PATH that finds the chosen `leger`. */
export function withLeger(script: string): string {
  return runner.bin ? `PATH=${runner.bin}:$PATH; export PATH; ${script}` : script;
}

/** How `leger` runs in the guest; see {@linkcode useRunner}. */
export type Runner = "warm" | "source" | "bundle";

/** Alice's writable copy of the prepared Deno cache (used by the `warm` and `bundle` runners). */
export const WARM_CACHE = "/home/alice/.cache/bench-deno";

/**
 * Chooses how `leger` runs in the guest. `warm` (the default of `deno task
 * bench`): `deno run /leger/main.ts` with alice's writable copy of the
 * prepared Deno cache, warmed once before anything is timed, so modules
 * come pre-transpiled with their V8 code cache, as in an installed
 * program; the closest this machine has to the compiled binary, which also
 * loads per module with a code cache (its runtime, denort, cannot be
 * fetched here). `source`: the same with the read-only prepared cache, so
 * every run transpiles what it loads (what the test host's wrapper did
 * before it got a writable cache). `bundle`: dist/leger.js with the warm
 * cache (one 2.3 MB script: slower to start than `warm`, measured).
 * Each runs with the compiled binary's V8 flags ({@linkcode SHIPPED_V8_FLAGS}).
 */
export async function useRunner(host: Host, kind: Runner): Promise<void> {
  const bin = "/home/alice/.local/bench-bin";
  const main = kind === "bundle" ? "/leger/dist/leger.js" : "/leger/main.ts";
  const wrapper = `#!/bin/sh
exec env DENO_DIR=${kind === "source" ? "/opt/deno-dir" : WARM_CACHE} /usr/local/bin/deno run -A --cached-only --quiet${
    SHIPPED_V8_FLAGS ? ` --v8-flags=${SHIPPED_V8_FLAGS}` : ""
  } ${main} "$@"
`;
  await host.writeFile(`${bin}/leger`, wrapper, { user: "alice", mode: 0o755 });
  runner.bin = bin;
  if (kind === "source") return;
  const r = await host.sh(`rm -rf ${WARM_CACHE} && mkdir -p ${WARM_CACHE} && cp -r /opt/deno-dir/. ${WARM_CACHE}/`, {
    user: "alice",
  });
  if (r.code !== 0) throw new Error(`cannot copy the Deno cache for alice: ${r.stderr}`);
  // Every command group once, so each module is transpiled and cached before anything is timed.
  await timeIn(
    host,
    "leger --version; leger --help; leger manpage; leger list; leger validate --no-host /leger/tests/fixtures/corpus/podbox/quadlets/actual; true",
  );
}

/** Quotes one word for sh. */
export function q(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `script` with `sh -c` in the guest (output discarded unless
 * `keepOutput`) and returns the milliseconds it took, measured inside.
 * Throws with its stderr when it fails.
 */
export async function timeIn(host: Host, script: string, opts: { user?: User; keepOutput?: boolean } = {}): Promise<
  number
> {
  const out = opts.keepOutput ? "" : ">/dev/null";
  const wrapped = `${
    withLeger("")
  }t0=$(date +%s%N); ( ${script} ) ${out} 2>/tmp/bench-err-$(id -u); rc=$?; t1=$(date +%s%N)
[ $rc = 0 ] || { cat /tmp/bench-err-$(id -u) >&2; exit $rc; }
echo "BENCH_MS $(( (t1 - t0) / 1000 ))"`;
  const r = await host.sh(wrapped, { user: opts.user ?? "alice", timeoutMs: 600_000 });
  const m = /BENCH_MS (\d+)/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`in the test host: ${script}\nexit ${r.code}: ${r.stderr.slice(-2000)}`);
  return Number(m[1]) / 1000;
}

/** Runs `script` `rounds` times (after `before` each time, not timed) and returns the times. */
export async function rounds(
  host: Host,
  n: number,
  script: string,
  opts: { user?: User; before?: string } = {},
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (opts.before) await timeIn(host, opts.before, opts);
    out.push(await timeIn(host, script, opts));
  }
  return out;
}

/**
 * Runs `command` (a sh command line that execs one process: the leger
 * wrapper execs deno) in the background in the guest, samples its VmHWM
 * every 20 ms until it exits, and returns its run time and peak RSS.
 *
 * The sampler forks nothing: bash reads /proc with builtins and waits with
 * `read -t` on a FIFO nobody writes. The first sampler ran `sed` and `sleep`
 * at each tick, 100 processes a second on a 2-core machine, and slowed a
 * CPU-bound backup of 1 GiB by a third (8.5 s, against 5.9 s timed alone),
 * while the raw pipeline it was compared with ran without one.
 */
export async function peakIn(
  host: Host,
  command: string,
  user: User = "alice",
): Promise<{ ms: number; bytes: number }> {
  const sampler = `tick=$(mktemp -u /tmp/bench-tick-XXXXXX); mkfifo "$tick"; exec 3<>"$tick"; rm -f "$tick"
t0=$(date +%s%N); ${command} >/dev/null 2>/tmp/bench-err-$(id -u) & pid=$!; hwm=0
while kill -0 $pid 2>/dev/null; do
  while read -r key value _; do
    if [ "$key" = "VmHWM:" ]; then [ "$value" -gt "$hwm" ] && hwm=$value; break; fi
  done 2>/dev/null < /proc/$pid/status
  read -r -t 0.02 -u 3 _
done
wait $pid; rc=$?; t1=$(date +%s%N)
[ $rc = 0 ] || { cat /tmp/bench-err-$(id -u) >&2; exit $rc; }
echo "BENCH $(( (t1 - t0) / 1000 )) $hwm"`;
  const script = `${withLeger("")}exec bash -c ${q(sampler)}`;
  const r = await host.sh(script, { user, timeoutMs: 600_000 });
  const m = /BENCH (\d+) (\d+)/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`in the test host: ${command}\nexit ${r.code}: ${r.stderr.slice(-2000)}`);
  return { ms: Number(m[1]) / 1000, bytes: Number(m[2]) * 1024 };
}
