// Bind mounts in backups: the host path is an operand of tar, never an option; system and leger folders are
// neither archived nor restored into.
import assert from "node:assert/strict";
import { join } from "node:path";
import { CACHE_SET } from "../../../tests/fakes/fake_host_fixtures.ts";
import { backup } from "../../../tests/helpers/ops.ts";
import { installSet, tarBench } from "./backup_fixtures_test.ts";
import { systemPathProblem } from "../../backup/system_paths.ts";
import { scopePaths } from "../../core/paths.ts";

const withBind = (hostPath: string) => ({
  ...CACHE_SET,
  "cache.container": CACHE_SET["cache.container"] + `Volume=${hostPath}:/conf:ro\n`,
});

Deno.test("a bind whose folder name reads like a tar option is archived as a folder, and runs nothing", async () => {
  const b = await tarBench();
  try {
    const parent = join(b.host.root, "srv");
    // GNU tar runs a checkpoint action every 10 records when it reads this as an option.
    const bindDir = join(parent, "--checkpoint-action=exec=touch pwned");
    await Deno.mkdir(bindDir, { recursive: true });
    await Deno.writeFile(join(bindDir, "big"), new Uint8Array(200 * 1024).fill(7));
    await installSet(b, "cache", withBind(bindDir));
    b.host.addVolume("cache-data", { "dump.rdb": "REDIS" });
    const info = await backup(b.engine, "cache", { includeBinds: true });
    assert.equal(info.binds[0]!.archived, true);
    const list = await new Deno.Command("sh", {
      args: ["-c", `zstd -d -c "$1" | tar -tf -`, "sh", join(info.dir, info.binds[0]!.archive!)],
    }).output();
    assert.match(new TextDecoder().decode(list.stdout), /^--checkpoint-action=exec=touch pwned\/big$/m);
    await assert.rejects(Deno.stat(join(parent, "pwned")), Deno.errors.NotFound);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a bind of a system folder or one of leger's own is left out of the backup with a warning", async () => {
  const b = await tarBench();
  try {
    const own = b.engine.paths.configDir;
    await Deno.mkdir(own, { recursive: true });
    await installSet(b, "cache", withBind(own));
    b.host.addVolume("cache-data", { "dump.rdb": "REDIS" });
    const info = await backup(b.engine, "cache", { includeBinds: true });
    assert.deepEqual(info.binds, [{ hostPath: own, archived: false }]);
    assert.ok(b.log.events.some((e) => e.level === "warn" && e.message.includes("a system folder or one of leger")));
  } finally {
    await b.cleanup();
  }
});

Deno.test("system folders: at or below the system's trees, exactly the wide folders, a user's start-up files", () => {
  const paths = scopePaths("user", { HOME: "/home/alice" });
  const ctx = { paths, home: "/home/alice" };
  for (
    const p of [
      "/etc",
      "/etc/cron.d",
      "/usr/local/bin",
      "/var/lib/containers/storage",
      "/root/.ssh",
      "/",
      "/srv",
      "/home",
      "/home/alice",
      "/home/alice/",
      "/home/alice/.config/systemd/user",
      "/home/alice/.bashrc",
      "/home/alice/.local/share/leger/backups",
      "/home/alice/.local/share",
    ]
  ) assert.ok(systemPathProblem(p, ctx), p);
  for (const p of ["/srv/app", "/srv/app/data", "/home/alice/data", "/var/lib/app", "/opt/app/conf", "/mnt/disk/x"]) {
    assert.equal(systemPathProblem(p, ctx), undefined, p);
  }
});
