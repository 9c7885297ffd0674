/**
 * What a change of files means for units: which ones start, stop or
 * restart. A unit restarts when its file, one of its drop-ins, a file it
 * reads (EnvironmentFile=, Yaml=, ConfigMap=, a build's File=; any file of
 * the set for a build whose context is the set's folder) or a quadlet it
 * refers to (a .volume, .network, .pod, .image or .build) changed.
 *
 * @module
 */
import { dropinDirsFor, planDropins } from "../../quadlet/dropins.ts";
import { summarizeSet } from "../../quadlet/model.ts";
import { quadletKind, type SetFile } from "../../quadlet/kinds.ts";
import { parseUnit } from "../../quadlet/parse.ts";
import { type SetUnit, setUnits, unitFilesOf } from "../../quadlet/units.ts";

/** Which files were added, removed and changed. */
export interface FileChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Compares two versions of a set's files. */
export function fileChanges(before: readonly SetFile[], after: readonly SetFile[]): FileChanges {
  const a = new Map(before.map((f) => [f.name, f.text]));
  const b = new Map(after.map((f) => [f.name, f.text]));
  return {
    added: [...b.keys()].filter((n) => !a.has(n)).sort(),
    removed: [...a.keys()].filter((n) => !b.has(n)).sort(),
    changed: [...b.keys()].filter((n) => a.has(n) && a.get(n) !== b.get(n)).sort(),
  };
}

/** Units to stop, start and restart when going from `before` to `after`. */
export interface UnitImpact {
  stop: string[];
  start: string[];
  restart: string[];
}

/**
 * Keys whose value names a file the unit reads, relative to its folder: env files, a kube's YAML and config
 * maps, a build's Containerfile (`[Build] File=`).
 */
const READS_FILE = new Set(["EnvironmentFile", "Yaml", "ConfigMap", "File"]);

function refsOf(file: SetFile): string[] {
  const unit = parseUnit(file.text, file.name);
  const out: string[] = [];
  for (const s of unit.sections) {
    for (const e of s.entries) {
      for (const word of e.value.split(/[\s:,=]+/)) {
        if (quadletKind(word) && !word.includes("/")) out.push(word);
        else if (!word.startsWith("/") && word !== "" && READS_FILE.has(e.key)) {
          out.push(word.replace(/^\.\//, ""));
        }
      }
    }
  }
  return out;
}

/**
 * A build whose context is the set's folder (`SetWorkingDirectory=unit`, or `file` with a Containerfile there):
 * every file of the set may be copied into the image, so a change to any of them is a change to the build.
 */
function buildsFromSetFolder(file: SetFile): boolean {
  if (quadletKind(file.name) !== "build") return false;
  const unit = parseUnit(file.text, file.name);
  const value = (key: string) =>
    unit.sections.filter((s) => s.name === "Build").flatMap((s) => s.entries)
      .filter((e) => e.key === key).pop()?.value.trim();
  const dir = value("SetWorkingDirectory");
  return dir === "unit" || (dir === "file" && !(value("File") ?? "").includes("/"));
}

/**
 * The drop-in folders podman reads for a unit file, most specific first:
 * `web-app.container.d`, the dash-truncated `web-.container.d`, a
 * template's `web@.container.d`, and the type-level `container.d`.
 */
export function dropinDirsOf(fileName: string): string[] {
  return quadletKind(fileName) ? dropinDirsFor(fileName) : [];
}

/** Sorts unit names in the order of `reference` (start order); unknown ones last. */
function inOrder(units: string[], reference: string[]): string[] {
  const at = (u: string) => (reference.includes(u) ? reference.indexOf(u) : reference.length);
  return [...new Set(units)].sort((a, b) => at(a) - at(b) || a.localeCompare(b));
}

/**
 * Works out the unit impact of a change. Bundles count as the unit files
 * they hold; units are compared by name, so a template's instances start,
 * stop and restart one by one (a changed template restarts the instances
 * made from it, a changed `DefaultInstance=` stops the old one and starts
 * the new one).
 */
export function unitImpact(beforeFiles: readonly SetFile[], afterFiles: readonly SetFile[]): UnitImpact {
  const before = unitFilesOf(beforeFiles);
  const after = unitFilesOf(afterFiles);
  const changes = fileChanges(before, after);
  const touched = new Set([...changes.added, ...changes.removed, ...changes.changed]);
  const quadletsAfter = after.filter((f) => quadletKind(f.name) && !f.name.includes("/"));
  // The drop-ins that apply to each unit, before and after (only *.conf files in folders the unit searches count).
  const planA = planDropins(before.map((f) => f.name));
  const planB = planDropins(after.map((f) => f.name));
  const dirty = new Set<string>();
  // A file is dirty if it, its drop-ins or what it reads changed.
  for (const f of quadletsAfter) {
    const dropins = [...(planA.byUnit.get(f.name) ?? []), ...(planB.byUnit.get(f.name) ?? [])];
    if (
      changes.changed.includes(f.name) ||
      dropins.some((d) => touched.has(d)) ||
      refsOf(f).some((r) => touched.has(r) && !quadletKind(r)) ||
      (buildsFromSetFolder(f) && [...touched].some((t) => !quadletKind(t) && !t.includes(".d/")))
    ) dirty.add(f.name);
  }
  // Dependants of dirty or new quadlets restart too (to a fixed point).
  let grew = true;
  while (grew) {
    grew = false;
    for (const f of quadletsAfter) {
      if (dirty.has(f.name)) continue;
      if (refsOf(f).some((r) => dirty.has(r) || changes.added.includes(r))) {
        dirty.add(f.name);
        grew = true;
      }
    }
  }
  const unitsBefore = setUnits(before).units;
  const unitsAfter = setUnits(after).units;
  const had = new Set(unitsBefore.map((u) => u.service));
  const has = new Set(unitsAfter.map((u) => u.service));
  const orderAfter = summarizeSet(after).units;
  const orderBefore = summarizeSet(before).units;
  // A DefaultInstance= unit is made from its template: it restarts when the template (or its drop-ins) changed.
  const changed = (u: SetUnit) => !changes.added.includes(u.file) && dirty.has(u.file);
  return {
    // Dependants stop first: the reverse of the start order.
    stop: inOrder(unitsBefore.filter((u) => !has.has(u.service)).map((u) => u.service), orderBefore).reverse(),
    start: inOrder(unitsAfter.filter((u) => !had.has(u.service)).map((u) => u.service), orderAfter),
    restart: inOrder(unitsAfter.filter((u) => had.has(u.service) && changed(u)).map((u) => u.service), orderAfter),
  };
}
