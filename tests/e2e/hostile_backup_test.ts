/**
 * Untrusted backups and stuck recoveries on a real systemd + podman host
 * (issue 11 defect 4 and its hostile-backup tier; issue 10 item 4).
 *
 * A backup folder is forged inside the guest (archives that tar refuses to
 * write are built byte by byte by the test), and backup.json is resealed (checksums and size
 * recomputed), so only leger's structural checks can stop it: restore must
 * refuse, and the other set's volume, this set's volume, the units and
 * the user's home must be exactly as before. Then a journal entry whose
 * recovery fails: other sets keep working, the set itself is blocked with
 * the ways out, and `recover --abandon` frees it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { makeTar } from "../../lib/backup/tar_fixtures_test.ts";
import { createRepo } from "../host/git_fixture.ts";
import { httpGet, leger, legerJson, sharedHost, webContainer, WHO, type Who } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const who: Who = WHO.find((w) => w.user === "alice")!;
const STATE = "/home/alice/.local/share/leger";

const FORGE = String.raw`
import hashlib, json, os, sys
# The copy was made with cp -a before this runs (the hosts have the full python3; nothing here needs shutil).
dst, new_id, mode = sys.argv[1], sys.argv[2], sys.argv[3]
rec = json.load(open(os.path.join(dst, "backup.json")))
rec["id"] = new_id
vol = rec["volumes"][0]

def use_tar():
    # The archive was written by the test (lib/backup/tar_fixtures_test.ts) to /tmp/forged.tar.
    os.remove(os.path.join(dst, vol["archive"]))
    vol["archive"], vol["compression"] = "volumes/%s.tar" % vol["name"], "none"
    open(os.path.join(dst, vol["archive"]), "wb").write(open("/tmp/forged.tar", "rb").read())

if mode == "other-volume":
    other = sys.argv[4]
    new = "volumes/%s%s" % (other, vol["archive"][len("volumes/" + vol["name"]):])
    os.rename(os.path.join(dst, vol["archive"]), os.path.join(dst, new))
    vol["name"], vol["archive"] = other, new
    vol.pop("unitFile", None)
elif mode == "tar":
    use_tar()
elif mode == "absolute-archive":
    vol["archive"] = "/home/alice/.bashrc"
elif mode == "truncated":
    p = os.path.join(dst, vol["archive"])
    data = open(p, "rb").read()
    open(p, "wb").write(data[: len(data) // 2])

def sha(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()
for v in rec["volumes"]:
    p = os.path.join(dst, v["archive"])
    if os.path.isfile(p) and not os.path.isabs(v["archive"]):
        v["sha256"], v["sizeBytes"] = sha(p), os.path.getsize(p)
for f in rec["files"]:
    f["sha256"] = sha(os.path.join(dst, "files", f["name"]))
rec["manifestSha256"] = sha(os.path.join(dst, "manifest.json"))
size = 0
for root, dirs, files in os.walk(dst):
    for n in files:
        if root == dst and n == "backup.json":
            continue
        size += os.lstat(os.path.join(root, n)).st_size
rec["sizeBytes"] = size
json.dump(rec, open(os.path.join(dst, "backup.json"), "w"), indent=2)
print(dst)
`;

async function snapshot(): Promise<string> {
  const host = await sharedHost();
  const r = await host.sh(
    'for v in systemd-hbweb-data hbother-data; do echo "== $v"; ' +
      'd=$(podman volume inspect --format "{{.Mountpoint}}" "$v") && (cd "$d" && find . | sort | ' +
      'while read -r p; do if [ -f "$p" ]; then echo "$p $(sha256sum < "$p")"; else echo "$p"; fi; done); done; ' +
      "ls /home/alice; systemctl --user is-active hbweb.service hbother.service; " +
      `ls ${STATE}/backups/hbweb | grep -v -- '-forged-' | wc -l`,
    { user: "alice" },
  );
  return r.stdout + r.stderr;
}

Deno.test({
  name: "real host: forged backups (another set's volume, .. members, links out, paths out, truncated) change nothing",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    await createRepo(host, "homelab/hostile", [{
      message: "v1",
      files: {
        "hbweb/hbweb.container": webContainer({ port: 18711, volume: "hbweb-data.volume" }),
        "hbweb/hbweb-data.volume": "[Volume]\n",
        "hbother/hbother.container": webContainer({ port: 18712, volume: "hbother-data" }),
      },
    }]);
    const url = "http://127.0.0.1:8418/homelab/hostile.git";
    for (const set of ["hbweb", "hbother"]) {
      const r = await leger(host, who, ["install", `${url}#main:${set}`, "--name", set]);
      assert.equal(r.code, 0, r.stderr);
    }
    await host.exec(["podman", "exec", "systemd-hbother", "sh", "-c", "echo precious > /data/keep.txt"], {
      user: "alice",
    });
    await host.exec(["podman", "exec", "systemd-hbweb", "sh", "-c", "echo v1 > /data/state.txt"], { user: "alice" });
    const [made] =
      (await legerJson<{ backups: { id: string; dir: string }[] }>(host, who, ["backup", "hbweb"])).backups;
    assert.ok(made);
    await host.exec(["podman", "exec", "systemd-hbweb", "sh", "-c", "echo now > /data/state.txt"], { user: "alice" });
    await host.writeFile("/tmp/forge.py", FORGE, { mode: 0o644 });
    const before = await snapshot();

    const cases: [string, string[], RegExp, Uint8Array?][] = [
      ["other-volume", ["hbother-data"], /the volume "hbother-data" is not one the backup's units declare/],
      ["tar", [], /climbs out with "\.\."/, makeTar([{ name: "../../../../../../home/alice/pwned", data: "pwned\n" }])],
      [
        "tar",
        [],
        /is a link to the absolute path "\/home\/alice"/,
        makeTar([{ name: "out", type: "2", linkname: "/home/alice" }, { name: "out/pwned", data: "pwned\n" }]),
      ],
      ["absolute-archive", [], /the archive of volume "systemd-hbweb-data" is "\/home\/alice\/.bashrc"/],
      ["truncated", [], /truncated|could not read it/],
    ];
    for (const [i, [mode, extra, message, tar]] of cases.entries()) {
      const id = `${made.id}-forged-${i}`;
      if (tar) await host.writeFile("/tmp/forged.tar", tar, { mode: 0o644 });
      const copy = `${made.dir}/../${id}`;
      assert.equal((await host.exec(["cp", "-a", made.dir, copy], { user: "alice" })).code, 0);
      const f = await host.exec(["python3", "/tmp/forge.py", copy, id, mode, ...extra], { user: "alice" });
      assert.equal(f.code, 0, f.stderr);
      const r = await leger(host, who, ["--yes", "restore", "hbweb", id]);
      assert.equal(r.code, 1, `${mode}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /the backup is not safe to restore/, mode);
      assert.match(r.stderr, message, mode);
      assert.match(r.stderr, /Nothing was changed/, mode);
      assert.equal(await snapshot(), before, `${mode}: the host is exactly as before`);
    }
    assert.match(await httpGet(host, "http://127.0.0.1:18712/") ?? "", /v1/, "the other set still serves");

    // The genuine backup still restores (real podman export read by leger's tar check).
    const ok = await leger(host, who, ["--yes", "restore", "hbweb", made.id]);
    assert.equal(ok.code, 0, ok.stderr);
    const state = await host.exec(["podman", "exec", "systemd-hbweb", "cat", "/data/state.txt"], { user: "alice" });
    assert.equal(state.stdout.trim(), "v1");
  },
});

Deno.test({
  name: "real host: a recovery that cannot finish blocks only its set; recover --abandon frees it",
  ...opts,
  fn: async () => {
    const host = await sharedHost();
    const id = `${Date.now()}-restore-hbweb`;
    await host.writeFile(
      `${STATE}/journal/${id}.json`,
      JSON.stringify({
        id,
        op: "restore",
        name: "hbweb",
        step: "begin",
        pid: 999999,
        startedAt: new Date().toISOString(),
        data: { id: "gone", dir: `${STATE}/backups/hbweb/gone`, preDir: `${STATE}/backups/hbweb/gone-too` },
      }),
      { user: "alice" },
    );
    const other = await leger(host, who, ["backup", "hbother"]);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stderr, /could not recover the interrupted restore of hbweb/);
    assert.match(other.stderr, /left on the host:[\s\S]*hbweb\.container/);

    const mine = await leger(host, who, ["backup", "hbweb"]);
    assert.equal(mine.code, 1);
    assert.match(mine.stderr, /Cannot change hbweb: an interrupted restore of it could not be recovered/);

    const doctor = await leger(host, who, ["--json", "doctor"]);
    const pending = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === "pending recoveries");
    assert.equal(pending.ok, false);
    assert.match(pending.fix, /leger recover hbweb/);

    const preview = await legerJson<{ abandoned: { leftovers: { kind: string; what: string }[] }[] }>(host, who, [
      "recover",
      "hbweb",
      "--abandon",
      "--dry-run",
    ]);
    assert.ok(preview.abandoned[0]!.leftovers.some((l) => l.kind === "unit" && l.what === "hbweb.service"));
    const done = await leger(host, who, ["--yes", "recover", "hbweb", "--abandon"]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /stopped trying to recover hbweb/);
    const after = await leger(host, who, ["backup", "hbweb"]);
    assert.equal(after.code, 0, after.stderr);
    for (const set of ["hbweb", "hbother"]) assert.equal((await leger(host, who, ["remove", set])).code, 0);
  },
});
