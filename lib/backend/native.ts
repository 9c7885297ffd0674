/**
 * The native backend for podman 5.6-5.8 (`podman quadlet install`, flat
 * layout). The set's top-level files are handed to podman as one
 * application named after the set; drop-in folders, which podman 5.x's
 * install does not take, are written beside the units by leger. Paths come
 * from the layout (lib/backend/layout.ts), never from `podman quadlet
 * list`, and the bytes on disk are checked after every install.
 *
 * @module
 */
import { join } from "node:path";
import { LegerError } from "../core/errors.ts";
import { atomicWrite, removeIfExists } from "../core/fs.ts";
import type { Logger } from "../core/log.ts";
import { podman, type PodmanCapabilities } from "../host/podman.ts";
import { quadletKind } from "../quadlet/kinds.ts";
import { run, type Shell } from "../host/shell.ts";
import type { CollectedFile } from "../source/collect.ts";
import type { FileRecord } from "../state/manifest.ts";
import { type Backend, isMetaFile } from "./backend.ts";
import { appMarker, layoutOf, layoutPath, recordAt, removeFiles, verifyOnDisk } from "./layout.ts";
import { operands } from "../core/argv.ts";

/**
 * Puts back the bytes leger meant to write where podman left others (a
 * podman with the `--replace` bug, or anything else that wrote there), and
 * says so. Throws when a file is still wrong afterwards.
 */
export async function repairMismatches(
  records: FileRecord[],
  files: CollectedFile[],
  log: Pick<Logger, "warn"> | undefined,
  podmanVersion: string,
): Promise<void> {
  const wrong = await verifyOnDisk(records);
  if (wrong.length === 0) return;
  const bytes = new Map(files.map((f) => [f.name, f.bytes]));
  for (const { record, found } of wrong) {
    log?.warn(
      `podman ${podmanVersion} left ${record.path} ${
        found ? "with other bytes than the set's" : "missing"
      }; leger wrote the set's file there itself`,
    );
    await atomicWrite(record.path, bytes.get(record.name) ?? new Uint8Array(), { mode: 0o644, dirMode: 0o755 });
  }
  const still = await verifyOnDisk(records);
  if (still.length) {
    throw new LegerError(
      `Cannot install the set's files: ${still.map((m) => m.record.path).join(", ")} differ on disk`,
      {
        hint: "Check the quadlet folder's permissions and free space, then try again.",
      },
    );
  }
}

/** Makes the native backend for podman 5.6-5.8. */
export function nativeBackend(
  $: Shell,
  caps: PodmanCapabilities,
  quadletDir: string,
  log?: Pick<Logger, "warn" | "debug">,
): Backend {
  const pathOf = (name: string, file: string) => layoutPath(quadletDir, "flat", name, file);

  /**
   * Removes an application with podman (which also drops its `.NAME.app`
   * bookkeeping); when podman cannot (podman 5.8 fails every `quadlet rm`
   * and `list` once a template unit is installed), leger removes the files
   * itself, so nothing is left behind.
   */
  async function removeApp(name: string, records: FileRecord[]): Promise<void> {
    const units = records.filter((r) => r.kind === "quadlet" && r.path);
    if (units.length) {
      const r = await run($, [
        "podman",
        "quadlet",
        "rm",
        "--force",
        "--ignore",
        "--reload-systemd=false",
        "--",
        ...operands(units.map((u) => u.name), "unit file name"),
      ]);
      if (r.code !== 0) {
        log?.debug(`podman quadlet rm failed (${(r.stderr || r.stdout).trim()}); removing ${name}'s files directly`);
      }
    }
    await removeFiles(records.filter((r) => r.path).map((r) => r.path), quadletDir);
    await removeIfExists(appMarker(quadletDir, name));
  }

  return {
    kind: "native",
    pathOf,
    async install(name, files, previous) {
      const top = files.filter((f) => !f.name.includes("/") && !isMetaFile(f.name));
      if (!top.some((f) => quadletKind(f.name) || f.name.endsWith(".quadlets"))) {
        throw new LegerError(`Cannot install ${name}: no quadlet file at the top of the set`);
      }
      const before = previous ?? [];
      const now = new Set(files.map((f) => f.name));
      if (before.length && layoutOf(quadletDir, before) === "folder") {
        // Installed in another layout (by the files backend, or by podman 6 before a downgrade).
        await removeFiles(before.filter((r) => r.path).map((r) => r.path), quadletDir);
        await Deno.remove(join(quadletDir, name)).catch(() => {});
      }
      const flatBefore = layoutOf(quadletDir, before) === "flat" ? before : [];
      const oldQuadlets = flatBefore.filter((p) => p.kind === "quadlet");
      // podman removes a whole application when one member is removed, and
      // --replace keeps files the new version dropped: so when files were
      // dropped (or podman has no --replace, before 5.7) the old app goes first.
      const fresh = oldQuadlets.some((p) => !now.has(p.name)) || !caps.quadletReplace;
      if (oldQuadlets.length && fresh) await removeApp(name, flatBefore);
      let replace = oldQuadlets.length > 0 && !fresh;
      if (replace && caps.replaceKeepsTail) {
        // podman 5.7.0-5.8.5 keeps a longer old file's tail on --replace:
        // leger unlinks the files it replaces (the app's list of members
        // stays right) and installs without --replace.
        for (const f of top) await removeIfExists(pathOf(name, f.name));
        replace = false;
      }
      // podman names the application after the folder: stage one named like the set.
      const tmp = await Deno.makeTempDir({ prefix: "leger-native-" });
      const stage = join(tmp, name);
      try {
        await Deno.mkdir(stage);
        for (const f of top) await Deno.writeFile(join(stage, f.name), f.bytes);
        const args = ["quadlet", "install", "--reload-systemd=false"];
        if (replace) args.push("--replace");
        args.push("--", stage);
        await podman($, args, `install ${name} with podman quadlet`);
      } finally {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
      }
      const records: FileRecord[] = [];
      for (const f of files) {
        if (f.name.includes("/")) await atomicWrite(pathOf(name, f.name), f.bytes, { mode: 0o644, dirMode: 0o755 });
        records.push(await recordAt(f, pathOf(name, f.name)));
      }
      // Drop-ins and other files an older version had and this one dropped.
      const keep = new Set(records.map((r) => r.path));
      const dropped = flatBefore.filter((p) => p.path && !keep.has(p.path)).map((p) => p.path);
      await removeFiles(dropped, quadletDir);
      await repairMismatches(records, files, log, caps.version.text);
      return records;
    },
    async remove(name, files) {
      if (layoutOf(quadletDir, files) === "folder") {
        await removeFiles(files.filter((f) => f.path).map((f) => f.path), quadletDir);
        await Deno.remove(join(quadletDir, name)).catch(() => {});
        return;
      }
      await removeApp(name, files);
    },
  };
}
