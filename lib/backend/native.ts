/**
 * The native backend: `podman quadlet install` (podman 5.6+). The set's
 * top-level files are handed to podman as one application named after the
 * set; drop-in folders, which `podman quadlet install` does not take, are
 * written beside the units by leger.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { LegerError } from "../errors.ts";
import { atomicWrite, removeIfExists, sha256 } from "../fs.ts";
import { podman, type PodmanCapabilities, quadletList } from "../podman.ts";
import { quadletKind } from "../quadlet/model.ts";
import type { Shell } from "../shell.ts";
import type { FileRecord } from "../state/manifest.ts";
import { type Backend, isMetaFile } from "./backend.ts";

/** Removes the drop-in folders of `files` that are now empty. */
export async function removeEmptyDropinDirs(_quadletDir: string, files: FileRecord[]): Promise<void> {
  const dirs = new Set(files.filter((f) => f.name.includes("/") && f.path).map((f) => dirname(f.path)));
  for (const d of dirs) await Deno.remove(d).catch(() => {});
}

/** Makes the native backend. */
export function nativeBackend($: Shell, caps: PodmanCapabilities, quadletDir: string): Backend {
  async function rm(names: string[]) {
    if (names.length === 0) return;
    await podman(
      $,
      ["quadlet", "rm", "--force", "--ignore", "--reload-systemd=false", ...names],
      `remove ${names.join(" ")}`,
    );
  }
  return {
    kind: "native",
    async install(name, files, previous) {
      const top = files.filter((f) => !f.name.includes("/") && !isMetaFile(f.name));
      if (!top.some((f) => quadletKind(f.name) || f.name.endsWith(".quadlets"))) {
        throw new LegerError(`Cannot install ${name}: no quadlet file at the top of the set`);
      }
      // podman names the application after the folder: stage one named like the set.
      const tmp = await Deno.makeTempDir({ prefix: "leger-native-" });
      const stage = join(tmp, name);
      try {
        await Deno.mkdir(stage);
        for (const f of top) await Deno.writeFile(join(stage, f.name), f.bytes);
        const oldQuadlets = (previous ?? []).filter((p) => p.kind === "quadlet");
        const now = new Set(files.map((f) => f.name));
        // podman removes a whole application when one member is removed, and
        // --replace keeps files the new version dropped: so when files were
        // dropped (or podman has no --replace, before 5.7) the old app goes first.
        const fresh = oldQuadlets.some((p) => !now.has(p.name)) || !caps.quadletReplace;
        if (oldQuadlets.length && fresh) await rm(oldQuadlets.map((p) => p.name));
        const args = ["quadlet", "install", "--reload-systemd=false"];
        if (oldQuadlets.length && !fresh) args.push("--replace");
        args.push(stage);
        await podman($, args, `install ${name} with podman quadlet`);
      } finally {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
      }
      const listed = await quadletList($);
      const byName = new Map(listed.map((q) => [q.Name, q.Path]));
      const records: FileRecord[] = [];
      for (const f of files) {
        const digest = await sha256(f.bytes);
        if (isMetaFile(f.name)) {
          records.push({ name: f.name, sha256: digest, path: "", kind: "meta" });
        } else if (f.name.includes("/")) {
          const path = join(quadletDir, f.name);
          await atomicWrite(path, f.bytes);
          records.push({ name: f.name, sha256: digest, path, kind: "asset" });
        } else if (quadletKind(f.name)) {
          records.push({
            name: f.name,
            sha256: digest,
            path: byName.get(f.name) ?? join(quadletDir, f.name),
            kind: "quadlet",
          });
        } else {
          records.push({ name: f.name, sha256: digest, path: join(quadletDir, f.name), kind: "asset" });
        }
      }
      // Drop-ins and other files an older version had and this one dropped.
      const keep = new Set(records.map((r) => r.path));
      for (const p of previous ?? []) {
        if (p.kind === "asset" && p.path && !keep.has(p.path)) await removeIfExists(p.path);
      }
      await removeEmptyDropinDirs(quadletDir, previous ?? []);
      return records;
    },
    async remove(_name, files) {
      await rm(files.filter((f) => f.kind === "quadlet").map((f) => f.name));
      for (const f of files) {
        if (f.kind === "asset" && f.path) await removeIfExists(f.path);
      }
      await removeEmptyDropinDirs(quadletDir, files);
    },
  };
}
