/**
 * A throwaway Debian host with systemd as PID 1 and podman, booted with
 * systemd-nspawn on the build machine, for leger's end-to-end tests.
 *
 * Recipe and the reason for every nspawn flag: /work/shared/design/SANDBOX.md.
 * Each boot gets its own writable layer (overlayfs over the cached root file
 * system) and its own container storage, so parallel boots never collide.
 *
 * Test images `localhost/leger-test:v1` and `:v2` are imported for root and
 * alice at boot. They are busybox: a quadlet using them should set
 * `RunInit=true`, or every stop waits the full stop timeout (busybox as
 * PID 1 ignores SIGTERM).
 *
 * @example
 * ```ts
 * await using host = await bootHost({ suite: "sid" });
 * const { stdout } = await host.exec(["podman", "--version"], { user: "alice" });
 * ```
 *
 * @module
 */

import { onPath, processAlive, processName, processStart, run, unmountAndRemove } from "./process.ts";
import {
  CACHE_ROOT,
  ensureRootfs,
  GUEST_IMAGE_DIR,
  prepareDenoDir,
  type Suite,
  TEST_IMAGE_CMD,
  TEST_IMAGES,
} from "./rootfs.ts";
import { makeGuestCgroup, sweepGuestCgroups } from "./cgroup.ts";
import { Host } from "./guest.ts";
import { holdBootFolder } from "./guest_cleanup.ts";
import { ensureStorageTools, makeStorage, type StorageFs } from "./storage_fs.ts";

/** Where per-boot folders (overlay layers, storage, logs) are made. */
export const BOOTS_ROOT = "/var/tmp/leger-test-host/boots";

/** The project root: two folders above this file. */
export const PROJECT_ROOT = new URL("../..", import.meta.url).pathname
  .replace(/\/$/, "");

/** A bind mount from the build machine into the guest. */
export interface Bind {
  /** Path on the build machine. */
  host: string;
  /** Path inside the guest. */
  guest: string;
  /** Mount read-only. */
  readOnly?: boolean;
}

/** Options of {@linkcode bootHost}. */
export interface BootOptions {
  /** Debian suite to boot (default `sid`). */
  suite?: Suite;
  /** Extra bind mounts, added after the default ones. */
  binds?: Bind[];
  /** Project bound read-only at `/leger` (default {@linkcode PROJECT_ROOT}). */
  projectRoot?: string;
  /**
   * Deno cache bound read-only at `/opt/deno-dir`; default: built by
   * {@linkcode prepareDenoDir} from the project; `false`: none.
   */
  denoDir?: string | false;
  /**
   * The file system of the guest's container storage (`/var/lib/containers`
   * and alice's `~/.local/share/containers`): `ext4` (default) is the build
   * machine's disk; `btrfs` and `xfs` a loop-mounted image of that file
   * system made for this boot (see storage_fs.ts).
   */
  storage?: StorageFs;
  /** Skip importing the test images (saves about a second). */
  skipImages?: boolean;
  /** Progress lines (default: nothing). */
  log?: (line: string) => void;
}

/**
 * Checks that this machine can build and boot test hosts. Names every
 * missing piece so a test runner can say it loudly.
 */
export async function hostAvailable(): Promise<
  { ok: true } | { ok: false; missing: string[] }
> {
  const missing: string[] = [];
  if (Deno.build.os !== "linux") {
    missing.push(`Linux (this is ${Deno.build.os})`);
  } else {
    if (Deno.uid() !== 0) missing.push(`root (running as uid ${Deno.uid()})`);
    for (const tool of ["debootstrap", "systemd-nspawn", "nsenter", "mount", "setpriv"]) {
      if (!(await onPath(tool))) missing.push(`${tool} on PATH`);
    }
    const fs = await Deno.readTextFile("/proc/filesystems").catch(() => "");
    if (!/\toverlay$/m.test(fs)) missing.push("overlay file system support");
  }
  return missing.length ? { ok: false, missing } : { ok: true };
}

interface BootRecord {
  ownerPid: number;
  nspawnPid: number;
  merged: string;
  /** The guest's PID 1 and when it started, once booted: the sweep ends a guest whose nspawn is gone. */
  pid1?: number;
  pid1Start?: string;
}

/**
 * Boots a host from the cached root file system (building it first when
 * needed) and waits until root's and alice's systemd are ready and the
 * test images are imported. Stop it with `host.stop()` or `await using`.
 */
export async function bootHost(opts: BootOptions = {}): Promise<Host> {
  const suite = opts.suite ?? "sid";
  const log = opts.log ?? (() => {});
  const projectRoot = opts.projectRoot ?? PROJECT_ROOT;
  await sweepStaleBoots(log);
  await ensureStorageTools(opts.storage ?? "ext4", log);
  const lower = await ensureRootfs({ suite, log });
  const denoDir = opts.denoDir === undefined ? await prepareDenoDir(projectRoot, log) : opts.denoDir;
  const started = Date.now();
  await Deno.mkdir(BOOTS_ROOT, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: BOOTS_ROOT, prefix: `${suite}-` });
  const id = dir.slice(dir.lastIndexOf("-") + 1).toLowerCase()
    .replace(/[^a-z0-9]/g, "");
  const merged = `${dir}/merged`;
  // Claim the folder at once, so a parallel sweep leaves it alone; and a signal before the guest runs removes it.
  const record: BootRecord = { ownerPid: Deno.pid, nspawnPid: 0, merged };
  await Deno.writeTextFile(`${dir}/boot.json`, JSON.stringify(record) + "\n");
  let storage: { root: string; alice: string };
  const release = holdBootFolder(dir);
  try {
    for (const sub of ["upper", "work", "merged"]) {
      await Deno.mkdir(`${dir}/${sub}`);
    }
    storage = await makeStorage(dir, opts.storage ?? "ext4");
    await run([
      "mount",
      "-t",
      "overlay",
      "overlay",
      "-o",
      `lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work`,
      merged,
    ], { check: true });
    if (denoDir) await writableDenoDirs(merged, denoDir);
  } catch (e) {
    await unmountAndRemove(dir);
    release();
    throw e;
  }

  const binds: Bind[] = [
    { host: Deno.execPath(), guest: "/usr/local/bin/deno", readOnly: true },
    { host: projectRoot, guest: "/leger", readOnly: true },
    {
      host: new URL(".", import.meta.url).pathname,
      guest: "/opt/leger-test-host",
      readOnly: true,
    },
    { host: storage.root, guest: "/var/lib/containers" },
    { host: storage.alice, guest: "/home/alice/.local/share/containers" },
    ...(denoDir ? [{ host: denoDir, guest: "/opt/deno-dir", readOnly: true }] : []),
    ...(opts.binds ?? []),
  ];
  const nspawn = [
    "systemd-nspawn",
    "-D",
    merged,
    `--machine=leger-${id}`,
    "--register=no",
    "--keep-unit",
    "-b",
    "--console=passive",
    "--private-network",
    "--capability=all",
    "--system-call-filter=@keyring bpf",
    ...binds.map((b) => `--bind${b.readOnly ? "-ro" : ""}=${b.host}:${b.guest}`),
  ];
  // The guest's own cgroup (cgroup.ts): nspawn is moved into it before it starts, so no two guests share one.
  const cgroup = await makeGuestCgroup(id);
  // setpriv --pdeathsig: the kernel sends nspawn SIGTERM (a clean halt) when this process ends in any way, SIGKILL
  // included, so no guest outlives the process that booted it. A run killed with `pkill -f` once left a sid-podman6
  // guest running until it was killed by hand; the next boot's sweep only comes with the next run.
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      '{ [ -z "$LEGER_CGROUP" ] || echo $$ >"$LEGER_CGROUP/cgroup.procs"; } && ' +
      'exec setpriv --pdeathsig TERM "$@" >"$LEGER_LOG" 2>&1',
      "sh",
      ...nspawn,
    ],
    env: {
      SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: "1",
      LEGER_LOG: `${dir}/nspawn.log`,
      LEGER_CGROUP: cgroup ?? "",
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Registered before anything is awaited: a signal from here on stops the guest, not only its folder.
  const host = new Host({ id, suite, dir, merged, child, log });
  release();
  try {
    record.nspawnPid = child.pid;
    await Deno.writeTextFile(`${dir}/boot.json`, JSON.stringify(record) + "\n");
    await host.waitReady();
    Object.assign(record, { pid1: host.pid1, pid1Start: host.pid1Start });
    await Deno.writeTextFile(`${dir}/boot.json`, JSON.stringify(record) + "\n");
    log(`booted leger-${id} in ${Date.now() - started} ms`);
    if (!opts.skipImages) await importTestImages(host);
    host.timings.bootMs = Date.now() - started;
    log(`ready (with images) in ${host.timings.bootMs} ms`);
    return host;
  } catch (e) {
    await host.stop();
    throw e;
  }
}

/**
 * Gives root and alice each a writable copy of the Deno cache in the guest
 * (`/var/cache/leger-deno/<uid>`, 16 MB) and points the guest's `leger`
 * wrapper at it. With only the read-only `/opt/deno-dir`, every `leger`
 * call transpiled the whole program again: measured in the guest, a warm
 * writable cache cuts a `leger list` from about 0.9 to 0.55 s of CPU, and
 * the end-to-end tier makes hundreds of such calls on two cores. One copy
 * per user, because a cache file one user creates is read-only to the
 * other. Where the copy is not writable (the daemon's system unit has
 * `ProtectSystem=strict`) the wrapper falls back to `/opt/deno-dir`.
 */
async function writableDenoDirs(merged: string, denoDir: string): Promise<void> {
  const base = `${merged}/var/cache/leger-deno`;
  await Deno.mkdir(base, { recursive: true });
  for (const uid of [0, 1000]) {
    await run(["cp", "-a", denoDir, `${base}/${uid}`], { check: true });
    await run(["chown", "-R", `${uid}:${uid}`, `${base}/${uid}`], { check: true });
    await Deno.chmod(`${base}/${uid}`, 0o700);
  }
  await Deno.writeTextFile(
    `${merged}/usr/local/bin/leger`,
    [
      "#!/bin/sh",
      'd="/var/cache/leger-deno/$(id -u)"',
      '[ -w "$d" ] || d=/opt/deno-dir',
      'exec env DENO_DIR="$d" /usr/local/bin/deno run -A --cached-only --quiet /leger/main.ts "$@"',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
}

async function importTestImages(host: Host): Promise<void> {
  const script = TEST_IMAGES.map((img) =>
    `podman import --quiet --change 'CMD ${TEST_IMAGE_CMD}' ` +
    `${GUEST_IMAGE_DIR}/${img.tar} ${img.ref} >/dev/null`
  ).join(" && ");
  await Promise.all([
    host.sh(script, { check: true, timeoutMs: 60_000 }),
    host.sh(script, { user: "alice", check: true, timeoutMs: 60_000 }),
  ]);
}

/**
 * Stops hosts whose test process died (killed, aborted) and removes their
 * per-boot folders and overlay mounts. Run before each boot and by
 * `host_cli clean`. Returns how many boots it cleaned.
 */
export async function sweepStaleBoots(
  log: (line: string) => void = () => {},
  all = false,
): Promise<number> {
  let cleaned = 0;
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(BOOTS_ROOT));
  } catch {
    await sweepGuestCgroups();
    return 0;
  }
  for (const entry of entries) {
    const dir = `${BOOTS_ROOT}/${entry.name}`;
    let record: BootRecord | undefined;
    try {
      record = JSON.parse(await Deno.readTextFile(`${dir}/boot.json`));
    } catch {
      // Not claimed yet (being made right now) or a boot that never started.
      const mtime = await Deno.stat(dir).then((i) => i.mtime?.getTime() ?? 0, () => 0);
      if (Date.now() - mtime < 60_000) continue;
    }
    if (record && !all && processAlive(record.ownerPid)) continue;
    const nspawnPid = record?.nspawnPid;
    // The guest's PID 1, while it is the same process: SIGKILL to it ends the whole guest.
    const guest = () => record?.pid1 && record.pid1Start && processStart(record.pid1) === record.pid1Start;
    if (nspawnPid && processName(nspawnPid) === "systemd-nspawn") {
      log(`stopping stale host ${dir} (nspawn ${nspawnPid})`);
      Deno.kill(nspawnPid, "SIGTERM");
      for (let i = 0; i < 300 && processAlive(nspawnPid); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (guest()) {
      log(`killing the stale guest ${dir} (PID 1 ${record!.pid1})`);
      Deno.kill(record!.pid1!, "SIGKILL");
      for (let i = 0; i < 100 && guest(); i++) await new Promise((r) => setTimeout(r, 100));
    }
    if (nspawnPid && processName(nspawnPid) === "systemd-nspawn") Deno.kill(nspawnPid, "SIGKILL");
    await unmountAndRemove(dir);
    cleaned++;
  }
  await sweepGuestCgroups(all ? 0 : undefined);
  return cleaned;
}

/** Folders of cache entries and live boots, for `host_cli status`. */
export async function cacheStatus(): Promise<
  { entries: string[]; boots: string[] }
> {
  const list = async (dir: string) => {
    try {
      return (await Array.fromAsync(Deno.readDir(dir))).map((e) => `${dir}/${e.name}`).sort();
    } catch {
      return [];
    }
  };
  return { entries: await list(CACHE_ROOT), boots: await list(BOOTS_ROOT) };
}
