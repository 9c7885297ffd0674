/**
 * Where a podman volume's data lives and what the file system under it can
 * do: whether a copy of it can be made at a moment's notice (a reflink
 * copy, which shares the blocks: btrfs, xfs with reflink) and whether its
 * folder can be moved aside by a rename. Backup and restore choose their
 * path from this; `leger doctor` and `backup --dry-run` show it.
 *
 * Facts it rests on (podman 5.8.6, seen on the sid test host): a local
 * volume without options keeps its data in `<graph root>/volumes/NAME/_data`
 * (rootless: `~/.local/share/containers/storage/volumes`, root:
 * `/var/lib/containers/storage/volumes`); `volumes/` and `volumes/NAME` belong
 * to the user who runs podman (0700), while files inside may belong to
 * sub-uids. A volume with options (`Device=`, `Type=`) is mounted from
 * elsewhere while in use, and another driver keeps its data elsewhere: for
 * those only the stream through `podman volume export` is sure.
 *
 * @module
 */
import { join } from "node:path";
import { LegerError } from "../../core/errors.ts";
import type { Shell } from "../../host/shell.ts";

/** How a volume's data is copied for a backup. */
export type DataPath = "reflink" | "stream";

/** One volume as `podman volume ls --format json` reports it (the fields leger reads). */
export interface VolumeRow {
  name: string;
  driver: string;
  mountpoint: string;
  options: Record<string, string>;
}

/** What leger can do with one volume's data. */
export interface VolumeData {
  name: string;
  /** podman's Mountpoint: the data folder (`.../volumes/NAME/_data`). */
  mountpoint: string;
  /** The volume's own folder (`.../volumes/NAME`): what a restore renames aside. */
  folder: string;
  /** podman's volumes folder, where asides and probes are made (same file system). */
  volumesDir: string;
  /** The file system type as `stat -f` names it ("btrfs", "xfs", "ext2/ext3", ...). */
  fs: string;
  /** A plain local volume whose folder can be renamed aside and back. */
  movable: boolean;
  /** How a backup copies it. */
  path: DataPath;
  /** Why, in a few words (doctor, --dry-run). */
  why: string;
}

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/**
 * Every podman volume: `podman volume ls --format json` (one process; the
 * name list backup needs anyway). podman's output is checked field by
 * field: a row without a name is an error, other fields default to empty.
 */
export async function listVolumes($: Shell): Promise<VolumeRow[]> {
  const r = await $`podman volume ls --format json`.stdout("piped").stderr("piped").noThrow();
  if (r.code !== 0) {
    throw new LegerError(`Cannot list volumes: podman said: ${r.stderr.trim().split("\n").slice(-2).join(" / ")}`);
  }
  const body = r.stdout.trim();
  const parsed: unknown = body === "" || body === "null" ? [] : JSON.parse(body);
  if (!Array.isArray(parsed)) throw new LegerError("Cannot list volumes: podman volume ls did not print a list");
  return parsed.map((row: Record<string, unknown>) => {
    const name = text(row?.Name);
    if (!name) throw new LegerError("Cannot list volumes: podman volume ls printed a row without a name");
    const options: Record<string, string> = {};
    if (row.Options && typeof row.Options === "object") {
      for (const [k, v] of Object.entries(row.Options)) options[k] = String(v);
    }
    return { name, driver: text(row.Driver), mountpoint: text(row.Mountpoint), options };
  });
}

/** File system types that never clone (no trial needed): ext4 reports itself as "ext2/ext3". */
const NO_REFLINK = new Set(["ext2/ext3", "tmpfs", "ramfs", "nfs", "cifs", "smb2", "fuseblk", "fuse", "overlayfs"]);

/** Verdicts of the reflink trial, per volumes folder, for this process. */
const trials = new Map<string, boolean>();

/**
 * Whether `cp --reflink=always` works in `dir`: a 64 KiB file cloned in a
 * private folder made there (and removed). What `stat -f` says is not
 * enough: xfs clones only when made with reflink=1.
 */
export async function reflinkWorks($: Shell, dir: string): Promise<boolean> {
  const known = trials.get(dir);
  if (known !== undefined) return known;
  let ok = false;
  let probe: string | undefined;
  try {
    probe = await Deno.makeTempDir({ dir, prefix: ".leger-probe-" });
    await Deno.writeFile(join(probe, "a"), new Uint8Array(65536).fill(7));
    // By its path: dax has a `cp` of its own, which knows no --reflink.
    const cp = $.whichSync("cp") ?? "/bin/cp";
    const r = await $`${cp} --reflink=always -- ${join(probe, "a")} ${join(probe, "b")}`.stdout("null")
      .stderr("null").noThrow();
    ok = r.code === 0;
  } catch {
    ok = false;
  } finally {
    if (probe) await Deno.remove(probe, { recursive: true }).catch(() => {});
  }
  trials.set(dir, ok);
  return ok;
}

/** The file system type of each path (`stat -f -c %T`, one process). */
async function fsTypes($: Shell, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const r = await $`stat -f -c %T -- ${paths}`.stdout("piped").stderr("piped").noThrow();
  const lines = r.stdout.split("\n");
  // A path stat cannot read gives no line; the others keep their order only when all answered.
  return r.code === 0 && lines.length > paths.length ? paths.map((_, i) => lines[i]!.trim()) : paths.map(() => "");
}

/** Whether podman's mountpoint has the shape of a local volume's data folder. */
function plainFolder(row: VolumeRow): string | undefined {
  const m = row.mountpoint;
  const tail = `/${row.name}/_data`;
  if (!m.startsWith("/") || !m.endsWith(tail) || m.includes("/../") || m.includes("/./") || m.includes("//")) {
    return undefined;
  }
  return m.slice(0, -"/_data".length);
}

async function isRealDir(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isDirectory;
  } catch {
    return false;
  }
}

/**
 * What can be done with each of `rows`' data (in their order). A volume
 * is movable when it is local, has no options and its folder is a real
 * folder (not a link) of podman's shape; its backup path is `reflink` when
 * moreover a clone works in podman's volumes folder.
 */
export async function probeVolumes($: Shell, rows: VolumeRow[]): Promise<VolumeData[]> {
  const folders: Array<string | undefined> = [];
  for (const row of rows) {
    const folder = row.driver === "local" && Object.keys(row.options).length === 0 ? plainFolder(row) : undefined;
    folders.push(folder && (await isRealDir(folder)) && (await isRealDir(row.mountpoint)) ? folder : undefined);
  }
  const asked = rows.filter((_, i) => folders[i]).map((r) => r.mountpoint);
  const answers = await fsTypes($, asked);
  const types = new Map(asked.map((m, i) => [m, answers[i]!]));
  const out: VolumeData[] = [];
  for (const [i, row] of rows.entries()) {
    const folder = folders[i];
    const base = { name: row.name, mountpoint: row.mountpoint };
    if (!folder) {
      const why = row.driver !== "local"
        ? `volume driver ${row.driver || "(none)"}: its data is not in podman's folder`
        : Object.keys(row.options).length
        ? `mounted with options (${Object.keys(row.options).sort().join(", ")})`
        : `its data folder ${row.mountpoint || "(none)"} is not where podman keeps local volumes`;
      out.push({ ...base, folder: "", volumesDir: "", fs: "", movable: false, path: "stream", why });
      continue;
    }
    const fs = types.get(row.mountpoint) ?? "";
    const volumesDir = folder.slice(0, folder.lastIndexOf("/"));
    const movable = { ...base, folder, volumesDir, fs, movable: true };
    if (NO_REFLINK.has(fs)) {
      out.push({ ...movable, path: "stream", why: `${fs === "ext2/ext3" ? "ext4" : fs} has no reflink copies` });
    } else if (!(await reflinkWorks($, volumesDir))) {
      out.push({ ...movable, path: "stream", why: `${fs || "its file system"} refused a reflink copy` });
    } else {
      out.push({ ...movable, path: "reflink", why: `${fs}: reflink copy` });
    }
  }
  return out;
}
