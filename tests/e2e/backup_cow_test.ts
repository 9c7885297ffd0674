/**
 * Backups and restores on storage that clones, on a real host: the sid
 * guest booted with its container storage on a loop-mounted btrfs image
 * (tests/host/storage_fs.ts), rootless as alice.
 *
 * - `leger backup` freezes the set only for a reflink copy (decision 79:
 *   the unit keeps its invocation, it is never stopped) and archives the
 *   copy; the backup restores every byte, owner (sub-uids too), mode,
 *   xattr, hard link, link and FIFO exactly. `--stop` stops it for the
 *   copy instead.
 * - Killed with SIGKILL while the set is frozen, `leger recover` thaws it.
 * - `leger restore` moves the current data aside; afterwards it becomes the
 *   before-restore backup (in the background), which restores exactly too.
 * - Killed with SIGKILL at every step of a restore (tests/helpers/
 *   kill_at_step.ts, loaded with --preload: no hook in leger's code), the
 *   host has the old data or the restored data after `leger recover`,
 *   never a mix, and no moved-aside folder is left.
 *
 * Runs on the sid suite only: none of it depends on the podman version.
 *
 * @module
 */
import assert from "node:assert/strict";
import { bootHost, hostAvailable } from "../host/host.ts";
import type { Host } from "../host/guest.ts";
import { E2E_SUITE } from "./helpers.ts";
import { lastOutage } from "../../bench/lib/rows_downtime.ts";

const ignore = E2E_SUITE !== "sid";
const VOLUME = "systemd-cow-data";
const VOLUMES_DIR = "/home/alice/.local/share/containers/storage/volumes";
const JOURNAL = "/home/alice/.local/share/leger/journal";

let booted: Promise<Host> | undefined;
function host(): Promise<Host> {
  booted ??= (async () => {
    const ready = await hostAvailable();
    if (!ready.ok) throw new Error(`Cannot run end-to-end tests: missing ${ready.missing.join(", ")}`);
    const h = await bootHost({ suite: "sid", storage: "btrfs" });
    globalThis.addEventListener("unload", () => h.stopSync());
    await h.writeFile(
      "/home/alice/cow/cow.container",
      "[Container]\nImage=localhost/leger-test:v1\nRunInit=true\nVolume=cow-data.volume:/data\n\n[Install]\nWantedBy=default.target\n",
      { user: "alice" },
    );
    await h.writeFile("/home/alice/cow/cow-data.volume", "[Volume]\n", { user: "alice" });
    await sh(h, "leger install /home/alice/cow --name cow --yes");
    // Everything a volume can hold: sub-uid owners, modes, xattrs, hard links, links, a FIFO, a sparse file, bulk.
    await sh(
      h,
      `m=$(podman volume inspect --format '{{.Mountpoint}}' ${VOLUME}) && podman unshare sh -c '
      set -e; cd "$1"; mkdir -p sub deep/er; echo hi > a.txt; chown 1000:1000 a.txt; chmod 640 a.txt; ln a.txt sub/hard
      ln -s a.txt link; mkfifo fifo; chown 33:44 sub; chmod 2750 sub; touch -d 2001-01-01 a.txt
      truncate -s 64M sparse.bin; printf x | dd of=sparse.bin bs=1 seek=30000000 conv=notrunc 2>/dev/null
      python3 -c "import os; os.setxattr(\\"a.txt\\", \\"user.leger\\", b\\"yes\\")"
      head -c 48M /dev/urandom > deep/er/random.bin; chown 100:100 deep/er/random.bin' sh "$m"`,
    );
    return h;
  })();
  return booted;
}

async function sh(h: Host, script: string, env: Record<string, string> = {}) {
  const r = await h.sh(script, { user: "alice", timeoutMs: 600_000, env });
  assert.equal(r.code, 0, `${script}\nexit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Every entry of the volume (path, type, owner, mode, size, links, link target, xattrs, sha256), inside podman's user namespace. */
async function fingerprint(h: Host): Promise<string> {
  const py = `
import hashlib, os, stat, sys
root = sys.argv[1]
for d, dirs, files in sorted(os.walk(root)):
    for n in sorted(dirs + files):
        p = os.path.join(d, n); s = os.lstat(p); r = os.path.relpath(p, root)
        x = sorted((k, os.getxattr(p, k, follow_symlinks=False)) for k in os.listxattr(p, follow_symlinks=False))
        h = hashlib.sha256(open(p, "rb").read()).hexdigest() if stat.S_ISREG(s.st_mode) else ""
        t = os.readlink(p) if stat.S_ISLNK(s.st_mode) else ""
        print(r, oct(s.st_mode), s.st_uid, s.st_gid, s.st_size, s.st_nlink, t, x, h)
`;
  await h.writeFile("/home/alice/fingerprint.py", py, { user: "alice" });
  const r = await sh(
    h,
    `podman unshare python3 /home/alice/fingerprint.py "$(podman volume inspect --format '{{.Mountpoint}}' ${VOLUME})"`,
  );
  return r.stdout;
}

async function journalEmpty(h: Host, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await h.sh(`ls ${JOURNAL} 2>/dev/null | grep -c '\\.json$'`, { user: "alice" });
    if (r.stdout.trim() === "0") return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the journal did not empty: the background archive did not finish");
}

async function leftovers(h: Host): Promise<string> {
  const r = await sh(h, `ls -A ${VOLUMES_DIR}; podman volume ls --format '{{.Name}}'`);
  return r.stdout;
}

async function backups(
  h: Host,
): Promise<Array<{ id: string; reason: string; volumes: unknown[]; frozen?: string[]; stopped?: string[] }>> {
  return JSON.parse((await sh(h, "leger backups cow --json")).stdout).backups;
}

/** The unit's invocation, active and freezer states (an invocation changes only when the unit is started again). */
async function unitState(h: Host): Promise<string> {
  const r = await sh(h, "systemctl --user show cow.service -p InvocationID,ActiveState,FreezerState");
  return r.stdout.split("\n").filter(Boolean).sort().join(" ");
}

Deno.test({
  name: "btrfs: a backup freezes the set only for a reflink copy, never stops it, and restores every byte and owner",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const h = await host();
    const before = await fingerprint(h);
    const unitBefore = await unitState(h);
    assert.match(unitBefore, /ActiveState=active FreezerState=running InvocationID=\w+/);
    const b = await sh(h, "leger backup cow --yes");
    assert.match(
      b.stderr,
      /Freezing cow\.service for a reflink copy\n(.*\n)*==> Taking a reflink copy of systemd-cow-data/,
    );
    assert.match(
      b.stderr,
      /cow\.service was frozen for \d+ ms \(freeze \d+ ms, copy \d+ ms, thaw \d+ ms\)\n(.*\n)*==> Backing up volume systemd-cow-data/,
    );
    console.log(`frozen: ${/frozen for (.*)/.exec(b.stderr)?.[1]}`);
    assert.doesNotMatch(b.stderr, /Stopping|Starting/);
    assert.equal(await unitState(h), unitBefore, "the same invocation, active, running (thawed)");
    assert.doesNotMatch(await leftovers(h), /leger-snapshot|\.leger-/, "the copy is gone");
    const [made] = await backups(h);
    assert.deepEqual([made!.frozen, made!.stopped], [["cow.service"], []]);

    const stopped = await sh(h, "leger backup cow --stop --yes");
    assert.match(stopped.stderr, /Stopping cow\.service for a consistent copy\n(.*\n)*==> Starting cow\.service again/);
    console.log(`--stop outage: ${JSON.stringify(await lastOutage(h, "cow.service"))}`);
    assert.notEqual(await unitState(h), unitBefore, "--stop: started again, a new invocation");
    assert.deepEqual((await backups(h))[0]!.stopped, ["cow.service"]);

    await sh(
      h,
      `podman unshare sh -c 'cd "$1"; rm a.txt; echo changed > new.txt' sh "$(podman volume inspect --format '{{.Mountpoint}}' ${VOLUME})"`,
    );
    const changed = await fingerprint(h);
    const r = await sh(h, `leger restore cow ${made!.id} --yes`);
    assert.match(r.stdout, /the data before is being archived in the background/);
    assert.match(r.stderr, /Moving the current data of systemd-cow-data aside/);
    assert.equal(await fingerprint(h), before, "exactly the data backed up");
    await journalEmpty(h);
    const [pre] = await backups(h);
    assert.equal(pre!.reason, "before-restore");
    assert.equal(pre!.volumes.length, 1, "the moved-aside data became the before-restore backup's archive");
    assert.doesNotMatch(await leftovers(h), /leger-snapshot|\.leger-/);

    await sh(h, `leger restore cow ${pre!.id} --previous drop --yes`);
    assert.equal(await fingerprint(h), changed, "the data before the restore, exactly");
    assert.doesNotMatch(await leftovers(h), /leger-snapshot|\.leger-/, "dropped");
    assert.equal((await sh(h, "systemctl --user is-active cow.service")).stdout.trim(), "active");
  },
});

Deno.test({
  name: "progress: a line updated in place on a terminal, none when piped, events on stderr with --json",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const h = await host();
    // script(1) gives leger a terminal for stdout and stderr.
    const tty = await sh(h, "script -qfec 'leger backup cow --yes' /dev/null", { TERM: "xterm" });
    // deno-lint-ignore no-control-regex
    assert.match(tty.stdout, /\r\x1b\[K(\x1b\[2m)?back up volume systemd-cow-data: [\d.]+ (B|KiB|MiB)/);
    const piped = await sh(h, "leger backup cow --yes 2>&1 | cat");
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(piped.stdout, /\x1b\[K|back up volume systemd-cow-data:/);
    const quiet = await sh(h, "script -qfec 'leger backup cow --yes --quiet' /dev/null", { TERM: "xterm" });
    assert.doesNotMatch(quiet.stdout, /back up volume systemd-cow-data:/);
    const json = await sh(h, "leger --json backup cow --yes 2>&1 >/dev/null");
    const events = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const progress = events.filter((e) => e.progress);
    assert.ok(progress.length >= 1, json.stdout);
    assert.equal(progress.at(-1).progress.task, "back up volume systemd-cow-data");
    assert.equal(progress.at(-1).progress.finished, true);
  },
});

const GUEST_LEGER = "d=/var/cache/leger-deno/$(id -u); exec env DENO_DIR=$d /usr/local/bin/deno run -A --cached-only " +
  "--quiet --preload /leger/tests/helpers/kill_at_step.ts /leger/main.ts";

for (const step of ["begin", "aside", "restoring", "restoring+400", "restored", "committed"]) {
  Deno.test({
    name: `btrfs: a restore killed (SIGKILL) at step ${step} leaves the old or the restored data after leger recover`,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const h = await host();
      if ((await backups(h)).length === 0) await sh(h, "leger backup cow --yes");
      const target = (await backups(h)).find((b) => b.reason === "manual")!;
      await sh(h, `leger restore cow ${target.id} --previous drop --yes`);
      const restored = await fingerprint(h);
      await sh(
        h,
        `podman unshare sh -c 'echo ${step} > "$1/marker"' sh "$(podman volume inspect --format '{{.Mountpoint}}' ${VOLUME})"`,
      );
      const old = await fingerprint(h);

      const killed = await h.sh(`${GUEST_LEGER} restore cow ${target.id} --yes`, {
        user: "alice",
        timeoutMs: 300_000,
        env: { LEGER_TEST_KILL_AT: `restore:${step}` },
      });
      assert.equal(killed.code, 137, `killed at ${step}: ${killed.stderr}`);
      const rec = await sh(h, "leger recover cow");
      const now = await fingerprint(h);
      const after = step === "committed" ? restored : old;
      assert.equal(now, after, `after a kill at ${step} and leger recover: ${rec.stdout}\n${rec.stderr}`);
      await journalEmpty(h);
      assert.doesNotMatch(await leftovers(h), /leger-snapshot|\.leger-/, "nothing left aside");
      assert.equal((await sh(h, "systemctl --user is-active cow.service")).stdout.trim(), "active");
    },
  });
}

Deno.test({
  name: "btrfs: a backup killed (SIGKILL) while the set is frozen: leger recover thaws it, and it runs on",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const h = await host();
    const unitBefore = await unitState(h);
    const killed = await h.sh(`${GUEST_LEGER} backup cow --yes`, {
      user: "alice",
      timeoutMs: 300_000,
      env: { LEGER_TEST_KILL_AT: "backup:freezing", LEGER_TEST_KILL_ON: "Taking a reflink copy" },
    });
    assert.equal(killed.code, 137, `killed while frozen: ${killed.stderr}`);
    assert.equal(
      await unitState(h),
      unitBefore.replace("FreezerState=running", "FreezerState=frozen"),
      "left frozen by the kill",
    );
    const rec = await sh(h, "leger recover cow");
    assert.match(rec.stdout + rec.stderr, /recovered: the unfinished backup of cow was removed, cow\.service thawed/);
    assert.equal(await unitState(h), unitBefore, "thawed: the same invocation, never stopped");
    await journalEmpty(h);
    assert.doesNotMatch(await leftovers(h), /leger-snapshot|\.leger-/, "no copy left");
    // The service answers again: it was paused, not stopped.
    await sh(h, "podman exec systemd-cow cat /VERSION");
  },
});

Deno.test({
  name: "btrfs: the host is stopped at the end",
  ignore,
  async fn() {
    if (booted) await (await booted).stop();
  },
});
