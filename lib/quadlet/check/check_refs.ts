/**
 * References between units and to files: `Network=x.network`,
 * `Volume=x.volume:/p`, `Pod=x.pod`, `Image=x.image|x.build`, `Mount=`
 * sources, `[Unit]` dependencies on quadlet files, `Yaml=`,
 * `EnvironmentFile=`, `ConfigMap=` and `File=` paths; ordering cycles.
 *
 * @module
 */
import type { DiagnosticSink, HostProbe } from "../diagnostic.ts";
import { UNIT_DEPENDENCY_KEYS } from "../keys.ts";
import { quadletKind } from "../kinds.ts";
import { hasInlineComment, listEntries as allEntries, type ParsedUnit, type UnitEntry } from "../parse.ts";
import type { LoadedSet, LoadedUnit } from "../set.ts";
import { lookup } from "../set.ts";
import { splitWords } from "../split.ts";
import { parseMount, parseVolume } from "../value/storage.ts";

/** The entries that count, leaving out values that hold a comment (reported as syntax/inline-comment). */
const listEntries = (u: ParsedUnit, section: string, key: string) =>
  allEntries(u, section, key).filter((e) => !hasInlineComment(e.value));

/** Units of the installed sets, by file name, with the set they belong to. */
export type ForeignUnits = Map<string, { set: string; unit: LoadedUnit; repository?: boolean }>;

interface RefContext {
  set: LoadedSet;
  foreign: ForeignUnits;
  host: HostProbe | undefined;
  sink: DiagnosticSink;
  edges: Map<string, Array<{ to: string; entry: UnitEntry }>>;
  pending: Promise<void>[];
}

const NOUN: Record<string, string> = {
  network: "network",
  container: "container",
  volume: "volume",
  pod: "pod",
  image: "image",
  build: "image",
  artifact: "artifact",
  kube: "unit",
};

function resolve(
  ctx: RefContext,
  from: LoadedUnit,
  target: string,
  e: UnitEntry,
  message: string,
  order: "after" | "before" | "none" = "after",
): LoadedUnit | undefined {
  const kind = quadletKind(target) ?? "container";
  const local = ctx.set.units.get(target);
  const foreign = ctx.foreign.get(target);
  const unit = local ?? foreign?.unit;
  if (!unit) {
    ctx.sink.at(
      e,
      "error",
      `ref/missing-${NOUN[kind]}`,
      message,
      `add ${target} to the set, install the set that defines it, or fix the name`,
      true,
    );
    return undefined;
  }
  if (!unit.loadable) {
    ctx.sink.at(
      e,
      "error",
      "ref/unloadable",
      `${target} has syntax errors, so the generator cannot find it`,
      `fix ${target} first`,
      true,
    );
    return undefined;
  }
  if (!local && foreign) {
    ctx.sink.at(
      e,
      "info",
      "ref/other-set",
      foreign.repository
        ? `${target} comes from the set ${foreign.set} of this repository`
        : `${target} comes from the installed set ${foreign.set}`,
      foreign.repository ? `install ${foreign.set} first` : `removing ${foreign.set} breaks ${from.file}`,
      true,
    );
  }
  if (local && order === "after") ctx.edges.get(from.file)!.push({ to: target, entry: e });
  if (local && order === "before") ctx.edges.get(target)!.push({ to: from.file, entry: e });
  return unit;
}

function checkFileRef(
  ctx: RefContext,
  e: UnitEntry,
  path: string,
  what: string,
  severity: "error" | "warning" = "error",
): void {
  if (path === "" || /^%[^%]/.test(path) || /^[a-z]+:\/\//.test(path)) return;
  if (path.startsWith("/")) {
    const probe = ctx.host?.pathExists;
    if (!probe) {
      if (severity === "error") {
        ctx.sink.at(
          e,
          "info",
          "ref/host-file",
          `${what} ${path} must exist on the host`,
          `create ${path} before installing`,
          true,
        );
      }
      return;
    }
    ctx.pending.push(
      probe(path).then((exists) => {
        if (!exists) {
          ctx.sink.at(
            e,
            "error",
            "host/missing-file",
            `${what} ${path} does not exist on the host`,
            `create ${path}, or fix the path`,
            true,
          );
        }
      }),
    );
    return;
  }
  const rel = path.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  const present = ctx.set.files.has(rel) || [...ctx.set.files.keys()].some((n) => n.startsWith(rel + "/"));
  if (!present) {
    ctx.sink.at(
      e,
      severity,
      "ref/missing-file",
      `${what} ${path} is not in the set${
        severity === "warning" ? "; podman fails to start the unit unless it exists next to the installed unit" : ""
      }`,
      `add ${rel} next to the unit files, or fix the path`,
      true,
    );
  }
}

function checkUnitRefs(ctx: RefContext, unit: LoadedUnit): void {
  const m = unit.merged;
  const sec = unit.section;
  for (const e of listEntries(m, sec, "Network")) {
    const name = e.value.split(":")[0]!;
    if (name === unit.file) {
      ctx.sink.at(
        e,
        "warning",
        "ref/self",
        `${unit.file} joins its own network namespace; podman cannot start it`,
        "remove this Network= or name another container",
        true,
      );
    } else if (name.endsWith(".network") || name.endsWith(".container")) {
      const target = resolve(ctx, unit, name, e, `requested Quadlet unit ${name} was not found`);
      if (target && target.kind === "container" && target.resource === undefined) {
        ctx.sink.at(
          e,
          "error",
          "ref/unresolvable-name",
          `cannot get the resource name of ${name}`,
          `give ${name} a ContainerName= without specifiers`,
          true,
        );
      }
    } else {
      const byName = [...ctx.set.units.values()].find((u) => u.kind === "network" && u.resource === name);
      if (byName) {
        ctx.sink.at(
          e,
          "warning",
          "ref/by-name",
          `Network=${name} names the network ${byName.file} creates, but not the unit: systemd may start ${unit.file} first and podman then fails`,
          `write Network=${byName.file}`,
          true,
        );
      }
    }
  }
  for (const e of listEntries(m, sec, "Volume")) {
    if (unit.kind === "volume") break;
    const v = parseVolume(e.value);
    if (v.kind === "unit") resolve(ctx, unit, v.source, e, `requested Quadlet source ${v.source} was not found`);
    else if (v.kind === "bind") checkFileRef(ctx, e, v.source, "bind-mounted path", "warning");
    else if (v.kind === "named") {
      const byName = [...ctx.set.units.values()].find((u) => u.kind === "volume" && u.resource === v.source);
      if (byName) {
        ctx.sink.at(
          e,
          "info",
          "ref/by-name",
          `Volume=${v.source} uses the volume ${byName.file} creates without depending on it; podman creates it with default options if this unit starts first`,
          `write Volume=${byName.file}:${v.dest}${v.options ? ":" + v.options : ""}`,
          true,
        );
      }
    }
  }
  for (const e of listEntries(m, sec, "Mount")) {
    for (const word of splitWords(e.value, "args").words) {
      const mount = parseMount(word);
      const src = mount.source ?? "";
      if (src.endsWith(".volume") || (mount.type === "image" && src.endsWith(".image")) || src.endsWith(".artifact")) {
        if (["volume", "bind", "glob", "image", "artifact"].includes(mount.type)) {
          resolve(ctx, unit, src, e, `requested Quadlet source ${src} was not found`);
        }
      } else if (mount.type === "bind" && src !== "") checkFileRef(ctx, e, src, "bind-mounted path", "warning");
    }
  }
  const pod = lookup(m, sec, "Pod") ?? "";
  if (unit.kind === "container" && pod.endsWith(".pod")) {
    const e = listEntries(m, sec, "Pod").at(-1)!;
    resolve(ctx, unit, pod, e, `quadlet pod unit ${pod} does not exist`);
  }
  const image = lookup(m, sec, "Image") ?? "";
  if ((unit.kind === "container" || unit.kind === "volume") && /\.(image|build)$/.test(image)) {
    const e = listEntries(m, sec, "Image").at(-1)!;
    resolve(ctx, unit, image, e, `requested Quadlet image ${image} was not found`);
  }
  for (const key of UNIT_DEPENDENCY_KEYS) {
    for (const e of listEntries(m, "Unit", key)) {
      for (const dep of splitWords(e.value, "strv").words) {
        if (quadletKind(dep)) {
          const order = key === "After" ? "after" : key === "Before" ? "before" : "none";
          resolve(ctx, unit, dep, e, `unable to translate dependency for ${dep}`, order);
        } else if (dep.endsWith(".service")) checkServiceDep(ctx, e, dep);
      }
    }
  }
  if (unit.kind === "container" || unit.kind === "kube") {
    for (const e of listEntries(m, sec, "EnvironmentFile")) {
      for (const w of splitWords(e.value, "args").words) checkFileRef(ctx, e, w, "environment file");
    }
  }
  if (unit.kind === "kube") {
    for (const key of ["Yaml", "ConfigMap"]) {
      for (const e of listEntries(m, sec, key)) {
        for (const w of splitWords(e.value, "strv").words) {
          checkFileRef(ctx, e, w, key === "Yaml" ? "kube YAML" : "config map");
        }
      }
    }
  }
  if (unit.kind === "build") {
    const file = listEntries(m, sec, "File").at(-1);
    if (file && !/^(https?|git):\/\/|^github\.com\//.test(file.value)) {
      checkFileRef(ctx, file, file.value, "build file");
    }
  }
}

function checkServiceDep(ctx: RefContext, e: UnitEntry, dep: string): void {
  const known = [...ctx.set.units.values()].some((u) => u.service === dep) ||
    [...ctx.foreign.values()].some((f) => f.unit.service === dep);
  if (known || !ctx.host?.unitExists) return;
  ctx.pending.push(
    ctx.host.unitExists(dep).then((exists) => {
      if (!exists) {
        ctx.sink.at(
          e,
          "warning",
          "ref/unknown-unit",
          `${e.key}=${dep}: no unit ${dep} exists on the host or in the set`,
          "fix the unit name",
          true,
        );
      }
    }),
  );
}

function checkCycles(ctx: RefContext): void {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (file: string) => {
    state.set(file, "visiting");
    stack.push(file);
    for (const edge of ctx.edges.get(file) ?? []) {
      const s = state.get(edge.to);
      if (s === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        const id = [...cycle].sort().join(",");
        if (!reported.has(id)) {
          reported.add(id);
          ctx.sink.at(
            edge.entry,
            "error",
            "ref/cycle",
            `dependency cycle: ${cycle.join(" -> ")}`,
            "remove one of the ordering dependencies",
            true,
          );
        }
      } else if (s === undefined) visit(edge.to);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of ctx.edges.keys()) if (!state.has(file)) visit(file);
}

/** Checks every reference of every unit of the set. */
export async function checkRefs(
  set: LoadedSet,
  foreign: ForeignUnits,
  host: HostProbe | undefined,
  sink: DiagnosticSink,
): Promise<void> {
  const ctx: RefContext = { set, foreign, host, sink, edges: new Map(), pending: [] };
  for (const file of set.units.keys()) ctx.edges.set(file, []);
  for (const unit of set.units.values()) checkUnitRefs(ctx, unit);
  checkCycles(ctx);
  await Promise.all(ctx.pending);
}
