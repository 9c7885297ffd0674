/**
 * `deno task host <command>`: build, enter, inspect and clean the
 * end-to-end test hosts.
 *
 * ```sh
 * deno task host build [--suite sid|sid-podman6|trixie]
 * deno task host shell [--suite S] [--user alice] [--storage btrfs|xfs]
 * deno task host run [--suite S] [--user alice] -- podman ps
 * deno task host status
 * deno task host clean [--all] [--debs]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { bootHost, cacheStatus, hostAvailable, PROJECT_ROOT, sweepStaleBoots } from "./host.ts";
import { CACHE_ROOT, denoDirEntry, ensureRootfs, prepareDenoDir, rootfsEntry, type Suite, SUITES } from "./rootfs.ts";
import type { StorageFs } from "./storage_fs.ts";

const USAGE = `Usage: deno task host <command> [options]

Commands:
  build [--suite S]                 build (or reuse) the root file system
  shell [--suite S] [--user alice]  boot a host and open a shell in it
  run [--suite S] [--user alice] -- CMD...
                                    boot a host, run CMD, stop the host
  status                            list cached root file systems and boots
  clean [--all] [--debs]            stop stale boots, delete outdated
                                    caches (--all: every cache but the
                                    .deb files; --debs: those too)

Options:
  --suite sid|sid-podman6|trixie   test host (default sid: podman 5.8;
                       sid-podman6: podman 6.1; trixie: podman 5.4)
  --user root|alice    user inside the host (default root)
  --storage ext4|btrfs|xfs
                       file system of the guest's container storage
                       (default ext4: the build machine's disk; btrfs and
                       xfs: a loop-mounted image made for the boot)
`;

/** Runs the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      suite: { type: "string", default: "sid" },
      user: { type: "string", default: "root" },
      debs: { type: "boolean", default: false },
      all: { type: "boolean", default: false },
      storage: { type: "string", default: "ext4" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  const suite = values.suite as Suite;
  const user = values.user === "alice" ? "alice" : "root";
  const log = (line: string) => console.error(`host: ${line}`);
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const storage = values.storage as StorageFs;
  if (!["ext4", "btrfs", "xfs"].includes(storage)) {
    console.error(`host: unknown storage '${storage}' (ext4, btrfs, xfs)`);
    return 2;
  }
  if (!SUITES.includes(suite)) {
    console.error(`host: unknown suite '${suite}' (${SUITES.join(", ")})`);
    return 2;
  }
  if (["build", "shell", "run", "clean"].includes(command)) {
    const available = await hostAvailable();
    if (!available.ok) {
      console.error(`host: missing: ${available.missing.join(", ")}`);
      return 1;
    }
  }
  switch (command) {
    case "build": {
      const started = Date.now();
      console.log(await ensureRootfs({ suite, log }));
      console.log(await prepareDenoDir(PROJECT_ROOT, log));
      log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case "shell":
    case "run": {
      const cmd = command === "shell" ? ["bash", "-l"] : rest;
      if (!cmd.length) {
        console.error("host: run needs a command: deno task host run -- CMD");
        return 2;
      }
      await using host = await bootHost({ suite, log, storage });
      log(`leger-${host.id} is up; root folder ${host.root}`);
      const [bin, ...argv] = host.commandLine(cmd, {
        user,
        env: { TERM: Deno.env.get("TERM") ?? "xterm" },
        cwd: user === "alice" ? "/home/alice" : "/root",
      });
      const status = await new Deno.Command(bin!, {
        args: argv,
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn().status;
      return status.code;
    }
    case "status": {
      const { entries, boots } = await cacheStatus();
      console.log(`cache ${CACHE_ROOT}:`);
      for (const entry of entries) console.log(`  ${entry}`);
      console.log("boots:");
      for (const boot of boots) console.log(`  ${boot}`);
      const mounts = (await Deno.readTextFile("/proc/self/mounts")).split("\n")
        .filter((l) => l.includes("leger-test-host"));
      console.log(`overlay mounts: ${mounts.length}`);
      return 0;
    }
    case "clean": {
      log(`cleaned ${await sweepStaleBoots(log)} stale boot(s)`);
      const { entries, boots } = await cacheStatus();
      if (boots.length) {
        console.error(
          `host: ${boots.length} host(s) still running; caches kept`,
        );
        return 1;
      }
      const current = new Set([
        ...await Promise.all(SUITES.map((s) => rootfsEntry(s))),
        await denoDirEntry(PROJECT_ROOT),
      ]);
      for (const entry of entries) {
        const base = entry.slice(entry.lastIndexOf("/") + 1);
        const keep = base.startsWith("debs-") ? !values.debs : base.startsWith(".build-")
          ? !values.all // may be a build in progress elsewhere
          : !values.all && current.has(entry.replace(/\.lock$/, ""));
        if (keep) continue;
        await Deno.remove(entry, { recursive: true });
        log(`removed ${entry}`);
      }
      return 0;
    }
    default:
      console.error(`host: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
