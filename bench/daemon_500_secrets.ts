/**
 * Benchmark (a script, not a test): 500 declared secrets against the Setec
 * stand-in and a fake podman. Times one full sync cycle (every secret
 * fetched, cached and created) and one poll cycle (every secret answered
 * 304, plus 5 rotations), and prints the peak RSS.
 *
 *   deno run -A bench/daemon_500_secrets.ts [count]
 *
 * @module
 */
import { join } from "node:path";
import { startSetecStandIn } from "../tests/fakes/setec_server.ts";
import { createFakePodmanSecrets } from "../tests/fakes/podman_secrets.ts";
import { createShell } from "../lib/shell.ts";
import { SecretCache } from "../lib/secrets/cache.ts";
import { SetecClient } from "../lib/secrets/setec_client.ts";
import { type DeclaredSecret, type SyncReport, syncSecrets } from "../lib/secrets/sync.ts";

const count = Number(Deno.args[0] ?? 500);
let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, Deno.memoryUsage().rss));
const sampler = setInterval(sample, 10);

const setec = await startSetecStandIn();
const podman = createFakePodmanSecrets();
const $ = createShell({ fakes: { podman: podman.podman } });
const dir = await Deno.makeTempDir({ prefix: "leger-bench-" });
const cache = await SecretCache.open(join(dir, "secrets"));
const client = new SetecClient({ server: setec.url });
const declared: DeclaredSecret[] = [];
for (let i = 0; i < count; i++) {
  const name = `leger/bench/secret-${i}`;
  setec.put(name, crypto.getRandomValues(new Uint8Array(64)));
  declared.push({
    name,
    podmanSecret: `bench-${i}`,
    users: [`unit-${i % 50}.service`],
  });
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

async function timed(
  label: string,
  fn: () => Promise<SyncReport>,
): Promise<void> {
  sample();
  const t0 = performance.now();
  const report = await fn();
  const ms = performance.now() - t0;
  sample();
  const actions: Record<string, number> = {};
  for (const r of report.results) {
    actions[r.action] = (actions[r.action] ?? 0) + 1;
  }
  console.log(
    `${label.padEnd(22)} ${ms.toFixed(0).padStart(6)} ms  ${JSON.stringify(actions)}`,
  );
}

try {
  console.log(`${count} secrets, Setec stand-in at ${setec.url}`);
  await timed("full sync (cold cache)", () => syncSecrets(options));
  for (let i = 0; i < 5; i++) {
    setec.rotate(`leger/bench/secret-${i * 7}`, `rotated-${i}`);
  }
  const before = setec.requests.length;
  await timed("poll cycle (304s)", () => syncSecrets(options));
  console.log(
    `requests in poll cycle  ${setec.requests.length - before}; restarted ${restarted.length} units`,
  );
  console.log(
    `peak RSS                ${(peakRss / 1024 / 1024).toFixed(1)} MiB`,
  );
} finally {
  clearInterval(sampler);
  await setec.close();
  await Deno.remove(dir, { recursive: true });
}
