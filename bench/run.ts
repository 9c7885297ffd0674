/**
 * `deno task bench`: every figure of issue 13 on the real test host (sid,
 * podman 5.8, rootless as alice), each next to the raw command measured in
 * the same run, as ONE table: what, leger, raw, ratio, goal, met.
 *
 *   deno task bench [--rounds 3] [--1gib | --size-mib N] [--runner warm|source|bundle] [--suite sid]
 *                   [--v8-flags F] [--only a,b] [--markdown FILE]
 *
 * Each row is the median of `--rounds` runs. The backup volume is 256 MiB
 * unless `--1gib`. By default leger runs from source with a warm Deno cache
 * (`--runner warm`, the closest to the compiled binary here; see useRunner
 * in lib/guest.ts). Before the host boots, dist/leger.js is bundled, so the
 * daemon's idle memory is also measured as one bundled file. Rows: install, list,
 * version, stage, backup, cow (backup, downtime and restore on a second host
 * whose container storage is btrfs), daemon, secrets, diff, validate (for `--only`).
 *
 * @module
 */
import { bootHost } from "../tests/host/host.ts";
import type { Suite } from "../tests/host/rootfs.ts";
import { benchInstallRemove } from "./install_vs_podman.ts";
import { benchList, benchStageAll, benchVersion, installTwentySets } from "./lib/rows_sets.ts";
import { benchBackup } from "./lib/rows_backup.ts";
import { benchCow } from "./lib/rows_cow.ts";
import { benchDaemonIdle, daemonVariants, enableUpdates } from "./lib/rows_daemon.ts";
import { benchDiff, benchSecretsPoll, benchValidate } from "./lib/rows_tools.ts";
import { markdownTable, type Row } from "./lib/table.ts";
import { type Runner, SHIPPED_V8_FLAGS, useRunner } from "./lib/guest.ts";

const args = Deno.args;
const opt = (name: string) => {
  const eq = args.find((a) => a.startsWith(`${name}=`));
  if (eq) return eq.slice(name.length + 1);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(opt("--rounds") ?? 3);
const sizeMiB = args.includes("--1gib") ? 1024 : Number(opt("--size-mib") ?? 256);
const suite = (opt("--suite") ?? "sid") as Suite;
const only = opt("--only")?.split(",");
const runnerKind = (opt("--runner") ?? "warm") as Runner;
const want = (row: string) => !only || only.includes(row);
const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

const root = new URL("..", import.meta.url).pathname;
let bundle = false;
if (want("daemon")) {
  const b = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", "-o", "dist/leger.js", "main.ts"],
    cwd: root,
  }).output();
  bundle = b.success;
  if (!bundle) {
    log(`deno bundle failed, the daemon is measured from source only: ${new TextDecoder().decode(b.stderr)}`);
  }
}

log(`booting the ${suite} test host`);
const host = await bootHost({ suite, log });
const rows: Row[] = [];
const step = async (name: string, fn: () => Promise<Row | Row[]>) => {
  if (!want(name)) return;
  log(`${name} ...`);
  const t = performance.now();
  const r = await fn();
  rows.push(...(Array.isArray(r) ? r : [r]));
  log(`${name} done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
};
try {
  const podman = (await host.exec(["podman", "--version"])).stdout.trim();
  const systemd = (await host.exec(["systemctl", "--version"])).stdout.split("\n")[0]!.trim();
  await useRunner(host, runnerKind);
  await step("install", () => benchInstallRemove(host, rounds));
  if (want("list") || want("stage") || want("daemon")) {
    log("installing 20 sets from 2 repositories");
    await installTwentySets(host);
    await enableUpdates(host);
  }
  await step("list", () => benchList(host, rounds));
  await step("version", () => benchVersion(host, rounds));
  await step("stage", () => benchStageAll(host, rounds));
  await step("daemon", () => benchDaemonIdle(host, rounds, daemonVariants({ bundle, v8Flags: opt("--v8-flags") })));
  await step("backup", () => benchBackup(host, rounds, sizeMiB));
  // A second host, its container storage on btrfs: the reflink copy and the restore that moves data aside.
  await step("cow", () => benchCow(rounds, sizeMiB, { runner: runnerKind, log }));
  await step("secrets", () => benchSecretsPoll(host, rounds));
  await step("diff", () => benchDiff(host, rounds));
  await step("validate", () => benchValidate(host, rounds));

  const cores = navigator.hardwareConcurrency;
  const head = [
    `${podman}, ${systemd}, Debian ${suite} test host (systemd-nspawn), rootless (alice)`,
    `machine: ${cores} cores, ${Deno.version.deno} (v8 ${Deno.version.v8}); median of ${rounds} rounds; leger run as ${
      {
        warm: "deno run main.ts with a warm cache (transpiled, V8 code cache)",
        source: "deno run main.ts with a read-only cache (transpiled at each run)",
        bundle: "dist/leger.js with a warm code cache",
      }[runnerKind]
    }, with the compiled binary's V8 flags (${SHIPPED_V8_FLAGS || "none"}); ${new Date().toISOString().slice(0, 16)}Z`,
  ];
  const text = [...head, "", markdownTable(rows)].join("\n");
  console.log(text);
  const md = opt("--markdown");
  if (md) await Deno.writeTextFile(md, text + "\n");
} finally {
  await host.stop();
}
