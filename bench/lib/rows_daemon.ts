/**
 * The daemon's idle memory on the real test host: `leger daemon` as a
 * transient user unit of alice, with updates enabled (the 20 installed sets
 * on `notify`, checked every 5 s, so several cycles have run), measured as
 * its resident set (VmRSS, and the anonymous part) after `settleMs`.
 * Variants: see {@linkcode daemonVariants}.
 *
 * @module
 */
import type { Host } from "../../tests/host/guest.ts";
import { median, type Row } from "./table.ts";
import { WARM_CACHE } from "./guest.ts";

/** A way of starting the daemon in the guest. */
export interface DaemonVariant {
  label: string;
  /** The command line (its first process must exec the Deno runtime). */
  command: string;
}

const DENO = "/usr/local/bin/deno run -A --cached-only --quiet";

/**
 * The variants measured: the test host's way (source, read-only cache), the
 * source with alice's warm, writable cache (see useRunner in guest.ts)
 * and, when the bundle was built, dist/leger.js with that cache; each
 * again with `v8Flags`.
 */
export function daemonVariants(opts: { bundle: boolean; v8Flags?: string }): DaemonVariant[] {
  const out: DaemonVariant[] = [
    { label: "source, read-only cache", command: `/usr/bin/env DENO_DIR=/opt/deno-dir ${DENO} /leger/main.ts daemon` },
    { label: "source, warm cache", command: `/usr/bin/env DENO_DIR=${WARM_CACHE} ${DENO} /leger/main.ts daemon` },
  ];
  if (opts.bundle) {
    out.push({
      label: "bundle, warm cache",
      command: `/usr/bin/env DENO_DIR=${WARM_CACHE} ${DENO} /leger/dist/leger.js daemon`,
    });
  }
  if (opts.v8Flags) {
    for (const v of [...out]) {
      out.push({
        label: `${v.label}, ${opts.v8Flags}`,
        command: v.command.replace(" -A ", ` --v8-flags=${opts.v8Flags} -A `),
      });
    }
  }
  return out;
}

/** Writes alice's config: the loopback forge and updates on `notify` every 5 s. */
export async function enableUpdates(host: Host): Promise<void> {
  await host.writeFile(
    "/home/alice/.config/leger/config.yaml",
    "forges:\n  127.0.0.1:8418: gitea\nupdates:\n  interval: 5s\n  default:\n    policy: notify\n    interval: 5s\n",
    { user: "alice" },
  );
}

async function measureOnce(host: Host, v: DaemonVariant, settleMs: number): Promise<{ rss: number; anon: number }> {
  const unit = "leger-bench-daemon";
  await host.exec(["systemctl", "--user", "stop", unit], { user: "alice" });
  await host.exec(["systemctl", "--user", "reset-failed", unit], { user: "alice" });
  await host.sh(`systemd-run --user --unit=${unit} --property=RuntimeDirectory=leger ${v.command}`, {
    user: "alice",
    check: true,
  });
  await new Promise((r) => setTimeout(r, settleMs));
  const r = await host.sh(
    `pid=$(systemctl --user show -P MainPID ${unit}); [ "$pid" -gt 0 ] || exit 1
grep -E '^(VmRSS|RssAnon):' /proc/$pid/status`,
    { user: "alice" },
  );
  const journal = await host.exec(["journalctl", "--user", "-u", unit, "--no-pager", "-o", "cat", "-n", "20"], {
    user: "alice",
  });
  await host.exec(["systemctl", "--user", "stop", unit], { user: "alice" });
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(r.stdout)?.[1] ?? NaN) * 1024;
  if (r.code !== 0 || !/leger daemon started/.test(journal.stdout)) {
    throw new Error(`the daemon (${v.label}) did not stay up:\n${journal.stdout}`);
  }
  return { rss: kb("VmRSS"), anon: kb("RssAnon") };
}

/** One row per variant: median idle RSS of `n` starts. */
export async function benchDaemonIdle(host: Host, n: number, variants: DaemonVariant[], settleMs = 20_000): Promise<
  Row[]
> {
  const rows: Row[] = [];
  for (const v of variants) {
    // A first start writes the code cache for these V8 flags (V8 refuses a cache made under other flags).
    await measureOnce(host, v, 5000);
    const runs: Array<{ rss: number; anon: number }> = [];
    for (let i = 0; i < n; i++) runs.push(await measureOnce(host, v, settleMs));
    const rss = median(runs.map((x) => x.rss));
    rows.push({
      what: `daemon idle RSS, updates on (${v.label})`,
      leger: { bytes: rss },
      goal: "< 60 MiB",
      met: rss < 60 * 1048576,
      note: `anonymous ${(median(runs.map((x) => x.anon)) / 1048576).toFixed(0)} MiB`,
    });
  }
  return rows;
}
