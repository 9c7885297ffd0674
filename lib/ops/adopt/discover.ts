/**
 * Quadlets on this host that no set owns (written by hand, or installed
 * with podman before leger), grouped the way podman groups them:
 *
 * - podman 6: a sub-folder of the quadlet folder is one application (its
 *   `App` in `podman quadlet list`);
 * - podman 5.6-5.8: a hidden `.<app>.app` file at the top of the quadlet
 *   folder lists an application's members (podman 6 ignores these);
 * - otherwise each unit with everything it reaches through `Volume=`,
 *   `Network=`, `Pod=`, `Image=` and `[Unit]` `Requires=`/`After=`/... on
 *   other quadlets of the same folder, and a template with its instances.
 *
 * The groups are read from the files podman itself reads, never from
 * `podman quadlet list`: on podman 5.8 that call fails outright while a
 * template unit is installed (lib/backend/layout.ts), and hand-written
 * hosts often have one.
 *
 * @module
 */
import { basename, dirname, join, relative } from "node:path";
import { appMarker, filesUnder } from "../../backend/layout.ts";
import type { PodmanCapabilities } from "../../host/podman.ts";
import { quadletKind, SECTION_OF, templateOf, unitNameOf } from "../../quadlet/kinds.ts";
import { summarizeSet } from "../../quadlet/model.ts";
import { listValues, parseUnit } from "../../quadlet/parse.ts";
import type { Manifest } from "../../state/manifest.ts";

/** One file of an unowned group. */
export interface FoundFile {
  /** Name inside the group (`web.container`, `web.container.d/10-env.conf`, `web.env`). */
  name: string;
  /** Where it is. */
  path: string;
  /** A quadlet unit file, or another file the units use (drop-in, env file, ...). */
  kind: "quadlet" | "asset";
}

/** How podman groups the files of an {@linkcode UnownedGroup}. */
export type Grouping = "app" | "folder" | "dependencies";

/** Quadlets no set owns that belong together. */
export interface UnownedGroup {
  /** The set name `leger adopt` gives them. */
  name: string;
  /** podman 5.x application (`.NAME.app`), podman 6 application folder, or a dependency closure. */
  grouping: Grouping;
  /** The folder the files are named from. */
  dir: string;
  files: FoundFile[];
  /** systemd units they make (template instances included, templates excluded). */
  units: string[];
}

/** What {@linkcode findUnowned} needs to know of the host. */
export interface DiscoverInput {
  quadletDir: string;
  caps: Pick<PodmanCapabilities, "quadletCommand" | "quadletApplication">;
  manifests: readonly Manifest[];
}

const ORDER = ["container", "kube", "pod", "build", "image", "network", "volume", "artifact"];
const UNIT_KEYS = ["Requires", "Wants", "After", "Before", "BindsTo", "Requisite", "PartOf", "Upholds"];

/** A set name made of a file's base name (`web@.container` -> `web`). */
function nameOf(file: string): string {
  const base = file.slice(0, file.lastIndexOf(".")).replace(/@.*$/, "");
  const clean = base.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 63);
  return clean && clean !== "all" ? clean : "adopted";
}

/** The members a podman 5.x `.NAME.app` file lists (one file name a line). */
async function appMembers(quadletDir: string): Promise<Map<string, string>> {
  const byFile = new Map<string, string>();
  for await (const e of Deno.readDir(quadletDir)) {
    const m = /^\.(.+)\.app$/.exec(e.name);
    if (!e.isFile || !m) continue;
    const text = await Deno.readTextFile(join(quadletDir, e.name)).catch(() => "");
    for (const line of text.split("\n")) if (line.trim()) byFile.set(line.trim(), m[1]!);
  }
  return byFile;
}

/** Files under `dir` (relative to it) that are not in `owned`. */
async function unownedUnder(dir: string, owned: Set<string>): Promise<string[]> {
  return (await filesUnder(dir)).filter((rel) => !owned.has(join(dir, rel)));
}

/** True for a top-level unit file of a folder (not a drop-in, not hidden). */
function isUnitFile(rel: string): boolean {
  const parts = rel.split("/");
  const base = parts.at(-1)!;
  return !base.startsWith(".") && quadletKind(base) !== undefined && !parts.slice(0, -1).some((p) => p.endsWith(".d"));
}

/** Which other unit files of `names` the unit file `file` (text `text`) reaches. */
function reaches(file: string, text: string, byUnit: Map<string, string>, names: Set<string>): string[] {
  const unit = parseUnit(text, file);
  const out: string[] = [];
  const section = SECTION_OF[quadletKind(file)!];
  for (const key of ["Volume", "Network", "Pod", "Image", "Mount"]) {
    for (const v of listValues(unit, section, key)) {
      for (const part of v.split(/[:,=]/)) if (names.has(part.trim())) out.push(part.trim());
    }
  }
  for (const key of UNIT_KEYS) {
    for (const v of listValues(unit, "Unit", key)) {
      for (const u of v.split(/\s+/)) {
        const f = byUnit.get(u);
        if (f) out.push(f);
      }
    }
  }
  const tpl = templateOf(file);
  if (tpl && names.has(tpl)) out.push(tpl);
  return out;
}

/** Groups the unit files of one folder by what they reach (connected components). */
function closures(files: Map<string, string>): string[][] {
  const names = new Set(files.keys());
  const byUnit = new Map<string, string>();
  for (const [f, text] of files) byUnit.set(unitNameOf(f, parseUnit(text, f)), f);
  const parent = new Map([...names].map((n) => [n, n]));
  const find = (n: string): string => {
    while (parent.get(n) !== n) n = parent.get(n)!;
    return n;
  };
  for (const [f, text] of files) {
    for (const g of reaches(f, text, byUnit, names)) parent.set(find(g), find(f));
  }
  const groups = new Map<string, string[]>();
  for (const n of [...names].sort()) groups.set(find(n), [...(groups.get(find(n)) ?? []), n]);
  return [...groups.values()];
}

/** The group's leading unit file: a container (or kube, pod, ...) before what it uses. */
function leader(units: string[]): string {
  const rank = (f: string) => ORDER.indexOf(quadletKind(f)!);
  return [...units].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0]!;
}

/**
 * A group's files: its unit files, their drop-in folders, and the files
 * they name relative to their folder (`EnvironmentFile=`, `Yaml=`, ...).
 */
function groupFiles(dir: string, units: string[], rest: string[], texts: Map<string, string>) {
  const files: FoundFile[] = units.map((u) => ({ name: u, path: join(dir, u), kind: "quadlet" }));
  for (const u of units) {
    for (const r of rest) if (r.startsWith(`${u}.d/`)) files.push({ name: r, path: join(dir, r), kind: "asset" });
  }
  const summary = summarizeSet([...texts].filter(([n]) => units.includes(n)).map(([name, text]) => ({ name, text })));
  for (const ref of summary.references) {
    if (rest.includes(ref) && !files.some((f) => f.name === ref)) {
      files.push({ name: ref, path: join(dir, ref), kind: "asset" });
    }
  }
  const units2 = summarizeSet(
    files.filter((f) => f.kind === "quadlet" || f.name.includes(".d/")).map((f) => ({
      name: f.name,
      text: texts.get(f.name) ?? "",
    })),
  ).units;
  return { files: files.sort((a, b) => a.name.localeCompare(b.name)), units: units2 };
}

/** Every group of quadlet files in the quadlet folder that no installed set owns. */
export async function findUnowned(input: DiscoverInput): Promise<UnownedGroup[]> {
  const { quadletDir, caps } = input;
  const owned = new Set<string>();
  for (const m of input.manifests) {
    for (const f of m.files) if (f.path) owned.add(f.path);
    owned.add(appMarker(quadletDir, m.name));
  }
  const all = await unownedUnder(quadletDir, owned);
  if (all.length === 0) return [];
  const markers = caps.quadletCommand && !caps.quadletApplication ? await appMembers(quadletDir) : new Map();
  // Folders whose unit files are grouped together, each with its files relative to it.
  const folders = new Map<string, string[]>();
  for (const rel of all) {
    const parts = rel.split("/");
    // A drop-in folder (`web.container.d/`) belongs to the folder its unit is in.
    const dropin = parts.slice(0, -1).findIndex((p) => p.endsWith(".d"));
    const home = dropin < 0 ? dirname(rel) : parts.slice(0, dropin).join("/") || ".";
    const dir = caps.quadletApplication && rel.includes("/") && !(dropin === 0) ? parts[0]! : home;
    folders.set(dir, [...(folders.get(dir) ?? []), relative(dir === "." ? "" : dir, rel) || rel]);
  }
  const groups: UnownedGroup[] = [];
  for (const [folder, rels] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    const dir = folder === "." ? quadletDir : join(quadletDir, folder);
    const unitRels = rels.filter((r) => isUnitFile(r) && !r.includes("/"));
    if (unitRels.length === 0) continue;
    const texts = new Map<string, string>();
    for (const r of rels) {
      if (isUnitFile(basename(r)) || r.includes(".d/")) {
        texts.set(r, await Deno.readTextFile(join(dir, r)).catch(() => ""));
      }
    }
    const rest = rels.filter((r) => !unitRels.includes(r));
    const push = (name: string, grouping: Grouping, units: string[]) => {
      const g = groupFiles(dir, units, rest, texts);
      if (grouping !== "dependencies") {
        // An application owns every file podman put in it, used or not.
        for (const r of rest.filter((r) => grouping === "folder" || markers.get(r) === name)) {
          if (!g.files.some((f) => f.name === r)) g.files.push({ name: r, path: join(dir, r), kind: "asset" });
        }
        g.files.sort((a, b) => a.name.localeCompare(b.name));
      }
      groups.push({ name, grouping, dir, ...g });
    };
    if (caps.quadletApplication && folder !== ".") {
      push(folder, "folder", unitRels);
      continue;
    }
    const inApp = new Map<string, string[]>();
    const loose = new Map<string, string>();
    for (const u of unitRels) {
      const app = folder === "." ? markers.get(u) : undefined;
      if (app) inApp.set(app, [...(inApp.get(app) ?? []), u]);
      else loose.set(u, texts.get(u) ?? "");
    }
    for (const [app, units] of inApp) push(app, "app", units);
    for (const units of closures(loose)) push(nameOf(leader(units)), "dependencies", units);
  }
  // Two groups named alike (the same unit in two folders): the second gets a suffix.
  const seen = new Map<string, number>();
  for (const g of groups) {
    const n = (seen.get(g.name) ?? 0) + 1;
    seen.set(g.name, n);
    if (n > 1) g.name = `${g.name}-${n}`;
  }
  return groups;
}
