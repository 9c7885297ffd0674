/**
 * The fake host's quadlet generator, as `systemctl daemon-reload` runs it:
 * turns the quadlet folder into units (recursively, with drop-ins),
 * refusing what the real generator refuses, and looks units up (template
 * instances made on demand).
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { all, type Ini, KIND_SINCE, kindOf, last, parseIni, sectionOf, serviceNameOf } from "../fake_host_ini.ts";
import { type Ctx, log, manager, nextPid, type UnitRecord, versionAtLeast } from "../fake_host_state.ts";
// ---------------------------------------------------------------- generator

function walk(dir: string, out: string[]): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory && !e.name.endsWith(".d")) walk(path, out);
    else if ((e.isFile || e.isSymlink) && kindOf(e.name)) out.push(path);
  }
}

function dropins(path: string, ini: Ini): Ini {
  const file = basename(path);
  const kind = kindOf(file)!;
  const base = file.slice(0, file.lastIndexOf("."));
  const dirs = [`${kind}.d`];
  // foo-bar.container reads foo-.container.d too, like systemd's prefix drop-ins
  const dash = base.split("-");
  for (let i = 1; i < dash.length; i++) dirs.push(`${dash.slice(0, i).join("-")}-.${kind}.d`);
  dirs.push(`${file}.d`);
  const confs = new Map<string, string>();
  for (const d of dirs) {
    try {
      for (const e of Deno.readDirSync(join(dirname(path), d))) {
        if (e.name.endsWith(".conf")) confs.set(e.name, join(dirname(path), d, e.name));
      }
    } catch { /* no such drop-in folder */ }
  }
  for (const name of [...confs.keys()].sort()) parseIni(Deno.readTextFileSync(confs.get(name)!), ini);
  return ini;
}

const REF_KEYS: Record<string, string[]> = {
  Container: ["Image", "Network", "Pod", "Volume", "Mount"],
  Pod: ["Network", "Volume"],
  Kube: ["Network"],
  Volume: ["Image"],
  Build: ["Network", "Volume"],
};

/** The quadlet files a unit file names (`data.volume`, `net.network`, ...). */
export function referencedQuadlets(kind: string, ini: Ini): string[] {
  const section = sectionOf(kind);
  const out: string[] = [];
  for (const key of REF_KEYS[section] ?? []) {
    for (const v of all(ini, section, key)) {
      let ref = v;
      if (key === "Mount") ref = /(?:source|src)=([^,]+)/.exec(v)?.[1] ?? "";
      else if (key === "Volume" || key === "Network") ref = v.split(":")[0]!;
      if (/\.(volume|network|pod|image|build)$/.test(ref)) out.push(ref);
    }
  }
  return out;
}

function validate(path: string, kind: string, ini: Ini, names: Set<string>): string | undefined {
  const s = sectionOf(kind);
  if (!ini[s] && kind !== "volume" && kind !== "network") return `missing '${s}' section`;
  if (kind === "container") {
    const image = last(ini, s, "Image");
    const rootfs = last(ini, s, "Rootfs");
    if (!image && !rootfs) return "no Image or Rootfs key specified";
    if (image && rootfs) return "the Image And Rootfs keys conflict can not be specified together";
  }
  if (kind === "kube" && !last(ini, s, "Yaml")) return "no Yaml key specified";
  if (kind === "image" && !last(ini, s, "Image")) return "no Image key specified";
  if (kind === "build" && !last(ini, s, "ImageTag")) return "no ImageTag key specified";
  if (kind === "build" && !last(ini, s, "File") && !last(ini, s, "SetWorkingDirectory")) {
    return "neither SetWorkingDirectory, nor File key specified";
  }
  for (const ref of referencedQuadlets(kind, ini)) {
    if (!names.has(ref)) return `requested Quadlet source ${ref} was not found`;
  }
  void path;
  return undefined;
}

/** `systemctl daemon-reload`: runs the generator over the quadlet folder. */
export function daemonReload(ctx: Ctx): void {
  const { state } = ctx;
  state.reloads++;
  state.generatorErrors = [];
  const generated = new Map<string, { source: string; kind: string; def: Ini }>();
  if (versionAtLeast(state.podmanVersion, 4, 4)) {
    const files: string[] = [];
    walk(state.quadletDir, files);
    const usable = files.filter((f) => {
      const [maj, min] = KIND_SINCE[kindOf(basename(f))!]!;
      return versionAtLeast(state.podmanVersion, maj, min);
    });
    const names = new Set(usable.map((f) => basename(f)));
    for (const path of usable) {
      const file = basename(path);
      const kind = kindOf(file)!;
      let ini: Ini;
      try {
        ini = dropins(path, parseIni(Deno.readTextFileSync(path)));
      } catch (error) {
        state.generatorErrors.push(`converting "${file}": ${(error as Error).message}`);
        continue;
      }
      const problem = validate(path, kind, ini, names);
      if (problem) {
        const msg = `converting "${file}": ${problem}`;
        state.generatorErrors.push(msg);
        log(ctx, "", "quadlet-generator[" + nextPid(ctx) + "]", msg);
        continue;
      }
      const unit = serviceNameOf(file, ini);
      if (generated.has(unit)) continue; // first found wins, like the generator's search order
      // systemd expands %i/%I of an instance (web@two.service) when it runs it.
      const inst = /^[^@]+@(.+)\.service$/.exec(unit)?.[1];
      const def = inst ? JSON.parse(JSON.stringify(ini).replaceAll("%i", inst).replaceAll("%I", inst)) as Ini : ini;
      generated.set(unit, { source: path, kind, def });
    }
  }
  for (const [name, u] of Object.entries(state.units)) {
    if (generated.has(name)) continue;
    const tpl = u.template ? generated.get(u.template) : undefined;
    if (tpl) {
      // An instance of a template reads the template as it is now, as systemd does after a reload.
      const inst = /^[^@]+@(.+)\.service$/.exec(name)![1]!;
      u.source = tpl.source;
      u.kind = tpl.kind;
      u.def = JSON.parse(JSON.stringify(tpl.def).replaceAll("%i", inst).replaceAll("%I", inst));
      continue;
    }
    delete u.template;
    if (u.active === "inactive" || u.active === "failed") delete state.units[name];
    else {
      delete u.source;
      delete u.def;
      delete u.kind;
    }
  }
  for (const [name, g] of generated) {
    const u = state.units[name] ??= blankUnit(name, ctx.now);
    u.source = g.source;
    u.kind = g.kind;
    u.def = g.def;
  }
  log(ctx, "", manager(ctx), "Reloading requested from client PID " + nextPid(ctx) + " ('systemctl')...");
  log(ctx, "", manager(ctx), "Reloading finished.");
}

function blankUnit(name: string, now: number): UnitRecord {
  return { name, active: "inactive", sub: "dead", result: "success", nRestarts: 0, mainPid: 0, since: now, burst: 0 };
}

/** The unit record, creating an instance of a template when one is asked for. */
export function lookup(ctx: Ctx, name: string): UnitRecord | undefined {
  const u = ctx.state.units[name];
  if (u && (u.def || u.active !== "inactive")) return u;
  const m = /^(.+)@(.+)\.service$/.exec(name);
  if (m) {
    const tpl = ctx.state.units[`${m[1]}@.service`];
    if (tpl?.def) {
      const inst = u ?? blankUnit(name, ctx.now);
      inst.template = tpl.name;
      inst.source = tpl.source!;
      inst.kind = tpl.kind!;
      inst.def = JSON.parse(JSON.stringify(tpl.def).replaceAll("%i", m[2]!).replaceAll("%I", m[2]!));
      ctx.state.units[name] = inst;
      return inst;
    }
  }
  return u;
}

/** Whether a unit is loaded (a unit file was found for it). */
export function loaded(u: UnitRecord | undefined): boolean {
  return u?.def !== undefined;
}

/** The Description= systemd shows for a unit. */
export function description(u: UnitRecord): string {
  const d = last(u.def, "Unit", "Description");
  return d ? `${u.name} - ${d}` : u.name;
}
