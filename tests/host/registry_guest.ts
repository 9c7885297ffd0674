/**
 * A registry inside a test host (registry.ts), for tests that pull an image
 * as a real host pulls one: an image built in the guest from the local
 * test image and pushed into an OCI layout, served over plain HTTP on
 * 127.0.0.1, trusted by podman as an insecure registry (a drop-in in
 * `/etc/containers/registries.conf.d/`), and removed from the local store so
 * that whoever needs it has to pull it.
 *
 * @module
 */
import type { GuestShell, User } from "./guest_exec.ts";
import { serveInGuest } from "./git_server.ts";

/** A registry running in the guest. */
export interface GuestRegistry {
  /** `127.0.0.1:<port>`: an image's name starts with it. */
  address: string;
  /** The transient unit it runs as (`systemctl kill` it to take the registry away). */
  unit: string;
  /** While this file exists, a large blob stops half way (see registry.ts); `<hold>.reached` says it got there. */
  hold: string;
}

/** Options of {@linkcode startRegistry}. */
export interface RegistryStart {
  /** The OCI layout to serve. */
  layout: string;
  /** The repository name (`leger/big`). */
  name: string;
  port: number;
  /** Blob bodies at about this many bytes a second. */
  rate?: number;
}

async function check(host: GuestShell, cmd: string[], what: string, user: User = "root"): Promise<string> {
  const r = await host.exec(cmd, { user, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`Cannot ${what} in the test host (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const sh = (host: GuestShell, script: string, what: string, user: User = "root") =>
  check(host, ["sh", "-euc", script], what, user);

/**
 * Builds `localhost/<name>:<tag>` as `user` from `localhost/leger-test:v1`
 * with a layer of `mib` MiB of random data and `/www/index.html` holding
 * `<name>:<tag>`, pushes it into the OCI layout `layout` (made for `user`)
 * and removes it from the local store. The build context is on a tmpfs,
 * and so is /var/tmp (podman 6.1's build overlays its context there, which
 * the guest's overlay root refuses; see README.md).
 */
export async function pushRandomImage(
  host: GuestShell,
  opts: { user: User; layout: string; name: string; tag: string; mib: number },
): Promise<void> {
  const ctx = `${opts.layout}-context`;
  const image = `localhost/${opts.name}:${opts.tag}`;
  await sh(
    host,
    `mkdir -p ${ctx} ${opts.layout} && (mountpoint -q ${ctx} || mount -t tmpfs -o mode=0755 tmpfs ${ctx}) && ` +
      `(mountpoint -q /var/tmp || mount -t tmpfs -o mode=1777 tmpfs /var/tmp) && chown ${opts.user}: ${ctx} ${opts.layout}`,
    "make the build context's tmpfs",
  );
  try {
    await sh(
      host,
      `cd ${ctx} && head -c ${opts.mib}M /dev/urandom > big && echo '${opts.name}:${opts.tag}' > index.html && ` +
        `printf 'FROM localhost/leger-test:v1\\nCOPY big /big\\nCOPY index.html /www/index.html\\n' > Containerfile && ` +
        `podman build --network=none -q -t ${image} . && podman push -q ${image} oci:${opts.layout}:${opts.tag} && ` +
        `podman rmi ${image}`,
      `build and push ${image}`,
      opts.user,
    );
  } finally {
    await host.exec(["umount", ctx]);
  }
}

/**
 * Starts registry.ts in the guest as the transient unit
 * `leger-test-registry-<port>`, tells podman to trust it over plain HTTP,
 * and waits until it answers.
 */
export async function startRegistry(host: GuestShell, opts: RegistryStart): Promise<GuestRegistry> {
  const address = `127.0.0.1:${opts.port}`;
  const unit = `leger-test-registry-${opts.port}`;
  const hold = `/run/${unit}.hold`;
  await sh(
    host,
    `mkdir -p /etc/containers/registries.conf.d && printf '[[registry]]\\nlocation = "${address}"\\ninsecure = true\\n' ` +
      `> /etc/containers/registries.conf.d/50-${unit}.conf && rm -f ${hold} ${hold}.reached`,
    "trust the test registry",
  );
  await serveInGuest(host, {
    unit,
    description: `leger test registry on port ${opts.port}`,
    script: "registry.ts",
    args: [
      `--layout=${opts.layout}`,
      `--name=${opts.name}`,
      `--port=${opts.port}`,
      `--hold=${hold}`,
      ...(opts.rate ? [`--rate=${opts.rate}`] : []),
    ],
    ready: `http://${address}/v2/`,
  });
  return { address, unit, hold };
}
