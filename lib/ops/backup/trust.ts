/**
 * What a backup may touch, decided before restore changes anything.
 *
 * A backup folder may have been copied in from anywhere (the documented
 * disaster-recovery path), and `backup.json` is free text: its volume
 * names, archive paths and host paths are strings, and its checksums sit
 * in the same file, so anyone who can change one can change the other.
 * Checksums therefore only catch accidents (a bad disk, a cut copy); the
 * protection is structural:
 *
 * - **Authority: the backup's own quadlet files, parsed.** Restore puts
 *   exactly those files in place, so after the restore those units are
 *   the set, and they declare what the set uses. `backup.json` only says
 *   where the data of what they declare lies; a volume or host path they
 *   do not declare is refused, and the manifest leger records is derived
 *   from the files again (units, volumes, secrets, ports), never taken
 *   from `manifest.json`. The installed set's manifest is not the
 *   authority because restoring an older version legitimately brings
 *   back what that version used, and on a new host nothing is installed.
 * - **Limit: leger's trusted state of the scope.** What another installed
 *   set declares (its volumes, units, and host paths, from its manifest
 *   and stored copy) belongs to that set: a backup that names any of it
 *   is a backup of another set, or a forged one, and is refused.
 * - **Shape:** the backup's folder, files, archives and `files/` are real
 *   files and folders inside it (no links, no absolute or `..` names);
 *   each archive path is the one leger writes for that volume or bind
 *   (`volumes/<name>.tar[.zst|.gz]`, `binds/<n>.tar[...]`); every member of
 *   every archive stays inside its target (see `lib/backup/tar_check.ts`).
 *
 * Restoring a backup thus has the power of installing its files (which
 * the user asks for by restoring it) plus putting data back into exactly
 * what those files declare, and nothing else.
 *
 * @module
 */
import { basename, isAbsolute, join, normalize } from "node:path";
import type { Engine } from "../../engine.ts";
import { LegerError } from "../../core/errors.ts";
import { summarizeSet } from "../../quadlet/model.ts";
import type { CollectedFile } from "../../source/collect.ts";
import { listManifests, type Manifest, parseManifest } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";
import { type BackupInfo, verifyBackup } from "../../backup/info.ts";
import { planBackup, resolveHostPath } from "../../backup/plan.ts";
import { archiveSuffix } from "../../backup/stream.ts";
import { checkArchive } from "../../backup/tar_check.ts";
import { buildManifest } from "../install/manifest_build.ts";
import { systemPathProblem } from "../../backup/system_paths.ts";

/** A backup that passed every check: what restore may use, and nothing more. */
export interface TrustedBackup {
  info: BackupInfo;
  /** The set's files from `files/`, exactly the ones `backup.json` lists. */
  files: CollectedFile[];
  /** The manifest to record: derived from the files; source and dates from `manifest.json`. */
  manifest: Manifest;
}

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function safeRelative(name: string): boolean {
  if (!name || isAbsolute(name) || name.includes("\0") || name.includes("\\")) return false;
  return name.split("/").every((s) => s !== "" && s !== "." && s !== "..");
}

async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch {
    return undefined;
  }
}

/** Lists `files/` with lstat: names of regular files; links and other kinds are problems. */
async function listFilesDir(root: string, problems: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(root, rel))) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymlink) problems.push(`files/${name} is a link (a backup holds only plain files)`);
      else if (e.isDirectory) await walk(name);
      else if (e.isFile) out.push(name);
      else problems.push(`files/${name} is not a plain file`);
    }
  };
  await walk("");
  return out.sort();
}

/** Bytes of every file below the backup folder except backup.json (what a backup records as its size). */
async function folderSize(dir: string, top = true): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    if (top && e.name === "backup.json") continue;
    const p = join(dir, e.name);
    if (e.isDirectory) total += await folderSize(p, false);
    else total += (await Deno.lstat(p)).size;
  }
  return total;
}

function pathsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(b.endsWith("/") ? b : b + "/") || b.startsWith(a.endsWith("/") ? a : a + "/");
}

/** Host paths a set's units bind-mount, resolved as leger resolves them for backups. */
function bindPaths(engine: Engine, name: string, files: readonly CollectedFile[], backends: Set<string>): string[] {
  const sources = summarizeSet(files.filter((f) => !f.name.includes("/"))).binds.map((b) => b.hostPath);
  const out = new Set<string>();
  for (const backend of backends) {
    for (const s of sources) {
      const p = resolveHostPath(s, {
        quadletDir: engine.paths.quadletDir,
        setName: name,
        backend: backend as "native" | "files",
        ...(engine.env.HOME ? { home: engine.env.HOME } : {}),
      });
      if (p) out.add(p);
    }
  }
  return [...out];
}

/**
 * Checks a backup against its own files and the scope's installed sets
 * (see the module notes), then its checksums (`quick`: sizes only), then
 * every archive's members. Throws a LegerError listing every problem;
 * nothing has been changed when it does. `contents: false` leaves the
 * checksums and the archives' members to {@linkcode checkContents}, for a
 * caller that runs it before extracting anything but beside other work (a
 * restore that moved the current data aside: lib/ops/backup/cow/aside.ts).
 */
export async function trustBackup(
  engine: Engine,
  info: BackupInfo,
  options: { quick?: boolean; contents?: boolean } = {},
): Promise<TrustedBackup> {
  const problems: string[] = [];
  const name = info.name;
  const refuse = () => refusal(info, problems);

  // Shape of the folder.
  const dirInfo = await lstatOrUndefined(info.dir);
  if (!dirInfo?.isDirectory) problems.push(`${info.dir} is not a folder (a link?)`);
  if (basename(info.dir) !== info.id) problems.push(`backup.json names the backup ${JSON.stringify(info.id)}`);
  if (basename(join(info.dir, "..")) !== name) problems.push(`backup.json names the set ${JSON.stringify(name)}`);
  const manifestFile = join(info.dir, "manifest.json");
  if (!(await lstatOrUndefined(manifestFile))?.isFile) problems.push("manifest.json is missing or not a plain file");
  const filesDir = join(info.dir, "files");
  const filesInfo = await lstatOrUndefined(filesDir);
  if (!filesInfo?.isDirectory) problems.push("files/ is missing or not a folder (a link?)");
  if (problems.length) throw refuse();

  // The files: exactly those listed, plain, with safe names.
  for (const f of info.files) {
    if (!safeRelative(f.name)) problems.push(`the file name ${JSON.stringify(f.name)} leaves files/`);
  }
  const onDisk = await listFilesDir(filesDir, problems);
  const listed = new Set(info.files.map((f) => f.name));
  for (const n of onDisk) if (!listed.has(n)) problems.push(`files/${n} is not listed in backup.json`);
  for (const n of listed) if (!onDisk.includes(n)) problems.push(`files/${n} is listed but missing`);
  if (problems.length) throw refuse();
  const files: CollectedFile[] = [];
  for (const n of onDisk) {
    const bytes = await Deno.readFile(join(filesDir, n));
    files.push({ name: n, bytes, text: new TextDecoder().decode(bytes) });
  }

  let recorded: Manifest;
  try {
    recorded = parseManifest(await Deno.readTextFile(manifestFile), manifestFile);
  } catch (error) {
    problems.push((error as Error).message);
    throw refuse();
  }
  if (recorded.name !== name) problems.push(`manifest.json is the manifest of ${JSON.stringify(recorded.name)}`);

  // What the files declare: the authority.
  const summary = summarizeSet(files.filter((f) => !f.name.includes("/")));
  const plan = planBackup({ ...recorded, volumes: [], units: summary.units }, files);
  const declared = new Map(plan.volumes.map((v) => [v.name, v]));
  const seen = new Set<string>();
  for (const v of info.volumes) {
    const label = JSON.stringify(v.name);
    if (!VOLUME_NAME.test(v.name)) problems.push(`the volume name ${label} is not a podman volume name`);
    else if (!declared.has(v.name)) problems.push(`the volume ${label} is not one the backup's units declare`);
    else if (v.unitFile !== undefined && declared.get(v.name)!.unitFile !== v.unitFile) {
      problems.push(`the volume ${label} is not defined by ${JSON.stringify(v.unitFile)}`);
    }
    if (seen.has(v.name)) problems.push(`the volume ${label} is listed twice`);
    seen.add(v.name);
    if (v.archive !== `volumes/${v.name}${archiveSuffix(v.compression)}`) {
      problems.push(`the archive of volume ${label} is ${JSON.stringify(v.archive)}, not where leger puts it`);
    }
  }
  const backends = new Set<string>([recorded.backend, (await engine.backend()).kind]);
  const allowedBinds = bindPaths(engine, name, files, backends);
  const archivedBinds = info.binds.filter((b) => b.archived || b.archive !== undefined);
  for (const b of archivedBinds) {
    const label = JSON.stringify(b.hostPath);
    if (!isAbsolute(b.hostPath) || normalize(b.hostPath) !== b.hostPath || b.hostPath === "/") {
      problems.push(`the host path ${label} is not a plain absolute path`);
    } else if (!allowedBinds.includes(b.hostPath)) {
      problems.push(`the host path ${label} is not one the backup's units bind-mount`);
    } else {
      const system = systemPathProblem(b.hostPath, {
        paths: engine.paths,
        ...(engine.env.HOME ? { home: engine.env.HOME } : {}),
      });
      if (system) problems.push(`restore never writes the host path ${label}: ${system}`);
    }
    const compression = b.compression ?? "none";
    if (
      !b.archive || !new RegExp(`^binds/[0-9]+${archiveSuffix(compression).replaceAll(".", "\\.")}$`).test(b.archive)
    ) {
      problems.push(`the archive of host path ${label} is ${JSON.stringify(b.archive)}, not where leger puts it`);
    }
  }
  // The rest of backup.json must agree with the files and the folder.
  const units = new Set(summary.units);
  for (const u of recorded.units) {
    if (!units.has(u)) problems.push(`manifest.json names the unit ${u}, which the backup's files do not define`);
  }
  for (const v of recorded.volumes) {
    if (!declared.has(v.name)) {
      problems.push(`manifest.json names the volume ${JSON.stringify(v.name)}, which the files do not declare`);
    }
  }
  for (const u of info.stopped ?? []) {
    if (!units.has(u)) {
      problems.push(`backup.json says it stopped ${JSON.stringify(u)}, which is not a unit of the set`);
    }
  }
  if ((info.commit ?? "") !== (recorded.source.commit ?? "")) {
    problems.push("backup.json and manifest.json name different commits");
  }
  if ((info.setVersion ?? "") !== (recorded.version ?? "")) {
    problems.push("backup.json and manifest.json name different versions");
  }
  if (Number.isNaN(Date.parse(info.createdAt))) {
    problems.push(`createdAt ${JSON.stringify(info.createdAt)} is not a time`);
  }
  const size = await folderSize(info.dir);
  if (size !== info.sizeBytes) problems.push(`the backup holds ${size} bytes, backup.json says ${info.sizeBytes}`);
  if (problems.length) throw refuse();

  // What other installed sets own.
  const others = (await listManifests(engine.paths)).filter((m) => m.name !== name);
  for (const m of others) {
    for (const v of m.volumes) {
      if (declared.has(v.name)) {
        problems.push(`the volume ${JSON.stringify(v.name)} belongs to the installed set ${m.name}`);
      }
    }
    for (const u of m.units) {
      if (summary.units.includes(u)) problems.push(`the unit ${u} belongs to the installed set ${m.name}`);
    }
    if (archivedBinds.length) {
      const theirs = bindPaths(engine, m.name, await loadSetFiles(engine.paths, m.name), new Set([m.backend]));
      for (const b of archivedBinds) {
        const hit = theirs.find((p) => pathsOverlap(p, b.hostPath));
        if (hit) problems.push(`the host path ${b.hostPath} overlaps ${hit} of the installed set ${m.name}`);
      }
    }
  }
  if (problems.length) throw refuse();

  if (options.contents !== false) {
    problems.push(...await checkContents(engine, info, archivedBinds, options.quick ? { quick: true } : {}));
  }
  if (problems.length) throw refuse();

  const backend = (await engine.backend()).kind;
  const derived = await buildManifest(engine, {
    name,
    source: recorded.source,
    files,
    records: [],
    backend,
    previous: recorded,
  });
  return { info, files, manifest: { ...derived, installedAt: recorded.installedAt } };
}

/**
 * The contents' checks (checksums, every archive's members) of a backup
 * {@linkcode trustBackup} passed with `contents: false`: refused as
 * trustBackup refuses it, nothing changed.
 */
export async function trustContents(engine: Engine, trusted: TrustedBackup): Promise<void> {
  const { info } = trusted;
  const problems = await checkContents(engine, info, info.binds.filter((b) => b.archived || b.archive !== undefined));
  if (problems.length) throw refusal(info, problems);
}

function refusal(info: BackupInfo, problems: string[]): LegerError {
  return new LegerError(
    `Cannot restore ${info.name} from ${info.id}: the backup is not safe to restore: ${problems.join("; ")}`,
    {
      hint:
        `Nothing was changed. This backup names things its own files do not declare, or things of another set, or its archives reach out of their folders; pick another backup (leger backups ${info.name}).`,
      details: { problems, dir: info.dir },
    },
  );
}

/**
 * The contents of a backup: every checksum (`quick`: sizes only) and every
 * archive's members (`volumesOnStream`: the volumes' members are left to
 * the import that checks them as it goes, lib/backup/import/checked.ts). Returns the members' problems; throws a LegerError
 * when a checksum is wrong. Part of {@linkcode trustBackup} unless it is
 * asked to leave it out.
 */
export async function checkContents(
  engine: Engine,
  info: BackupInfo,
  archivedBinds: BackupInfo["binds"] = info.binds.filter((b) => b.archived && b.archive),
  options: { quick?: boolean; volumesOnStream?: boolean } = {},
): Promise<string[]> {
  const problems: string[] = [];
  // Checksums: they sit in backup.json, so they catch accidents (a bad disk, a cut copy), not forgeries.
  const check = await verifyBackup(info, options.quick ? { quick: true } : {});
  if (!check.ok) {
    throw new LegerError(
      `Cannot restore ${info.name} from ${info.id}: the backup is damaged: ${check.problems.join("; ")}`,
      {
        hint: `Nothing was changed. Pick another backup (leger backups ${info.name}).`,
        details: { problems: check.problems, dir: info.dir },
      },
    );
  }

  // The archives: plain files inside the backup, whole, members inside their target.
  const archives = [
    ...info.volumes.map((v) => ({
      path: v.archive,
      compression: v.compression,
      rules: {},
      what: `volume ${v.name}`,
      volume: true,
    })),
    ...archivedBinds.map((b) => ({
      path: b.archive!,
      compression: b.compression ?? "none",
      rules: { top: basename(b.hostPath) },
      what: `host path ${b.hostPath}`,
      volume: false,
    })),
  ];
  for (const a of archives) {
    const parent = await lstatOrUndefined(join(info.dir, a.path.split("/")[0]!));
    const file = await lstatOrUndefined(join(info.dir, a.path));
    if (!parent?.isDirectory || !file?.isFile) {
      problems.push(`${a.path} is missing or not a plain file inside the backup (a link?)`);
      continue;
    }
    // A volume imported through the check (lib/backup/import/checked.ts) has its members checked there.
    if (options.volumesOnStream && a.volume) continue;
    for (const p of await checkArchive(engine.$, join(info.dir, a.path), a.compression, a.rules)) {
      problems.push(`${a.path} (${a.what}): ${p}`);
    }
  }
  return problems;
}
