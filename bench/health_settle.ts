/**
 * Measurement behind the health gate's settle window (a script, not a
 * test): on the real test host, how long after `systemctl start` returns
 * does systemd see a container that exits at once (or after a short
 * delay) as no longer active? The settle window must be longer than that
 * latency, or a crashing container looks healthy.
 *
 * Run: deno run -A bench/health_settle.ts [rounds] [--suite sid|sid-podman6]
 *
 * @module
 */
import { bootHost } from "../tests/host/host.ts";
import type { Suite } from "../tests/host/rootfs.ts";

const rounds = Number(Deno.args.find((a) => /^\d+$/.test(a)) ?? 10);
const suiteAt = Deno.args.indexOf("--suite");
const suite = (suiteAt >= 0 ? Deno.args[suiteAt + 1] : "sid") as Suite;

const unit = (exec: string) =>
  `[Container]
Image=localhost/leger-test:v1
RunInit=true
Exec=/bin/sh -c "${exec}"
`;

const host = await bootHost({ suite });
try {
  const cases: Array<[string, string]> = [
    ["exits at once", "exit 3"],
    ["exits after 0.3 s", "sleep 0.3; exit 3"],
  ];
  console.log(`podman ${(await host.exec(["podman", "--version"])).stdout.trim()}, rootless, ${rounds} rounds`);
  for (const [label, exec] of cases) {
    await host.writeFile("/home/alice/.config/containers/systemd/crash.container", unit(exec), { user: "alice" });
    await host.exec(["systemctl", "--user", "daemon-reload"], { user: "alice", check: true });
    const latencies: number[] = [];
    let failedStarts = 0;
    for (let i = 0; i < rounds; i++) {
      await host.exec(["systemctl", "--user", "reset-failed", "crash.service"], { user: "alice" });
      // One shell inside the guest measures, so the nsenter round trip does not count.
      const script = `systemctl --user start crash.service; rc=$?; t0=$(date +%s%N)
while [ "$(systemctl --user show -P ActiveState crash.service)" = active ]; do
  [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 10000 ] && break; done
echo "$rc $(( ($(date +%s%N) - t0) / 1000000 ))"`;
      const r = await host.exec(["sh", "-c", script], { user: "alice", timeoutMs: 60_000 });
      const [rc, ms] = r.stdout.trim().split(" ").map(Number);
      if (rc !== 0) failedStarts++;
      else latencies.push(ms!);
    }
    latencies.sort((a, b) => a - b);
    const pick = (q: number) =>
      latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN;
    console.log(
      `${label.padEnd(18)} start failed at once: ${failedStarts}/${rounds}; ` +
        `seen leaving active after start returned: median ${pick(0.5)} ms, max ${pick(1)} ms`,
    );
  }
} finally {
  await host.stop();
}
