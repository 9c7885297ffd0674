/**
 * Builds and caches the Debian root file systems of the test host, and the
 * Deno cache (DENO_DIR) that the offline guest runs leger from.
 *
 * Recipe: /work/shared/design/SANDBOX.md. Caches live under
 * {@linkcode CACHE_ROOT}; each entry is built in a temporary folder and
 * renamed into place under a file lock, so parallel runs build it once and
 * a half-built entry is never used.
 *
 * @module
 */

import { run, shortHash, withFileLock } from "./process.ts";

/** Where built root file systems and Deno caches are kept. */
export const CACHE_ROOT = "/var/cache/leger-test-host";

/**
 * Test hosts: `sid` (podman 5.8, systemd 262), `trixie` (podman 5.4, no
 * `podman quadlet`) and `sid-podman6` (sid with podman 6.1 from Debian's
 * experimental suite).
 */
export type Suite = "sid" | "trixie" | "sid-podman6";

/** Every suite, in the order the end-to-end tier runs them. */
export const SUITES: readonly Suite[] = ["sid", "sid-podman6", "trixie"];

/** The podman each suite carries, for messages and test names. */
export const SUITE_PODMAN: Readonly<Record<Suite, string>> = {
  sid: "5.8",
  "sid-podman6": "6.1",
  trixie: "5.4",
};

/**
 * The Debian mirror this machine's apt already uses: the first `URIs:` of
 * a deb822 source (or the first `deb` line of a one-line source) that
 * serves the main archive (not the security archive). Read, never written
 * into the project, so every machine uses its own.
 */
export async function debianMirror(
  read: (path: string) => Promise<string> = (p) => Deno.readTextFile(p),
  list: (dir: string) => Promise<string[]> = async (d) => {
    const names: string[] = [];
    for await (const e of Deno.readDir(d)) names.push(e.name);
    return names.sort();
  },
): Promise<string> {
  const dir = "/etc/apt/sources.list.d";
  const files = [
    ...(await list(dir).catch(() => [] as string[])).filter((n) => /\.(sources|list)$/.test(n)).map((n) =>
      `${dir}/${n}`
    ),
    "/etc/apt/sources.list",
  ];
  for (const file of files) {
    const text = await read(file).catch(() => "");
    const uris = [
      ...[...text.matchAll(/^URIs:\s*(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/)),
      ...[...text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => m[1]!),
    ];
    const main = uris.find((u) => /^https?:\/\//.test(u) && !/security/.test(u));
    if (main) return main.replace(/\/$/, "");
  }
  throw new Error(
    "Cannot find a Debian mirror: no URIs: line in /etc/apt/sources.list.d/*.sources and no deb line in /etc/apt/sources.list",
  );
}

/** Packages installed by debootstrap (everything the offline guest needs). */
export const PACKAGES: readonly string[] = [
  "systemd",
  "systemd-sysv",
  "dbus",
  "dbus-user-session",
  "libpam-systemd",
  "podman",
  "crun",
  "conmon",
  "netavark",
  "aardvark-dns",
  "catatonit",
  "busybox-static",
  "iproute2",
  "uidmap",
  "passt",
  "fuse-overlayfs",
  "nftables",
  "git",
  "ca-certificates",
  "tar",
  "zstd",
  "procps",
  // Ansible's modules run on the guest with its Python (the many-hosts tests).
  // Not python3-minimal: ansible-core's module_utils import shlex, which only
  // the full standard library has (seen: "No module named 'shlex'").
  "python3",
  // git verifies signed commits and tags with these (issue 31): ssh-keygen
  // -Y verify for gpg.format ssh, gpg for OpenPGP signatures.
  "openssh-client",
  "gnupg",
];

/** Name of the file that marks a finished cache entry. */
export const COMPLETE_MARKER = "complete";

/** Guest folder holding the test image tarballs. */
export const GUEST_IMAGE_DIR = "/opt/leger-test/images";

/** Test images: name, tag, tarball in {@linkcode GUEST_IMAGE_DIR}. */
export const TEST_IMAGES: ReadonlyArray<{ ref: string; tar: string }> = [
  { ref: "localhost/leger-test:v1", tar: "leger-test-v1.tar" },
  { ref: "localhost/leger-test:v2", tar: "leger-test-v2.tar" },
];

/** Default command of the test images (busybox httpd serving /www). */
export const TEST_IMAGE_CMD = '["/bin/httpd","-f","-p","8080","-h","/www"]';

/** Bump when the tweak script's meaning changes without its text changing. */
const TWEAK_VERSION = "4";

/**
 * Shell script run in a chroot of the fresh root file system. Its text is
 * part of the cache key: editing it rebuilds.
 */
const TWEAK_SCRIPT = String.raw`set -eu
# The pids controller belongs to cgroup v1 on the outer host.
mkdir -p /etc/containers/containers.conf.d /etc/containers/registries.conf.d
printf '[containers]\npids_limit = 0\n' \
  > /etc/containers/containers.conf.d/10-sandbox.conf
# No registry is reachable: make short names fail fast, never try the net.
printf 'unqualified-search-registries = []\n' \
  > /etc/containers/registries.conf.d/99-leger-test.conf
# Rootless quadlets wait for network-online.target (90 s without this).
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -sf /usr/lib/systemd/system/network-online.target \
  /etc/systemd/system/multi-user.target.wants/network-online.target
# debootstrap copied the build machine's name; nspawn then sets leger-<id>.
rm -f /etc/hostname
useradd -m -u 1000 -s /bin/bash alice
# Mount points of per-boot container storage, owned before nspawn binds them.
install -d -o alice -g alice /home/alice/.config /home/alice/.local \
  /home/alice/.local/share /home/alice/.local/share/containers
install -d /var/lib/containers /opt/deno-dir /leger /srv/git
printf '#!/bin/sh\nexec env DENO_DIR=/opt/deno-dir /usr/local/bin/deno run -A --cached-only --quiet /leger/main.ts "$@"\n' \
  > /usr/local/bin/leger
chmod 755 /usr/local/bin/leger
mkdir -p /etc/systemd/journald.conf.d
# Persistent like Fedora's default: only then does each user read their own journal.
printf '[Journal]\nStorage=persistent\n' \
  > /etc/systemd/journald.conf.d/10-leger-test.conf
# Test images: busybox with every applet, /VERSION and /www/index.html.
mkdir -p ${GUEST_IMAGE_DIR}
for v in v1 v2; do
  d=$(mktemp -d)
  mkdir -p "$d/bin" "$d/www" "$d/tmp"
  cp /bin/busybox "$d/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -s busybox "$d/bin/$a"
  done
  echo "$v" > "$d/VERSION"
  echo "$v" > "$d/www/index.html"
  chmod 1777 "$d/tmp"
  tar --numeric-owner --owner=0 --group=0 -C "$d" -cf ${GUEST_IMAGE_DIR}/leger-test-$v.tar .
  rm -rf "$d"
done
chmod 644 ${GUEST_IMAGE_DIR}/*.tar
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
`;

/** Cache key of a suite: short hash of packages, tweak script and version. */
export async function rootfsKey(suite: Suite): Promise<string> {
  if (suite === "sid-podman6") return await shortHash([suite, await rootfsKey("sid"), PODMAN6_SCRIPT]);
  return await shortHash([suite, PACKAGES.join(","), TWEAK_SCRIPT, TWEAK_VERSION]);
}

/**
 * Run in a chroot of a copy of the sid root file system (the build machine
 * has the mirror; the booted guest has no network): podman 6 from Debian's
 * experimental suite. Its packages are kept in `/opt/leger-test/podman6`
 * of the result, so the upgrade test can install them into a booted 5.8
 * host offline with `dpkg -i`. netavark comes from experimental too:
 * podman 6 hands it network options sid's netavark 1.x cannot read
 * ("failed to load network options: invalid type: sequence, expected a
 * map"), so every root container with a network failed to start.
 */
const PODMAN6_SCRIPT = String.raw`set -eu
echo "deb $1 experimental main" > /etc/apt/sources.list.d/experimental.list
apt-get -o Acquire::Check-Valid-Until=false update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --download-only -t experimental podman netavark
mkdir -p /opt/leger-test/podman6
cp /var/cache/apt/archives/*.deb /opt/leger-test/podman6/
DEBIAN_FRONTEND=noninteractive apt-get install -y -q -t experimental podman netavark
podman --version
/usr/lib/podman/netavark --version
rm /etc/apt/sources.list.d/experimental.list
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
`;

/** Folder of a suite's cache entry (it holds `rootfs/` and the marker). */
export async function rootfsEntry(suite: Suite): Promise<string> {
  return `${CACHE_ROOT}/${suite}-${await rootfsKey(suite)}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Folder of the project's Deno cache entry. Only what decides the
 * dependencies counts (import map, lock file, Deno version): editing
 * `tasks` rebuilds nothing.
 */
export async function denoDirEntry(projectRoot: string): Promise<string> {
  const config = await Deno.readTextFile(`${projectRoot}/deno.json`);
  const lock = await Deno.readFile(`${projectRoot}/deno.lock`).catch(() => new Uint8Array());
  const parsed = JSON.parse(config);
  const key = await shortHash([
    JSON.stringify([parsed.imports, parsed.scopes, parsed.nodeModulesDir]),
    lock,
    Deno.version.deno,
  ]);
  return `${CACHE_ROOT}/deno-dir-${key}`;
}

/** Options of {@linkcode ensureRootfs}. */
export interface RootfsOptions {
  /** Debian suite: `sid` (podman 5.8, `podman quadlet`) or `trixie` (5.4). */
  suite?: Suite;
  /** Called with progress lines (default: nothing). */
  log?: (line: string) => void;
}

/**
 * Returns the path of a built root file system for `suite`, building it
 * with debootstrap first when the cache has none (about a minute).
 *
 * @example
 * ```ts
 * const rootfs = await ensureRootfs({ suite: "sid" });
 * ```
 */
export async function ensureRootfs(opts: RootfsOptions = {}): Promise<string> {
  const suite = opts.suite ?? "sid";
  const log = opts.log ?? (() => {});
  const entry = await rootfsEntry(suite);
  const rootfs = `${entry}/rootfs`;
  if (await exists(`${entry}/${COMPLETE_MARKER}`)) return rootfs;
  await Deno.mkdir(CACHE_ROOT, { recursive: true });
  return await withFileLock(`${entry}.lock`, async () => {
    if (await exists(`${entry}/${COMPLETE_MARKER}`)) return rootfs;
    if (await exists(entry)) {
      log(`removing half-built ${entry}`);
      await Deno.remove(entry, { recursive: true });
    }
    const tmp = await Deno.makeTempDir({
      dir: CACHE_ROOT,
      prefix: `.build-${suite}-`,
    });
    try {
      const debs = `${CACHE_ROOT}/debs-${suite}`;
      await Deno.mkdir(debs, { recursive: true });
      const started = Date.now();
      log(`debootstrap ${suite} into ${tmp}/rootfs (about a minute)`);
      const mirror = await debianMirror();
      const chrootEnv = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" };
      if (suite === "sid-podman6") {
        const sid = await ensureRootfs({ suite: "sid", log });
        log(`copying ${sid} and installing podman 6 from experimental (about a minute)`);
        await run(["cp", "-a", "--reflink=auto", sid, `${tmp}/rootfs`], { check: true });
        // apt's maintainer scripts need /proc: mount it in a private mount
        // namespace, so it goes away with the command whatever happens.
        const script = `mount -t proc proc /proc && mount -t devpts devpts /dev/pts 2>/dev/null; ${PODMAN6_SCRIPT}`;
        await run([
          "unshare",
          "--mount",
          "--propagation",
          "private",
          "chroot",
          `${tmp}/rootfs`,
          "/bin/sh",
          "-c",
          script,
          "sh",
          mirror,
        ], {
          check: true,
          env: chrootEnv,
          timeoutMs: 20 * 60_000,
        });
      } else {
        await run([
          "debootstrap",
          "--variant=minbase",
          `--cache-dir=${debs}`,
          `--include=${PACKAGES.join(",")}`,
          suite,
          `${tmp}/rootfs`,
          mirror,
        ], { check: true, timeoutMs: 20 * 60_000 });
        await run(["chroot", `${tmp}/rootfs`, "/bin/sh", "-c", TWEAK_SCRIPT], { check: true, env: chrootEnv });
      }
      await Deno.writeTextFile(
        `${tmp}/${COMPLETE_MARKER}`,
        JSON.stringify({
          suite,
          builtAt: new Date().toISOString(),
          seconds: (Date.now() - started) / 1000,
        }) + "\n",
      );
      await Deno.rename(tmp, entry);
      log(`built ${entry} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return rootfs;
    } catch (e) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      throw e;
    }
  });
}

/**
 * Fills a Deno cache with the project's npm dependencies (from its
 * `deno.json` and `deno.lock`) so the offline guest can run leger with
 * `--cached-only`. Returns the cache folder, bound at `/opt/deno-dir` in
 * the guest. Keyed on the hash of `deno.json`, `deno.lock` and the Deno
 * version; built in a scratch copy so the project's lock file is untouched.
 *
 * @example
 * ```ts
 * const denoDir = await prepareDenoDir("/work/main");
 * ```
 */
export async function prepareDenoDir(
  projectRoot: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  const config = await Deno.readFile(`${projectRoot}/deno.json`);
  const lock = await Deno.readFile(`${projectRoot}/deno.lock`).catch(() => new Uint8Array());
  const dir = await denoDirEntry(projectRoot);
  if (await exists(`${dir}/${COMPLETE_MARKER}`)) return dir;
  await Deno.mkdir(CACHE_ROOT, { recursive: true });
  return await withFileLock(`${dir}.lock`, async () => {
    if (await exists(`${dir}/${COMPLETE_MARKER}`)) return dir;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    const tmp = await Deno.makeTempDir({
      dir: CACHE_ROOT,
      prefix: ".build-deno-dir-",
    });
    try {
      const project = `${tmp}/project`;
      await Deno.mkdir(project);
      await Deno.writeFile(`${project}/deno.json`, config);
      if (lock.length) await Deno.writeFile(`${project}/deno.lock`, lock);
      log(`deno install into ${tmp}`);
      await run([Deno.execPath(), "install", "--quiet"], {
        cwd: project,
        env: { DENO_DIR: tmp, DENO_NO_UPDATE_CHECK: "1" },
        check: true,
        timeoutMs: 10 * 60_000,
      });
      await Deno.remove(project, { recursive: true });
      // Readable by every guest user; see bootHost for why it stays
      // read-only there.
      await run(["chmod", "-R", "a+rX", tmp], { check: true });
      await Deno.writeTextFile(`${tmp}/${COMPLETE_MARKER}`, dir + "\n");
      await Deno.rename(tmp, dir);
      return dir;
    } catch (e) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      throw e;
    }
  });
}
