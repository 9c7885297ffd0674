/**
 * What a backup of a set covers, read from its stored files: the podman
 * volumes (`x.volume` units and named volumes in `Volume=`/`Mount=`), the
 * bind mounts of host paths, and the units that use a volume (stopped for
 * a consistent copy).
 *
 * @module
 */
import { join, normalize, resolve } from "node:path";
import { summarizeSet, type VolumeUse } from "../quadlet/model.ts";
import { quadletKind, type SetFile } from "../quadlet/kinds.ts";
import { unitFilesOf } from "../quadlet/units.ts";
import type { CollectedFile } from "../source/collect.ts";
import type { Manifest } from "../state/manifest.ts";

/** What to archive and what to stop. */
export interface BackupPlan {
  /** Podman volumes the set uses, by name. */
  volumes: VolumeUse[];
  /** Host paths bind-mounted (deduplicated). */
  binds: string[];
  /** Units that use one of the volumes (or binds), in start order. */
  consumers: string[];
}

function topLevelQuadlets(files: readonly CollectedFile[]): SetFile[] {
  return unitFilesOf(files).filter((f) => !f.name.includes("/") && quadletKind(f.name));
}

/** Works out the plan from the manifest and the set's stored files. */
export function planBackup(manifest: Manifest, files: readonly CollectedFile[]): BackupPlan {
  const quadlets = topLevelQuadlets(files);
  const summary = summarizeSet(quadlets);
  const volumes = new Map<string, VolumeUse>();
  for (const v of [...manifest.volumes, ...summary.volumes]) {
    if (!volumes.has(v.name)) {
      volumes.set(v.name, v.unitFile ? { name: v.name, unitFile: v.unitFile } : { name: v.name });
    }
  }
  const binds = [...new Set(summary.binds.map((b) => b.hostPath))];
  const names = new Set(volumes.keys());
  const unitFiles = new Set([...volumes.values()].map((v) => v.unitFile).filter(Boolean));
  const users = new Set<string>();
  for (const f of quadlets) {
    const kind = quadletKind(f.name);
    if (kind === "volume" || kind === "network" || kind === "image" || kind === "build") continue;
    const own = summarizeSet([f]);
    // A kube unit's volumes live in its YAML: stop it whenever the set has any.
    const uses = kind === "kube"
      ? names.size > 0
      : own.binds.length > 0 || own.volumes.some((v) => names.has(v.name) || (v.unitFile && unitFiles.has(v.unitFile)));
    if (uses) { for (const u of own.units) users.add(u); }
  }
  return {
    volumes: [...volumes.values()].sort((a, b) => a.name.localeCompare(b.name)),
    binds,
    consumers: manifest.units.filter((u) => users.has(u)),
  };
}

/** Where a set's units live, to resolve `%h` and relative bind sources. */
export interface HostPathContext {
  home?: string;
  quadletDir: string;
  setName: string;
  backend: "native" | "files";
  /** The folder the set's units are in, when known from its records (it depends on podman's layout). */
  unitDir?: string;
}

/**
 * The absolute host path of a bind source as written in a unit (`/srv/x`,
 * `%h/x`, `./x` relative to the unit's folder), or undefined when it uses
 * a specifier leger does not resolve.
 */
export function resolveHostPath(source: string, ctx: HostPathContext): string | undefined {
  if (source.startsWith("/")) return normalize(source);
  if (source === "%h" || source.startsWith("%h/")) {
    return ctx.home ? normalize(join(ctx.home, source.slice(2))) : undefined;
  }
  if (source.startsWith("%")) return undefined;
  const unitDir = ctx.unitDir ?? (ctx.backend === "files" ? join(ctx.quadletDir, ctx.setName) : ctx.quadletDir);
  return resolve(unitDir, source);
}
