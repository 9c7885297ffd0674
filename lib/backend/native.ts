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
import { type PodmanCapabilities, podman, quadletList } from "../podman.ts";
import { quadletKind } from "../quadlet/model.ts";
import type { Shell } from "../shell.ts";
import type { CollectedFile } from "../source/collect.ts";
import type { FileRecord } from "../state/manifest.ts";
import { type Backend, isMetaFile } from "./backend.ts";

/** Makes the native backend. */
export function nativeBackend($: Shell, caps: PodmanCapabilities, quadletDir: string): Backend {
  async function rm(names: string[]) {
    if (names.length === 0) return;
    await podman($, ["quadlet", "rm", "--force", "--ignore", "--reload-systemd=false", ...names], `remove ${names.join(" ")}`);
  }
  return {
    kind: "native",
    async install(name, files, previous) {
      const top = files.filter((f) => !f.name.includes("/") && !isMetaFile(f.name));
      const dropins = files.filter((f) => f.name.includes("/"));
      if (!top.some((f) => quadletKind(f.name) || f.name.endsWith(".quadlets"))) {
        throw new LegerError(`Cannot install ${name}: no quadlet file at the top of the set`);
      }
      // podman names the application after the folder: stage one named like the set.
      const tmp = await Deno.makeTempDir({ prefix: "leger-native-" });
      const stage = join(tmp, name);
      try {
        await Deno.mkdir(stage);
        for (const f of top) await Deno.writeFile(join(stage, f.name), f.bytes);
        const replacing = (previous ?? []).some((p) => p.kind === "quadlet");
        if (replacing && !caps.quadletReplace) {
          // podman 5.6 has no --replace: take the old files away first.
          await rm(previous!.filter((p) => p.kind === "quadlet").map((p) => p.name));
        }
        const args = ["quadlet", "install", "--reload-systemd=false"];
        if (replacing && caps.quadletReplace) args.push("--replace");
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
          records.push({ name: f.name, sha256: digest, path: byName.get(f.name) ?? join(quadletDir, f.name), kind: "quadlet" });
        } else {
          records.push({ name: f.name, sha256: digest, path: join(quadletDir, f.name), kind: "asset" });
        }
      }
      // Files an older version had and this one dropped: podman --replace keeps them.
      const now = new Set(files.map((f) => f.name));
      const dropped = (previous ?? []).filter((p) => !now.has(p.name) && p.kind !== "meta");
      await rm(dropped.filter((p) => p.kind === "quadlet").map((p) => p.name));
      for (const p of dropped) if (p.kind === "asset" && p.path) await removeIfExists(p.path);
      void dropins;
      return records;
    },
    async remove(_name, files) {
      await rm(files.filter((f) => f.kind === "quadlet").map((f) => f.name));
      for (const f of files) {
        if (f.kind === "asset" && f.path) await removeIfExists(f.path);
      }
      const dirs = new Set(files.filter((f) => f.name.includes("/")).map((f) => dirname(f.path)));
      for (const d of dirs) await Deno.remove(d).catch(() => {});
    },
  };
}
