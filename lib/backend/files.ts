/**
 * The file backend: a set lives in its own folder inside the quadlet
 * folder (`~/.config/containers/systemd/<set>/`), which the generator
 * reads recursively. Works with every podman that has quadlet (4.4+).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { atomicWrite, removeIfExists, sha256 } from "../core/fs.ts";
import { quadletKind } from "../quadlet/kinds.ts";
import type { FileRecord } from "../state/manifest.ts";
import { type Backend, isMetaFile } from "./backend.ts";

/** Makes the file backend for a quadlet folder. */
export function filesBackend(quadletDir: string): Backend {
  return {
    kind: "files",
    pathOf: (name, file) => isMetaFile(file) ? "" : join(quadletDir, name, file),
    async install(name, files, previous) {
      const dir = join(quadletDir, name);
      const records: FileRecord[] = [];
      for (const f of files) {
        if (isMetaFile(f.name)) {
          records.push({ name: f.name, sha256: await sha256(f.bytes), path: "", kind: "meta" });
          continue;
        }
        const path = join(dir, f.name);
        await atomicWrite(path, f.bytes, { mode: 0o644, dirMode: 0o755 });
        records.push({
          name: f.name,
          sha256: await sha256(f.bytes),
          path,
          kind: quadletKind(f.name) && !f.name.includes("/") ? "quadlet" : "asset",
        });
      }
      const keep = new Set(records.map((r) => r.path));
      for (const old of previous ?? []) {
        if (old.path && !keep.has(old.path)) await removeIfExists(old.path);
      }
      const dirs = new Set((previous ?? []).filter((p) => p.path && p.name.includes("/")).map((p) => dirname(p.path)));
      for (const d of dirs) await Deno.remove(d).catch(() => {}); // only when empty
      return records;
    },
    async remove(name, files) {
      for (const f of files) if (f.path) await removeIfExists(f.path);
      // drop-in folders and the set folder go when empty
      const dirs = new Set(files.filter((f) => f.path).map((f) => dirname(f.path)));
      for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
        await Deno.remove(d).catch(() => {});
      }
      await Deno.remove(join(quadletDir, name)).catch(() => {});
    },
  };
}
