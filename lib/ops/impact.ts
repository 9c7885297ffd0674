/**
 * What a change of files means for units: which ones start, stop or
 * restart. A unit restarts when its file, one of its drop-ins, a file it
 * reads (EnvironmentFile=, Yaml=) or a quadlet it refers to (a .volume,
 * .network, .pod, .image or .build) changed.
 *
 * @module
 */
import { isTemplate, quadletKind, type SetFile, unitNameOf } from "../quadlet/model.ts";
import { parseUnit } from "../quadlet/parse.ts";

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

function refsOf(file: SetFile): string[] {
  const unit = parseUnit(file.text, file.name);
  const out: string[] = [];
  for (const s of unit.sections) {
    for (const e of s.entries) {
      for (const word of e.value.split(/[\s:,=]+/)) {
        if (quadletKind(word) && !word.includes("/")) out.push(word);
        else if (!word.startsWith("/") && word !== "" && ["EnvironmentFile", "Yaml", "ConfigMap"].includes(e.key)) {
          out.push(word.replace(/^\.\//, ""));
        }
      }
    }
  }
  return out;
}

/**
 * The drop-in folders podman reads for a unit file: `web-app.container.d`,
 * the dash-truncated `web-.container.d`, a template's `web@.container.d`,
 * and the type-level `container.d`.
 */
export function dropinDirsOf(fileName: string): string[] {
  const kind = quadletKind(fileName);
  if (!kind) return [];
  const base = fileName.slice(0, fileName.lastIndexOf("."));
  const out = [`${fileName}.d`];
  const at = base.indexOf("@");
  if (at >= 0 && at < base.length - 1) out.push(`${base.slice(0, at + 1)}.${kind}.d`);
  for (let i = base.length - 1; i > 0; i--) if (base[i] === "-") out.push(`${base.slice(0, i + 1)}.${kind}.d`);
  out.push(`${kind}.d`);
  return out;
}

/** Works out the unit impact of a change. */
export function unitImpact(before: readonly SetFile[], after: readonly SetFile[]): UnitImpact {
  const changes = fileChanges(before, after);
  const touched = new Set([...changes.added, ...changes.removed, ...changes.changed]);
  const quadletsAfter = after.filter((f) => quadletKind(f.name) && !f.name.includes("/") && !isTemplate(f.name));
  const quadletsBefore = before.filter((f) => quadletKind(f.name) && !f.name.includes("/") && !isTemplate(f.name));
  const dirty = new Set<string>();
  // A file is dirty if it, its drop-ins or what it reads changed.
  for (const f of quadletsAfter) {
    const dropins = dropinDirsOf(f.name);
    if (
      changes.changed.includes(f.name) ||
      [...touched].some((n) => dropins.some((d) => n.startsWith(d + "/"))) ||
      refsOf(f).some((r) => touched.has(r) && !quadletKind(r))
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
  const isNew = (n: string) => changes.added.includes(n);
  return {
    stop: quadletsBefore.filter((f) => changes.removed.includes(f.name)).map((f) => unitNameOf(f.name, parseUnit(f.text, f.name))),
    start: quadletsAfter.filter((f) => isNew(f.name)).map((f) => unitNameOf(f.name, parseUnit(f.text, f.name))),
    restart: quadletsAfter.filter((f) => !isNew(f.name) && dirty.has(f.name)).map((f) => unitNameOf(f.name, parseUnit(f.text, f.name))),
  };
}
