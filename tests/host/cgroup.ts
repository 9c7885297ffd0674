/**
 * Each test host's own cgroup.
 *
 * `systemd-nspawn --keep-unit` without a systemd on the outer machine puts
 * the guest in a `payload` cgroup under the cgroup of the process that
 * starts it (and itself in `supervisor` beside it). Two guests started from
 * the same cgroup therefore shared one: both guests' systemd managed
 * `/payload/system.slice/...` and `/payload/user.slice/...` as their own.
 * A unit of the same name in two guests was one cgroup: `systemctl kill` of
 * the test registry in one guest killed the other guest's registry (seen:
 * the same second in two hosts), a stop in one guest removed the cgroup
 * the other's systemd was about to start a unit in ("Failed to spawn
 * executor: No such file or directory", Result=resources), and a
 * `systemctl freeze` would have frozen both. So every guest gets its own
 * cgroup, `leger-test-hosts/<id>` at the top of the cgroup v2 hierarchy,
 * and nspawn is started in it.
 *
 * @module
 */

const TOP = "leger-test-hosts";

let mount: string | null | undefined;

/** Where cgroup v2 is mounted here (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on a hybrid host). */
export function cgroup2Mount(): string | undefined {
  if (mount === undefined) {
    mount = null;
    let info = "";
    try {
      info = Deno.readTextFileSync("/proc/self/mountinfo");
    } catch { /* no /proc: no cgroup either */ }
    for (const line of info.split("\n")) {
      // "<id> <parent> <dev> <root> <mount point> <options> [optional...] - <type> <source> <super options>"
      const [left, right] = line.split(" - ");
      if (right?.split(" ")[0] === "cgroup2") mount = left!.split(" ")[4] ?? null;
      if (mount) break;
    }
  }
  return mount ?? undefined;
}

/**
 * The guest's own cgroup folder, when it exists: commands run in the guest
 * (`nsenter`) are moved into it first. From there the guest's systemd sees
 * them one level above its root, as when every guest was in the top cgroup;
 * from further up, logind refused `loginctl enable-linger` ("Protocol driver
 * not attached") while systemctl and podman did not mind.
 */
export function guestCgroupDir(id: string): string | undefined {
  const top = cgroup2Mount();
  if (!top) return undefined;
  const dir = `${top}/${TOP}/${id}`;
  try {
    return Deno.statSync(dir).isDirectory ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes the guest's own cgroup and returns its folder (write a PID to its
 * `cgroup.procs` to move that process in); undefined where this machine
 * has no cgroup v2 mounted (nspawn would refuse the guest anyway).
 */
export async function makeGuestCgroup(id: string): Promise<string | undefined> {
  const top = cgroup2Mount();
  if (!top) return undefined;
  const dir = `${top}/${TOP}/${id}`;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Removes a stopped guest's cgroup, its sub-cgroups first. A cgroup that
 * still has processes cannot be removed (EBUSY) and is left as it is: the
 * guest is still running.
 */
export async function removeGuestCgroup(id: string): Promise<void> {
  const top = cgroup2Mount();
  if (top) await removeTree(`${top}/${TOP}/${id}`);
}

/**
 * Removes the cgroups of every guest that has ended (those with processes
 * stay). One made in the last minute is left alone: another run may be
 * about to move its guest into it, and an empty cgroup looks ended.
 */
export async function sweepGuestCgroups(youngerThanMs = 60_000): Promise<void> {
  const root = cgroup2Mount();
  if (!root) return;
  const top = `${root}/${TOP}`;
  const entries = await Array.fromAsync(Deno.readDir(top)).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory) continue;
    const made = (await Deno.stat(`${top}/${e.name}`).catch(() => undefined))?.mtime?.getTime() ?? 0;
    if (Date.now() - made >= youngerThanMs) await removeTree(`${top}/${e.name}`);
  }
}

async function removeTree(dir: string): Promise<void> {
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
  for (const e of entries) if (e.isDirectory) await removeTree(`${dir}/${e.name}`);
  // A cgroup's folder holds only the kernel's files: rmdir (not a recursive delete) removes an empty cgroup.
  await Deno.remove(dir).catch(() => {});
}
