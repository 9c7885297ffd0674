/**
 * The native backend for podman 6 (`podman quadlet install --application`,
 * folder layout): a set is the application `<quadlet dir>/<set>/`, drop-in
 * folders and other files included, written by podman itself.
 *
 * What podman 6.1 does that shapes this (seen on a real host):
 * - installing a folder without `--application` fails, and so does
 *   installing over existing files without `--replace`;
 * - `--replace` keeps files the new version dropped: leger removes them;
 * - `rm MEMBER` is refused for an application's member, `rm --recursive
 *   APP` removes the folder, but without `--force` it removes members up to
 *   the first running one and then stops; `--ignore` does not cover a
 *   missing application;
 * - the `.NAME.app` files of podman 5.x are ignored: a set installed under
 *   5.x (top-level files) still runs and is moved into its folder by its
 *   next install.
 *
 * @module
 */
import { join } from "node:path";
import { LegerError } from "../core/errors.ts";
import { exists, removeIfExists } from "../core/fs.ts";
import type { Logger } from "../core/log.ts";
import { podman, type PodmanCapabilities } from "../host/podman.ts";
import { quadletKind } from "../quadlet/kinds.ts";
import { run, type Shell } from "../host/shell.ts";
import type { FileRecord } from "../state/manifest.ts";
import { type Backend, isMetaFile } from "./backend.ts";
import { appMarker, filesUnder, layoutOf, layoutPath, recordAt, removeFiles } from "./layout.ts";
import { repairMismatches } from "./native.ts";
import {} from "../core/argv.ts";

/** Makes the native backend for podman 6 (`quadlet install --application`). */
export function nativeAppBackend(
  $: Shell,
  caps: PodmanCapabilities,
  quadletDir: string,
  log?: Pick<Logger, "warn" | "debug">,
): Backend {
  const pathOf = (name: string, file: string) => layoutPath(quadletDir, "folder", name, file);

  /** Takes out a set installed by podman 5.x: its top-level files and its `.NAME.app` marker. */
  async function removeFlat(name: string, records: FileRecord[]): Promise<void> {
    await removeFiles(records.filter((r) => r.path).map((r) => r.path), quadletDir);
    await removeIfExists(appMarker(quadletDir, name));
  }

  /** Removes the application folder: with podman when it can, and whatever is left by leger. */
  async function removeFolder(name: string): Promise<void> {
    const dir = join(quadletDir, name);
    if (!(await exists(dir))) return; // podman's --ignore does not cover a missing application
    if (caps.quadletRecursiveRm) {
      const r = await run($, [
        "podman",
        "quadlet",
        "rm",
        "--recursive",
        "--force",
        "--reload-systemd=false",
        "--",
        name,
      ]);
      if (r.code !== 0) {
        log?.debug(`podman quadlet rm --recursive ${name} failed (${(r.stderr || r.stdout).trim()}); removing it`);
      }
    }
    await removeIfExists(dir);
  }

  return {
    kind: "native",
    pathOf,
    async install(name, files, previous) {
      const placed = files.filter((f) => !isMetaFile(f.name));
      if (!placed.some((f) => !f.name.includes("/") && (quadletKind(f.name) || f.name.endsWith(".quadlets")))) {
        throw new LegerError(`Cannot install ${name}: no quadlet file at the top of the set`);
      }
      const before = previous ?? [];
      // Installed under podman 5.x: the units stay loaded until the caller
      // reloads systemd, so moving the files costs no more than a restart.
      if (layoutOf(quadletDir, before) === "flat") await removeFlat(name, before);
      const dir = join(quadletDir, name);
      // podman names the application with --application; the staged folder's name does not matter.
      const tmp = await Deno.makeTempDir({ prefix: "leger-native-" });
      try {
        for (const f of placed) {
          const path = join(tmp, f.name);
          await Deno.mkdir(join(path, ".."), { recursive: true });
          await Deno.writeFile(path, f.bytes);
        }
        const args = ["quadlet", "install", "--reload-systemd=false", "--application", name];
        if (await exists(dir)) args.push("--replace");
        args.push("--", tmp);
        await podman($, args, `install ${name} with podman quadlet`);
      } finally {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
      }
      const records: FileRecord[] = [];
      for (const f of files) records.push(await recordAt(f, pathOf(name, f.name)));
      // --replace keeps what the new version dropped; the folder is the set's own.
      // (A .quadlets bundle is split into units leger does not know by name: then only known files go.)
      const want = new Set(placed.map((f) => f.name));
      const known = new Set(before.map((r) => r.name));
      const bundled = placed.some((f) => f.name.endsWith(".quadlets"));
      const stray = (await filesUnder(dir)).filter((rel) => !want.has(rel) && (!bundled || known.has(rel)));
      await removeFiles(stray.map((rel) => join(dir, rel)), dir);
      await repairMismatches(records, files, log, caps.version.text);
      return records;
    },
    async remove(name, files) {
      if (layoutOf(quadletDir, files) === "flat") await removeFlat(name, files);
      await removeFolder(name);
    },
  };
}
