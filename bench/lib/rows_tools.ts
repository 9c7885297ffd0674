/**
 * Rows measured by scripts run inside the test host: one poll cycle over
 * 500 secrets (bench/daemon_500_secrets.ts), a unified diff of 20,000 lines
 * (bench/lib/diff_child.ts, against `diff -u`), and `leger validate DIR`
 * over the 99 corpus sets in one call (against podman's generator run once
 * per set), with its verdicts checked against the generator's.
 *
 * @module
 */
import type { Host } from "../../tests/host/guest.ts";
import type { SecretsBench } from "../daemon_500_secrets.ts";
import { GUEST_DENO, rounds, withLeger } from "./guest.ts";
import { median, type Row } from "./table.ts";

const CORPUS = "/leger/tests/fixtures/corpus/podbox";
const GENERATOR = "/usr/libexec/podman/quadlet";

async function guestJson<T>(host: Host, script: string): Promise<T> {
  const r = await host.sh(script, { user: "alice", timeoutMs: 600_000 });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code !== 0 || !last.startsWith("{")) throw new Error(`in the test host: ${script}\n${r.stderr.slice(-2000)}`);
  return JSON.parse(last) as T;
}

/** One poll cycle over 500 secrets (all 304 but 5 rotations), median of `n` runs of the script. */
export async function benchSecretsPoll(host: Host, n: number): Promise<Row> {
  const runs: SecretsBench[] = [];
  for (let i = 0; i < n; i++) {
    runs.push(await guestJson(host, `cd /tmp && ${GUEST_DENO} /leger/bench/daemon_500_secrets.ts 500 --json`));
  }
  const poll = median(runs.map((r) => r.pollMs));
  const peak = Math.max(...runs.map((r) => r.peakRssBytes));
  return {
    what: "daemon: one poll cycle, 500 secrets",
    leger: { ms: poll },
    goal: "< 1 s",
    met: poll < 1000,
    note: `peak RSS ${(peak / 1048576).toFixed(0)} MiB, ${runs[0]!.pollRequests} requests`,
  };
}

/**
 * leger's unified diff of 20,000-line files (in process) against `diff -u` of the same files: 40 scattered changes,
 * and the worst case of issue 25, an env file whose every line changed (1.4 s before the cost cutoff, where `diff -u`
 * took 4 ms).
 */
export async function benchDiff(host: Host, n: number): Promise<Row[]> {
  const dir = "/tmp/bench-diff";
  const rows: Row[] = [];
  for (
    const [name, changed, what] of [
      ["scattered", 40, "unified diff, 20,000 lines, 40 changed"],
      ["rewritten", 20_000, "unified diff, 20,000 lines, every line changed"],
    ] as const
  ) {
    const runs: Array<{ ms: number; changed: number }> = [];
    for (let i = 0; i < n; i++) {
      runs.push(
        await guestJson(
          host,
          `mkdir -p ${dir} && cd /tmp && ${GUEST_DENO} /leger/bench/lib/diff_child.ts ${dir} ${name}`,
        ),
      );
    }
    if (runs.some((r) => r.changed !== changed)) {
      throw new Error(`leger's diff did not find the ${changed} changed lines`);
    }
    const raw = median(await rounds(host, n, `diff -u ${dir}/a.txt ${dir}/b.txt >/dev/null; [ $? = 1 ]`));
    const ms = median(runs.map((r) => r.ms));
    rows.push({
      what,
      leger: { ms },
      raw: { figure: { ms: raw }, what: "diff -u (a process)" },
      goal: "< 100 ms",
      met: ms < 100,
      note: "in process",
    });
  }
  return rows;
}

/** `leger validate DIR` over the 99 corpus sets against the generator run once per set. */
export async function benchValidate(host: Host, n: number): Promise<Row> {
  const cli = `leger validate --no-host --podman-version 5.8 --json ${CORPUS}`;
  const leger = median(await rounds(host, n, `${cli}; [ $? -le 3 ]`));
  const tsv = await host.readFile(`${CORPUS}/GENERATOR-VERDICTS.tsv`);
  const verdicts = new Map(
    tsv.trim().split("\n").map((l) => {
      const [set, verdict] = l.split("\t") as [string, string];
      return [set, verdict === "ok"];
    }),
  );
  const loop = [...verdicts.keys()].map((s) =>
    `QUADLET_UNIT_DIRS=${CORPUS}/${s} ${GENERATOR} -user -dryrun >/dev/null 2>&1`
  ).join("; ");
  const raw = median(await rounds(host, n, `${loop}; true`));
  const out = await host.sh(withLeger(`${cli} 2>/dev/null`), { user: "alice", timeoutMs: 120_000 });
  const sets = (JSON.parse(out.stdout) as { sets: Array<{ path: string; errors: number }> }).sets;
  const unlike = sets.filter((s) => verdicts.get(s.path) !== (s.errors === 0)).length;
  return {
    what: "validate 99 sets, one call",
    leger: { ms: leger },
    raw: { figure: { ms: raw }, what: "podman's generator -dryrun, 99 runs" },
    goal: "< 1 s, same verdicts",
    met: leger < 1000 && unlike === 0 && sets.length === verdicts.size,
    note: `${sets.length} sets, ${unlike} verdicts unlike the generator's`,
  };
}
