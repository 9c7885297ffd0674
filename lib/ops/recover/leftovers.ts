/**
 * What an operation that could not be recovered left on the host: files
 * on disk, units systemd still knows, volumes, leger's own records. Shown
 * when a recovery fails, by `leger recover NAME --abandon` before it sets
 * the entry aside, and by `leger doctor`. Looking never changes anything
 * and never throws: a question the host cannot answer is itself a line.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../../engine.ts";
import { volumeNames } from "../../host/podman.ts";
import type { JournalEntry } from "../../state/journal.ts";
import { type Manifest, Manifest as ManifestSchema, manifestPath, readManifest } from "../../state/manifest.ts";
import { setDir } from "../../state/store.ts";

/** One thing left behind. */
export interface Leftover {
  kind: "file" | "unit" | "volume" | "record" | "backup" | "unknown";
  /** Path, unit or volume name. */
  what: string;
  /** Its state, in a few words. */
  detail: string;
}

async function present(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

function manifestOf(data: unknown): Manifest | undefined {
  const parsed = ManifestSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Lists what `entry`'s operation left on the host. */
export async function leftoversOf(engine: Engine, entry: JournalEntry): Promise<Leftover[]> {
  const out: Leftover[] = [];
  const name = entry.name;
  const current = await readManifest(engine.paths, name).catch(() => undefined);
  const recorded = manifestOf(entry.data.manifest);
  const manifests = [current, recorded].filter((m): m is Manifest => m !== undefined);

  const files = new Set<string>();
  for (const m of manifests) for (const f of m.files) if (f.path) files.add(f.path);
  for (const f of strings(entry.data.planned)) {
    for (const p of [join(engine.paths.quadletDir, f), join(engine.paths.quadletDir, name, f)]) files.add(p);
  }
  for (const p of [...files].sort()) if (await present(p)) out.push({ kind: "file", what: p, detail: "on disk" });

  const frozen = strings(entry.data.frozen); // a backup's, until it thawed them (lib/ops/backup/cow/freeze.ts)
  const units = [...new Set([...manifests.flatMap((m) => m.units), ...strings(entry.data.stopped), ...frozen])];
  if (units.length) {
    try {
      for (const s of await engine.systemd.states(units)) {
        if (s.load === "not-found" && s.active === "inactive") continue;
        const paused = frozen.includes(s.unit) ? ", maybe frozen (systemctl thaw)" : "";
        out.push({ kind: "unit", what: s.unit, detail: `${s.active}${s.sub ? ` (${s.sub})` : ""}${paused}` });
      }
    } catch (error) {
      out.push({
        kind: "unknown",
        what: units.join(", "),
        detail: `systemd did not answer: ${(error as Error).message}`,
      });
    }
  }

  const vols = [...new Set(manifests.flatMap((m) => m.volumes.map((v) => v.name)))];
  if (vols.length) {
    try {
      const have = new Set(await volumeNames(engine.$));
      for (const v of vols) if (have.has(v)) out.push({ kind: "volume", what: v, detail: "exists (data kept)" });
    } catch (error) {
      out.push({
        kind: "unknown",
        what: vols.join(", "),
        detail: `podman did not answer: ${(error as Error).message}`,
      });
    }
  }

  for (const key of ["partial", "dir", "preDir"]) {
    const p = entry.data[key];
    if (typeof p === "string" && p && await present(p)) {
      out.push({ kind: "backup", what: p, detail: key === "partial" ? "unfinished backup" : "backup folder" });
    }
  }
  if (current) {
    out.push({ kind: "record", what: manifestPath(engine.paths, name), detail: `leger lists ${name} as installed` });
  }
  if (await present(setDir(engine.paths, name))) {
    out.push({ kind: "record", what: setDir(engine.paths, name), detail: `leger's copy of the files of ${name}` });
  }
  return out;
}

/** The leftovers as text lines for people. */
export function describeLeftovers(items: Leftover[]): string[] {
  if (items.length === 0) return ["nothing of it is left on the host"];
  return items.map((i) => `${i.kind} ${i.what}: ${i.detail}`);
}
