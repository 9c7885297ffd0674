/**
 * Benchmark (a script, not a test): 500 declared secrets against the Setec
 * stand-in (HTTPS with its own test CA, as the client requires) and a fake
 * podman. Times one full sync cycle (every secret fetched, cached and
 * created) and one poll cycle (every secret answered 304, plus 5
 * rotations), and prints the peak RSS.
 *
 *   deno run -A bench/daemon_500_secrets.ts [count] [--json]
 *
 * `deno task bench` runs it inside the real test host with `--json`.
 *
 * @module
 */
import { join } from "node:path";
import { startSetecStandIn } from "../tests/fakes/setec/server.ts";
import { createFakePodmanSecrets } from "../tests/fakes/podman/secrets_in_memory.ts";
import { createShell } from "../lib/host/shell.ts";
import { SecretCache } from "../lib/secrets/cache.ts";
import { SetecClient } from "../lib/secrets/setec_client.ts";
import { type DeclaredSecret, type SyncReport, syncSecrets } from "../lib/secrets/sync.ts";

/** What one run measured. */
export interface SecretsBench {
  count: number;
  fullSyncMs: number;
  pollMs: number;
  /** Requests the poll cycle sent to Setec. */
  pollRequests: number;
  /** Units the 5 rotations restarted. */
  restarted: number;
  /** What the poll cycle did per secret (`unchanged`, `updated`, ...). */
  pollActions: Record<string, number>;
  peakRssBytes: number;
}

/** Runs one full sync and one poll cycle over `count` secrets. */
export async function benchSecrets(count = 500): Promise<SecretsBench> {
  let peakRss = 0;
  const sample = () => (peakRss = Math.max(peakRss, Deno.memoryUsage().rss));
  const sampler = setInterval(sample, 10);
  const setec = await startSetecStandIn();
  const podman = createFakePodmanSecrets();
  const $ = createShell({ fakes: { podman: podman.podman } });
  const dir = await Deno.makeTempDir({ prefix: "leger-bench-" });
  try {
    const cache = await SecretCache.open(join(dir, "secrets"));
    const client = new SetecClient({ server: setec.url, ...(setec.caPem ? { caCert: setec.caPem } : {}) });
    const declared: DeclaredSecret[] = [];
    for (let i = 0; i < count; i++) {
      const name = `leger/bench/secret-${i}`;
      setec.put(name, crypto.getRandomValues(new Uint8Array(64)));
      declared.push({ name, podmanSecret: `bench-${i}`, users: [`unit-${i % 50}.service`] });
    }
    let restarted: string[] = [];
    const options = {
      $,
      client,
      cache,
      declared,
      prefix: "leger/",
      restartUnits: (units: string[]) => {
        restarted = units;
        return Promise.resolve();
      },
      log: { info: () => {}, warn: (l: string) => console.error(l) },
    };
    const timed = async (fn: () => Promise<SyncReport>) => {
      sample();
      const t0 = performance.now();
      const report = await fn();
      const ms = performance.now() - t0;
      sample();
      const actions: Record<string, number> = {};
      for (const r of report.results) actions[r.action] = (actions[r.action] ?? 0) + 1;
      return { ms, actions };
    };
    const full = await timed(() => syncSecrets(options));
    for (let i = 0; i < 5; i++) setec.rotate(`leger/bench/secret-${i * 7}`, `rotated-${i}`);
    const before = setec.requests.length;
    const poll = await timed(() => syncSecrets(options));
    if (full.actions.failed || poll.actions.failed) {
      throw new Error(`secrets failed to sync: ${JSON.stringify({ full: full.actions, poll: poll.actions })}`);
    }
    return {
      count,
      fullSyncMs: full.ms,
      pollMs: poll.ms,
      pollRequests: setec.requests.length - before,
      restarted: restarted.length,
      pollActions: poll.actions,
      peakRssBytes: peakRss,
    };
  } finally {
    clearInterval(sampler);
    await setec.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const count = Number(Deno.args.find((a) => /^\d+$/.test(a)) ?? 500);
  const r = await benchSecrets(count);
  if (Deno.args.includes("--json")) console.log(JSON.stringify(r));
  else {
    console.log(`${count} secrets, Setec stand-in over HTTPS`);
    console.log(`full sync (cold cache)  ${r.fullSyncMs.toFixed(0).padStart(6)} ms`);
    console.log(`poll cycle (304s)       ${r.pollMs.toFixed(0).padStart(6)} ms  ${JSON.stringify(r.pollActions)}`);
    console.log(`requests in poll cycle  ${r.pollRequests}; restarted ${r.restarted} units`);
    console.log(`peak RSS                ${(r.peakRssBytes / 1048576).toFixed(1)} MiB`);
  }
}
