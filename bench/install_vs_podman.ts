/**
 * Benchmark (a script, not a test): what leger's checks and bookkeeping
 * cost over the raw podman commands, on the real test host as alice.
 *
 *   raw:   podman quadlet install DIR && systemctl --user start UNITS
 *          ... podman quadlet rm --all --force
 *   leger: leger install DIR ... leger remove NAME
 *
 * Prints the median of N rounds of each and the ratio.
 * Run: deno run -A bench/install_vs_podman.ts [rounds]
 *
 * @module
 */
import { bootHost } from "../tests/host/host.ts";

const rounds = Number(Deno.args[0] ?? 5);
const container = `[Container]
Image=localhost/leger-test:v1
RunInit=true
PublishPort=127.0.0.1:18900:8080
Volume=bench-data.volume:/data

[Install]
WantedBy=default.target
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const host = await bootHost();
try {
  await host.writeFile("/home/alice/bench/bench.container", container, { user: "alice" });
  await host.writeFile("/home/alice/bench/bench-data.volume", "[Volume]\n", { user: "alice" });
  const time = async (script: string) => {
    const t = performance.now();
    const r = await host.sh(script, { user: "alice", timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`${script}: ${r.stderr}`);
    return performance.now() - t;
  };
  const raw: number[] = [], leger: number[] = [], rawRm: number[] = [], legerRm: number[] = [];
  for (let i = 0; i < rounds; i++) {
    raw.push(
      await time(
        "podman quadlet install /home/alice/bench && systemctl --user start bench-data-volume.service bench.service",
      ),
    );
    rawRm.push(
      await time(
        "podman quadlet rm --all --force >/dev/null && systemctl --user daemon-reload && podman volume rm -f systemd-bench-data >/dev/null",
      ),
    );
    leger.push(await time("leger install /home/alice/bench --name bench >/dev/null 2>&1"));
    legerRm.push(await time("leger remove bench --purge-volumes --yes >/dev/null 2>&1"));
  }
  const row = (what: string, a: number[], b: number[]) =>
    console.log(
      `${what.padEnd(10)} raw podman ${median(a).toFixed(0).padStart(6)} ms   leger ${
        median(b).toFixed(0).padStart(6)
      } ms   ratio ${(median(b) / median(a)).toFixed(2)}x`,
    );
  console.log(
    `median of ${rounds} rounds on podman ${(await host.exec(["podman", "--version"])).stdout.trim()}, rootless`,
  );
  row("install", raw, leger);
  row("remove", rawRm, legerRm);
  console.log(
    "leger's install includes fetching the set, the validator with the generator's dry run, the health gate (1.5 s settle) and the manifest.",
  );
} finally {
  await host.stop();
}
