/**
 * One booted host shared by the end-to-end files of a suite. The test
 * runner boots it ({@linkcode prepareShared}), hands it to each file in
 * turn (`LEGER_E2E_HOST`, see `Host.attach`), and between two files puts
 * it back as it was when prepared ({@linkcode resetShared}), so files that
 * never met before can follow each other on it: their set names, ports,
 * repositories and the daemon's config overlap.
 *
 * "As it was" means: no unit made from a quadlet and no test unit running
 * (the git server stays), no container, pod, volume, secret or network,
 * only the test images, no file under the folders tests write to that was
 * not there when the host was prepared, leger's state and caches gone, the
 * shared config.yaml back, and an empty journal (a test reading a unit's
 * journal must not read the last file's lines).
 *
 * @module
 */
import type { Host } from "../host/guest.ts";
import { TEST_IMAGES } from "../host/rootfs.ts";

/** The environment variable that carries the handle of a shared host (JSON). */
export const SHARED_HOST_ENV = "LEGER_E2E_HOST";

/** The git server's port and leger's config for both users: the loopback server is a self-hosted Gitea forge. */
export const GIT_PORT = 8418;
const CONFIG = `forges:\n  127.0.0.1:${GIT_PORT}: gitea\n`;
const ALICE_CONFIG = "/home/alice/.config/leger/config.yaml";

/** Where tests write; what is new there after a file is removed (storage folders are bind mounts, not crossed). */
const WATCHED = ["/root", "/home/alice", "/srv", "/etc", "/opt"];
const BASELINE = "/var/lib/leger-e2e-baseline";
const KEEP_UNIT = `leger-git-http-${GIT_PORT}.service`;

/**
 * leger commands that load most of its modules and change nothing (they
 * fail early): run once per user, they fill that user's Deno cache in the
 * guest with the transpiled modules and V8's code cache, which a first
 * `leger` call otherwise pays for (measured in a fresh sid guest: `leger
 * status` 0.98 s of CPU cold, 0.52 s warm; `leger validate` 1.53 s and
 * 0.62 s). The cache outlives the resets, so every file finds it warm.
 */
const WARM_UP = [
  "leger --help",
  "leger --json list",
  "leger status leger-warm-up",
  "leger validate /nonexistent",
  "leger install /nonexistent --name leger-warm-up",
  "leger backups leger-warm-up",
  "leger diff leger-warm-up",
].map((c) => `${c} >/dev/null 2>&1`).join("; ");

/**
 * Starts the git server, warms leger's caches, writes leger's config for
 * root and alice, and notes the files there are now.
 */
export async function prepareShared(host: Host): Promise<void> {
  await Promise.all([
    host.startGitServer({ port: GIT_PORT }),
    host.sh(`${WARM_UP}; true`, { timeoutMs: 300_000 }),
    host.sh(`${WARM_UP}; true`, { user: "alice", timeoutMs: 300_000 }),
  ]);
  // What the warm-up left of leger's own state goes; the caches stay.
  await host.sh(
    "rm -rf /var/lib/leger /var/cache/leger /run/leger /etc/leger /home/alice/.local/share/leger " +
      "/home/alice/.cache/leger /home/alice/.config/leger /run/user/1000/leger",
    { check: true },
  );
  await host.writeFile("/etc/leger/config.yaml", CONFIG);
  await host.writeFile(ALICE_CONFIG, CONFIG, { user: "alice" });
  await host.sh(`find ${WATCHED.join(" ")} -xdev -print0 > ${BASELINE}`, { check: true, timeoutMs: 60_000 });
}

/** Stops every unit made from a quadlet or started by a test, for the user's manager. */
function stopUnits(user: "root" | "alice"): string {
  const ctl = user === "alice" ? "systemctl --user" : "systemctl";
  const generated = user === "alice" ? "/run/user/1000/systemd/generator" : "/run/systemd/generator";
  return [
    `${ctl} stop leger-daemon.service 2>/dev/null`,
    // Quadlet's units name their source file; a template's instances go with it.
    `units=$(grep -ls '^SourcePath=.*/containers/systemd/' ${generated}/*.service 2>/dev/null | ` +
    `sed 's#.*/##; s#@\\.service$#@*.service#')`,
    `[ -z "$units" ] || ${ctl} stop $units`,
    // Units the tests started with systemd-run (a Setec stand-in, another git server); the shared git server stays.
    `for u in $(${ctl} list-units --no-legend --plain --all 'leger-*' | awk '{print $1}'); do ` +
    `[ "$u" = ${KEEP_UNIT} ] || ${ctl} stop "$u"; done`,
  ].join("\n");
}

/** Removes every container, pod, volume, secret, network and image but the test images, for the user. */
function podmanClean(): string {
  const keep = TEST_IMAGES.map((i) => `-e '${i.ref}'`).join(" ");
  return [
    "podman rm -af -t 0 >/dev/null",
    "podman pod rm -af -t 0 >/dev/null",
    "podman volume rm -af >/dev/null",
    "podman secret rm --all >/dev/null",
    "podman network prune -f >/dev/null",
    `podman images --format '{{.Repository}}:{{.Tag}}' | grep -vx ${keep} | grep -v '^<none>' | xargs -r podman rmi -f >/dev/null`,
    // A rebuilt image (a .build set's update) leaves its old one untagged: <none>, which the line above passes over.
    "podman image prune -f >/dev/null",
  ].join("\n");
}

/**
 * Puts a prepared host back as {@linkcode prepareShared} left it. Throws,
 * with what systemd and podman still show, when something is left.
 */
export async function resetShared(host: Host): Promise<void> {
  const step = async (what: string, script: string, user: "root" | "alice" = "root") => {
    const r = await host.sh(`set -u\nexport LC_ALL=C\n${script}`, { user, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`Cannot reset the shared ${host.suite} host (${what}): ${r.stderr}${r.stdout}`);
  };
  // The two users' units and containers are their own: cleaned side by side.
  await Promise.all([
    step("alice's units and containers", `${stopUnits("alice")}\n${podmanClean()}`, "alice"),
    step("root's units and containers", `${stopUnits("root")}\n${podmanClean()}`),
  ]);
  await step(
    "files",
    [
      // New files under the watched folders, deepest first; then leger's own folders outside them.
      `find ${WATCHED.join(" ")} -xdev -print0 | sort -z > /run/leger-e2e-now`,
      `sort -z ${BASELINE} | comm -z -13 - /run/leger-e2e-now | sort -rz | xargs -0r rm -rf --`,
      "rm -rf /var/lib/leger /var/cache/leger /run/leger /run/user/1000/leger /run/leger-e2e-now",
      `printf '%s' '${CONFIG}' > /etc/leger/config.yaml`,
      `runuser -u alice -- sh -c "printf '%s' '${CONFIG}' > ${ALICE_CONFIG}"`,
      // Rotated, every journal file is an archive, and a size of one byte leaves none of them.
      "journalctl --rotate --vacuum-size=1 >/dev/null 2>&1",
      "systemctl daemon-reload && systemctl reset-failed",
    ].join("\n"),
  );
  await step("alice's manager", "systemctl --user daemon-reload && systemctl --user reset-failed", "alice");
  const left = await leftovers(host);
  if (left) throw new Error(`The shared ${host.suite} host is not clean after its reset:\n${left}`);
}

/** What still runs after a reset (empty when clean): containers and units of both users. */
async function leftovers(host: Host): Promise<string> {
  const probe = "podman ps -a --format '{{.Names}}'; " +
    "systemctl SCOPE list-units --no-legend --plain --state=active,activating,failed --type=service | " +
    "awk '{print $1}' | while read -r u; do " +
    'p=$(systemctl SCOPE show -p SourcePath --value "$u"); case "$p" in */containers/systemd/*) echo "$u";; esac; done';
  const [root, alice] = await Promise.all([
    host.sh(probe.replaceAll("SCOPE", ""), { timeoutMs: 60_000 }),
    host.sh(probe.replaceAll("SCOPE", "--user"), { user: "alice", timeoutMs: 60_000 }),
  ]);
  const lines = [
    ...root.stdout.split("\n").filter(Boolean).map((l) => `root: ${l}`),
    ...alice.stdout.split("\n").filter(Boolean).map((l) => `alice: ${l}`),
  ];
  return lines.join("\n");
}
