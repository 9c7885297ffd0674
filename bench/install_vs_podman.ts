/**
 * Benchmark (a script, not a test): what leger's checks and bookkeeping
 * cost over the raw podman commands, on the real test host as alice.
 *
 *   raw:   podman quadlet install DIR && systemctl --user start UNITS && systemctl --user is-active UNITS
 *          ... podman quadlet rm --all --force && daemon-reload && podman volume rm
 *   leger: leger install DIR ... leger remove NAME --purge-volumes
 *
 * Prints the median of N rounds of each and the ratio; `deno task bench`
 * uses {@linkcode benchInstallRemove} for its first two rows.
 * Run: deno run -A bench/install_vs_podman.ts [rounds]
 *
 * @module
 */
import { bootHost } from "../tests/host/host.ts";
import type { Host } from "../tests/host/guest.ts";
import { median, ratioMet, type Row } from "./lib/table.ts";
import { timeIn } from "./lib/guest.ts";

/** A 2-unit set without health checks: a container and its volume. */
const CONTAINER = `[Container]
Image=localhost/leger-test:v1
RunInit=true
PublishPort=127.0.0.1:18900:8080
Volume=bench-data.volume:/data

[Install]
WantedBy=default.target
`;

const RAW_INSTALL = "podman quadlet install /home/alice/bench && " +
  "systemctl --user start bench-data-volume.service bench.service && " +
  "systemctl --user is-active bench-data-volume.service bench.service";
const RAW_REMOVE = "podman quadlet rm --all --force && systemctl --user daemon-reload && " +
  "podman volume rm -f systemd-bench-data";

/** Writes the 2-unit set to /home/alice/bench in the guest. */
export async function writeBenchSet(host: Host): Promise<void> {
  await host.writeFile("/home/alice/bench/bench.container", CONTAINER, { user: "alice" });
  await host.writeFile("/home/alice/bench/bench-data.volume", "[Volume]\n", { user: "alice" });
}

/** Times install+start and remove of the 2-unit set, raw and by leger, alternating, `rounds` times each. */
export async function benchInstallRemove(host: Host, rounds: number): Promise<Row[]> {
  await writeBenchSet(host);
  const raw: number[] = [], leger: number[] = [], rawRm: number[] = [], legerRm: number[] = [];
  for (let i = 0; i < rounds; i++) {
    raw.push(await timeIn(host, RAW_INSTALL));
    rawRm.push(await timeIn(host, RAW_REMOVE));
    leger.push(await timeIn(host, "leger install /home/alice/bench --name bench"));
    legerRm.push(await timeIn(host, "leger remove bench --purge-volumes --yes"));
  }
  const row = (what: string, l: number[], r: number[], rawWhat: string, max: number): Row => ({
    what,
    leger: { ms: median(l) },
    raw: { figure: { ms: median(r) }, what: rawWhat },
    goal: `<= ${max}x`,
    met: ratioMet({ ms: median(l) }, { ms: median(r) }, max),
  });
  return [
    row(
      "install + start, 2-unit set",
      leger,
      raw,
      "podman quadlet install + systemctl --user start + is-active",
      1.5,
    ),
    row("remove (volume too)", legerRm, rawRm, "podman quadlet rm --all + daemon-reload + volume rm", 1.3),
  ];
}

if (import.meta.main) {
  const rounds = Number(Deno.args[0] ?? 5);
  const { markdownTable } = await import("./lib/table.ts");
  const host = await bootHost();
  try {
    console.log(
      `median of ${rounds} rounds on podman ${(await host.exec(["podman", "--version"])).stdout.trim()}, rootless`,
    );
    console.log(markdownTable(await benchInstallRemove(host, rounds)));
  } finally {
    await host.stop();
  }
}
