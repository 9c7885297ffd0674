/**
 * What the backup and restore tests share: the fake host of
 * tests/fakes/fake_host.ts, with `podman volume export/import` done by the
 * host's GNU tar on the volume's real folder (so modes, symlinks and empty
 * folders round-trip for real), failures that can be switched on, and a
 * checksum of a whole tree.
 *
 * @module
 */
import type { VolumeData } from "../../backup/storage/probe.ts";
import { join } from "node:path";
import type { Engine } from "../../engine.ts";
import { memoryLogger } from "../../../tests/helpers/memory_logger.ts";
import { type FakeCall, type FakeCommand, type FakeResult, run } from "../../host/shell.ts";
import { FakeHost } from "../../../tests/fakes/fake_host.ts";
import { withShell } from "../../../tests/fakes/fake_shell.ts";
import {
  BENCH_CRASH_MS,
  benchEngine,
  NGINX,
  REDIS,
  repoWith,
  WEB_SET,
} from "../../../tests/fakes/fake_host_fixtures.ts";
import { install } from "../../../tests/helpers/ops.ts";

/** Switches for failures, read at each call. */
export interface Faults {
  /** `podman volume export` writes this many bytes, then fails as on a full disk. */
  exportFailsAfter?: number;
  /** This many `podman volume import` calls fail (then they work again). */
  importFails?: number;
  /** `systemctl stop` of these units fails (they keep running). */
  stopFails?:
    string[]; /** `systemctl freeze` fails as where systemd cannot freeze (e.g. cgroup v1); the units are not frozen. */
  freezeFails?: boolean;
  /** `systemctl thaw` fails and the units stay frozen (systemd did not answer in time). */
  thawFails?: boolean;
}

/** A fake host, an engine on it, and its switches. */
export interface TarBench {
  host: FakeHost;
  engine: Engine;
  log: ReturnType<typeof memoryLogger>;
  faults: Faults;
  /** argv lines of every fake call, e.g. "systemctl --user stop web.service". */
  calls: string[];
  /** Another engine (another leger run) on the same host. */
  another(): Promise<Engine>;
  cleanup(): Promise<void>;
}

async function tar(args: string[]): Promise<FakeResult> {
  const out = await new Deno.Command("tar", { args, stdin: "null", stdout: "piped", stderr: "piped" }).output();
  return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
}

function withTar(host: FakeHost, faults: Faults, calls: string[]): Record<string, FakeCommand> {
  const base = host.fakes();
  const podman: FakeCommand = async (call: FakeCall) => {
    calls.push(["podman", ...call.args].join(" "));
    const [group, sub, ...given] = call.args;
    const output = given[0] === "--output" ? given[1] : undefined;
    const rest = output ? given.slice(2) : given;
    const pos = rest[0] === "--" ? rest.slice(1) : rest; // as cobra: `--` ends the flags
    const mp = pos[0] ? host.volumes()[pos[0]]?.mountpoint : undefined;
    // Real tar on the volume's folder (so modes, symlinks and empty folders are real).
    if (group === "volume" && sub === "export" && mp && !output) {
      const r = await tar(["-C", mp, "-cf", "-", "."]);
      if (faults.exportFailsAfter === undefined) return r;
      return {
        code: 125,
        stdout: (r.stdout as Uint8Array).slice(0, faults.exportFailsAfter),
        stderr: "Error: write /dev/stdout: no space left on device\n",
      };
    }
    if (group === "volume" && sub === "import" && mp && pos[1]) {
      if (faults.importFails) {
        faults.importFails--;
        return { code: 125, stderr: `Error: extracting archive to volume ${pos[0]}: unexpected EOF\n` };
      }
      if (pos[1] !== "-") return await tar(["-C", mp, "-xpf", pos[1]]);
      const child = new Deno.Command("tar", {
        args: ["-C", mp, "-xpf", "-"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = child.stdin.getWriter();
      await w.write(call.stdin);
      await w.close();
      const out = await child.output();
      return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    }
    return base.podman(call);
  };
  const systemctl: FakeCommand = (call: FakeCall) => {
    calls.push(["systemctl", ...call.args].join(" "));
    const verb = call.args.find((a) => !a.startsWith("-"));
    if (verb === "stop" && call.args.some((a) => faults.stopFails?.includes(a))) {
      return { code: 1, stderr: "Job for web.service canceled.\n" };
    }
    if (verb === "thaw" && faults.thawFails) {
      return { code: 1, stderr: `Failed to thaw unit ${call.args.at(-1)}: Connection timed out\n` };
    }
    if (verb === "freeze" && faults.freezeFails) {
      const unit = call.args.at(-1);
      return { code: 1, stderr: `Failed to freeze unit ${unit}: Unit '${unit}' does not support freezing.\n` };
    }
    return base.systemctl(call);
  };
  return withShell({ podman, systemctl, journalctl: base.journalctl });
}

/**
 * Storage that clones, as btrfs does for leger (lib/backup/storage/probe.ts): `stat -f` says btrfs and
 * `cp --reflink=always` makes the copy (a plain one: the build machine's disk does not clone), found first on the
 * shell's PATH; `refuse` makes the copy of a folder (`cp -a`: the copier's, not the probe's) fail as a clone across
 * file systems does.
 */
async function cloningStorage(host: FakeHost): Promise<{ fakes: Record<string, FakeCommand>; path: string }> {
  const bin = join(host.root, "clones-bin");
  await Deno.mkdir(bin, { recursive: true });
  await Deno.writeTextFile(
    join(bin, "cp"),
    `#!/bin/sh\n[ -e ${bin}/refuse ] && [ "$1" = -a ] && { echo "cp: failed to clone: Invalid cross-device link" >&2; exit 1; }\n` +
      `for a; do shift; [ "$a" = --reflink=always ] || set -- "$@" "$a"; done\nexec /bin/cp "$@"\n`,
  );
  await Deno.chmod(join(bin, "cp"), 0o755);
  const stat: FakeCommand = async (call) => {
    const [f, c, format, end, ...paths] = call.args;
    if (f === "-f" && c === "-c" && format === "%T" && end === "--") {
      return { stdout: paths.map(() => "btrfs\n").join("") };
    }
    const out = await new Deno.Command("stat", { args: call.args, stdout: "piped", stderr: "piped" }).output();
    return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
  };
  return { fakes: { stat }, path: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` };
}

/** Makes the volumes' copies of a cloning bench (`clones`) fail from now on. */
export async function refuseClones(b: TarBench): Promise<void> {
  await Deno.writeTextFile(join(b.host.root, "clones-bin", "refuse"), "");
}

/** Makes a fake host with tar-backed volumes and an engine on it (files backend unless told; `clones`: btrfs). */
export async function tarBench(
  options: { backend?: "native" | "files"; crashAfterMs?: number; clones?: boolean } = {},
): Promise<TarBench> {
  const host = await FakeHost.create({ images: [NGINX, REDIS], crashAfterMs: options.crashAfterMs ?? BENCH_CRASH_MS });
  const faults: Faults = {};
  const calls: string[] = [];
  const clones = options.clones ? await cloningStorage(host) : undefined;
  const make = (log: ReturnType<typeof memoryLogger>) =>
    benchEngine(
      host,
      { ...withTar(host, faults, calls), ...clones?.fakes },
      log,
      options.backend ?? "files",
      clones?.path,
    );
  const log = memoryLogger();
  const engine = await make(log);
  engine.config["backup-compression"] = "zstd";
  return { host, engine, log, faults, calls, another: () => make(memoryLogger()), cleanup: () => host.cleanup() };
}

/** The web set of the fixtures with extra files. */
export function webSet(extra: Record<string, string> = {}): Record<string, string> {
  return { ...WEB_SET, ...extra };
}

/** Installs a set from a local git repository and starts it. */
export async function installSet(b: TarBench, folder: string, files: Record<string, string> = webSet()): Promise<void> {
  const { url } = await repoWith(b.host, [{ folder, files }]);
  await install(b.engine, `${url}#main:apps/${folder}`, { name: folder, healthTimeoutMs: 5_000 });
}

/**
 * Installs `web` with a Podman secret it needs, then removes the secret
 * while web runs (someone did, by hand): stopped for a backup, web cannot
 * start again.
 */
export async function installSetThatCannotRestart(b: TarBench): Promise<void> {
  b.host.addSecret("web-token", "t0ken");
  const container = webSet()["web.container"]!.replace("[Container]\n", "[Container]\nSecret=web-token\n");
  await installSet(b, "web", webSet({ "web.container": container }));
  if (b.host.unit("web.service").active !== "active") throw new Error("web did not start");
  if ((await run(b.engine.$, ["podman", "secret", "rm", "web-token"])).code !== 0) throw new Error("secret rm failed");
}

/** Fills a folder with files of several modes, a nested and an empty folder, and a symlink. */
export async function fillTree(dir: string, tag: string): Promise<void> {
  await Deno.mkdir(join(dir, "nested/deeper"), { recursive: true });
  await Deno.mkdir(join(dir, "empty"), { recursive: true });
  await Deno.writeTextFile(join(dir, "index.html"), `<h1>${tag}</h1>\n`);
  await Deno.writeTextFile(join(dir, "nested/deeper/data.bin"), tag.repeat(5000));
  await Deno.writeTextFile(join(dir, "secret.txt"), `key-${tag}`);
  await Deno.chmod(join(dir, "secret.txt"), 0o600);
  await Deno.writeTextFile(join(dir, "run.sh"), "#!/bin/sh\necho hi\n");
  await Deno.chmod(join(dir, "run.sh"), 0o755);
  await Deno.chmod(join(dir, "empty"), 0o700);
  await Deno.symlink("nested/deeper/data.bin", join(dir, "link"));
}

/** One line per entry of a tree: path, type, mode, and content sha256 or link target. */
export async function treeDigest(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const entries = [];
    for await (const e of Deno.readDir(join(dir, rel))) entries.push(e);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      const path = join(dir, name);
      const st = await Deno.lstat(path);
      const mode = ((st.mode ?? 0) & 0o7777).toString(8);
      if (e.isSymlink) out.push(`${name} l ${await Deno.readLink(path)}`);
      else if (e.isDirectory) {
        out.push(`${name} d ${mode}`);
        await walk(name);
      } else {
        const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
        out.push(
          `${name} f ${mode} ${Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, "0")).join("")}`,
        );
      }
    }
  };
  await walk("");
  return out;
}

/** The folder of a podman volume on the fake host. */
export function mountpoint(b: TarBench, volume: string): string {
  const v = b.host.volumes()[volume];
  if (!v) throw new Error(`no volume ${volume}`);
  return v.mountpoint;
}

/** Lists every folder below the backups folder (to see that nothing partial is left). */
export async function backupFolders(b: TarBench): Promise<string[]> {
  const root = b.engine.paths.backupsDir;
  const out: string[] = [];
  try {
    for await (const set of Deno.readDir(root)) {
      for await (const id of Deno.readDir(join(root, set.name))) out.push(`${set.name}/${id.name}`);
    }
  } catch { /* none yet */ }
  return out.sort();
}

/** Copies a folder as `cp -a` does (what a user does to move backups to a new host). */
export async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(join(to, ".."), { recursive: true });
  const out = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
}

/**
 * A volume of the fake host as the storage probe reports it where volumes
 * clone (btrfs): the fake's folders are on the build machine's disk, but
 * moving one aside is a rename there too (lib/backup/storage/probe.ts).
 */
export function cowVolume(b: TarBench, volume: string): VolumeData {
  const m = mountpoint(b, volume);
  const folder = m.slice(0, -"/_data".length);
  return {
    name: volume,
    mountpoint: m,
    folder,
    volumesDir: folder.slice(0, folder.lastIndexOf("/")),
    fs: "btrfs",
    movable: true,
    path: "reflink",
    why: "btrfs: reflink copy",
  };
}
