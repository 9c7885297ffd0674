/**
 * Drop-in files as podman's generator finds them. For `foo-bar@x.container`
 * it searches, most specific first: `foo-bar@x.container.d`, the template's
 * `foo-bar@.container.d`, the truncations of the unit name at each dash
 * (`foo-@.container.d`, `foo-.container.d`) and the type-level
 * `container.d`. Only `*.conf` files count;
 * a name found in a more specific folder hides the same name further up;
 * the files are merged in alphabetical order of their names.
 *
 * @module
 */
import { quadletKind } from "./kinds.ts";

/** The drop-in folders searched for a unit file, most specific first. */
export function dropinDirsFor(unitFile: string): string[] {
  const dot = unitFile.lastIndexOf(".");
  const ext = unitFile.slice(dot);
  const base = unitFile.slice(0, dot);
  const at = base.indexOf("@");
  const unitName = at < 0 ? base : base.slice(0, at);
  const instance = at < 0 ? "" : base.slice(at + 1);
  const isTemplate = at >= 0;
  const dirExt = `${ext}.d`;
  const broadFirst = [dirExt.slice(1)];
  const parts = unitName.split("-");
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join("-") + "-";
    broadFirst.push(prefix + dirExt);
    if (isTemplate) broadFirst.push(`${prefix}@${dirExt}`);
  }
  if (instance !== "") broadFirst.push(`${unitName}@${dirExt}`);
  broadFirst.push(`${unitFile}.d`);
  return broadFirst.reverse();
}

/** Splits `dir/file` names; top-level names have dir "". */
function splitName(name: string): { dir: string; file: string } {
  const slash = name.lastIndexOf("/");
  return slash < 0 ? { dir: "", file: name } : { dir: name.slice(0, slash), file: name.slice(slash + 1) };
}

/** Where drop-ins apply and which ones apply nowhere. */
export interface DropinPlan {
  /** Unit file name -> drop-in file names (`dir.d/x.conf`) in merge order. */
  byUnit: Map<string, string[]>;
  /** Drop-in folders (`x.container.d`) that no unit of the set searches. */
  orphanDirs: string[];
  /** Files in drop-in folders that podman ignores (not `*.conf`). */
  ignored: string[];
  /** Drop-in file names hidden by a more specific file of the same name, with the file that wins. */
  shadowed: Array<{ unit: string; file: string; by: string }>;
}

/** True for a folder name podman could search for drop-ins (`*.<kind>.d` or `<kind>.d`). */
export function isDropinDir(dir: string): boolean {
  if (!dir.endsWith(".d") || dir.includes("/")) return false;
  const inner = dir.slice(0, -2);
  return quadletKind(inner) !== undefined || quadletKind(`x.${inner}`) !== undefined;
}

/** Plans the drop-ins of a set given all its file names. */
export function planDropins(names: readonly string[], extraUnits: readonly string[] = []): DropinPlan {
  const dirs = new Map<string, string[]>();
  const ignored: string[] = [];
  const units: string[] = [];
  for (const name of names) {
    const { dir, file } = splitName(name);
    if (dir === "") {
      if (quadletKind(file)) units.push(file);
      continue;
    }
    if (!isDropinDir(dir)) continue;
    if (!file.endsWith(".conf")) {
      ignored.push(name);
      continue;
    }
    dirs.set(dir, [...(dirs.get(dir) ?? []), file]);
  }
  const used = new Set<string>();
  const byUnit = new Map<string, string[]>();
  const shadowed: DropinPlan["shadowed"] = [];
  for (const unit of [...units, ...extraUnits]) {
    const chosen = new Map<string, string>();
    for (const dir of dropinDirsFor(unit)) {
      const files = dirs.get(dir);
      if (!files) continue;
      used.add(dir);
      for (const f of files) {
        const path = `${dir}/${f}`;
        const winner = chosen.get(f);
        if (winner) shadowed.push({ unit, file: path, by: winner });
        else chosen.set(f, path);
      }
    }
    if (chosen.size > 0 && units.includes(unit)) {
      byUnit.set(unit, [...chosen.keys()].sort().map((f) => chosen.get(f)!));
    }
  }
  const orphanDirs = [...dirs.keys()].filter((d) => !used.has(d)).sort();
  return { byUnit, orphanDirs, ignored, shadowed };
}
