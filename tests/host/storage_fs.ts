/**
 * The file system that holds a test host's container storage. By default
 * (`ext4`) it is two plain folders of the boot on the build machine's own
 * disk. `btrfs` and `xfs` (with reflink) put them on a loop-mounted image
 * of that file system instead, made for the boot and dropped with it, so
 * the guest's podman volumes live where reflink copies work: the storage
 * of Fedora's default install (btrfs) and of xfs hosts.
 *
 * The build machine needs `mkfs.btrfs` (Debian's `btrfs-progs`) or
 * `mkfs.xfs` (`xfsprogs`) and the kernel's btrfs or xfs; {@linkcode ensureStorageTools}
 * installs the package with apt when the program is missing.
 *
 * @module
 */

import { onPath, run } from "./process.ts";

/** Where a host's container storage lives. */
export type StorageFs = "ext4" | "btrfs" | "xfs";

/** The folder under a boot's folder on which the image is mounted. */
const MOUNT = "storage-fs";
/** Sparse image size: room for a few 1 GiB volumes and their copies. */
const IMAGE_GIB = 12;

const TOOLS: Record<Exclude<StorageFs, "ext4">, { mkfs: string[]; pkg: string }> = {
  // Small images get mixed block groups by default; none of that matters for reflinks.
  btrfs: { mkfs: ["mkfs.btrfs", "-q", "-f"], pkg: "btrfs-progs" },
  xfs: { mkfs: ["mkfs.xfs", "-q", "-f", "-m", "reflink=1"], pkg: "xfsprogs" },
};

/** Whether the kernel of the build machine knows `fs`. */
async function kernelHas(fs: string): Promise<boolean> {
  const known = await Deno.readTextFile("/proc/filesystems").catch(() => "");
  if (new RegExp(`\\t${fs}$`, "m").test(known)) return true;
  return (await run(["modprobe", fs])).code === 0;
}

/**
 * Makes sure the build machine can make and mount `fs`: installs its
 * tools from Debian's packages when missing. Throws naming what is missing.
 */
export async function ensureStorageTools(fs: StorageFs, log: (line: string) => void = () => {}): Promise<void> {
  if (fs === "ext4") return;
  const tools = TOOLS[fs];
  if (!(await kernelHas(fs))) throw new Error(`Cannot make ${fs} storage: the build machine's kernel has no ${fs}`);
  if (await onPath(tools.mkfs[0]!)) return;
  log(`installing ${tools.pkg} on the build machine for ${fs} storage`);
  const r = await run(["apt-get", "install", "-y", "-q", tools.pkg], {
    env: { DEBIAN_FRONTEND: "noninteractive" },
    timeoutMs: 300_000,
  });
  if (r.code !== 0 || !(await onPath(tools.mkfs[0]!))) {
    throw new Error(`Cannot make ${fs} storage: ${tools.pkg} did not install:\n${r.stderr.slice(-1500)}`);
  }
}

/**
 * Makes the storage folders of a boot (`storage-root`, `storage-alice`)
 * and returns their paths on the build machine. For btrfs and xfs they are
 * folders of a fresh image mounted on `<dir>/storage-fs`.
 */
export async function makeStorage(dir: string, fs: StorageFs): Promise<{ root: string; alice: string }> {
  let base = dir;
  if (fs !== "ext4") {
    const image = `${dir}/storage.img`;
    const mount = `${dir}/${MOUNT}`;
    await run(["truncate", "-s", `${IMAGE_GIB}G`, image], { check: true });
    await run([...TOOLS[fs].mkfs, image], { check: true, timeoutMs: 120_000 });
    await Deno.mkdir(mount);
    await run(["mount", "-o", "loop", image, mount], { check: true });
    base = mount;
  }
  const root = `${base}/storage-root`;
  const alice = `${base}/storage-alice`;
  await Deno.mkdir(root);
  // Container storage cannot live on the overlay (podman would need
  // fuse-overlayfs and /dev/fuse): each user gets a plain folder.
  await Deno.mkdir(alice, { mode: 0o700 });
  await Deno.chown(alice, 1000, 1000);
  return { root, alice };
}
