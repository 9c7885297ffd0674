/**
 * Conflicts between a set, the other installed sets of the same scope and
 * the host: host ports published twice or already bound, unit, container,
 * volume and network names that clash in podman's flat quadlet folder.
 * Also answers "who uses port N / volume V?" for `leger check-conflicts`.
 *
 * @module
 */
import type { DiagnosticSink, HostProbe, OtherSet } from "./diagnostic.ts";
import { listEntries, type UnitEntry } from "./parse.ts";
import { type LoadedSet, type LoadedUnit, loadSet } from "./set.ts";
import { parseMount, parseVolume } from "./value/storage.ts";
import { checkPublishPort, type PortBinding } from "./value/ports.ts";
import { splitWords } from "./split.ts";

interface PortUse {
  set: string;
  unit: LoadedUnit;
  entry: UnitEntry;
  binding: PortBinding;
}

/** The host ports a loaded set publishes. */
function portsOf(setName: string, set: LoadedSet): PortUse[] {
  const out: PortUse[] = [];
  for (const unit of set.units.values()) {
    if (!["container", "pod", "kube"].includes(unit.kind) || unit.template) continue;
    for (const entry of listEntries(unit.merged, unit.section, "PublishPort")) {
      const { binding } = checkPublishPort(entry.value, { rootless: false });
      if (binding) out.push({ set: setName, unit, entry, binding });
    }
  }
  return out;
}

const ANY_IP = ["", "0.0.0.0", "::", "[::]"];

function overlaps(a: PortBinding, b: PortBinding): boolean {
  if (a.port > b.end || b.port > a.end) return false;
  if (!a.protos.some((p) => b.protos.includes(p))) return false;
  return a.ip === b.ip || ANY_IP.includes(a.ip) || ANY_IP.includes(b.ip);
}

const describe = (b: PortBinding) =>
  `${b.ip ? b.ip + ":" : ""}${b.port === b.end ? b.port : `${b.port}-${b.end}`}/${b.protos.join(",")}`;

/** Volume names a set uses, with where. */
function volumesOf(set: LoadedSet): Array<{ name: string; unit: LoadedUnit; entry: UnitEntry | undefined }> {
  const out: Array<{ name: string; unit: LoadedUnit; entry: UnitEntry | undefined }> = [];
  for (const unit of set.units.values()) {
    if (unit.kind === "volume" && unit.resource && !unit.template) {
      out.push({ name: unit.resource, unit, entry: listEntries(unit.merged, "Volume", "VolumeName").at(-1) });
      continue;
    }
    for (const entry of listEntries(unit.merged, unit.section, "Volume")) {
      const v = parseVolume(entry.value);
      if (v.kind === "named") out.push({ name: v.source, unit, entry });
      if (v.kind === "unit") {
        const def = set.units.get(v.source);
        if (def?.resource) out.push({ name: def.resource, unit, entry });
      }
    }
    for (const entry of listEntries(unit.merged, unit.section, "Mount")) {
      for (const w of splitWords(entry.value, "args").words) {
        const m = parseMount(w);
        if (m.type === "volume" && m.source && !m.source.endsWith(".volume")) out.push({ name: m.source, unit, entry });
      }
    }
  }
  return out;
}

/** Adds conflict diagnostics for a set against the other installed sets and the host. */
export async function checkConflicts(
  setName: string | undefined,
  set: LoadedSet,
  others: readonly OtherSet[],
  host: HostProbe | undefined,
  sink: DiagnosticSink,
): Promise<void> {
  const self = setName ?? "this set";
  const loadedOthers = others.map((o) => ({ name: o.name, files: o.files, set: loadSet(o.files) }));
  const previous = loadedOthers.find((o) => o.name === setName);
  const rivals = loadedOthers.filter((o) => o.name !== setName);

  const mine = portsOf(self, set);
  mine.forEach((a, i) => {
    for (const b of mine.slice(0, i)) {
      if (overlaps(a.binding, b.binding)) {
        sink.at(
          a.entry,
          "warning",
          "conflict/port",
          `host port ${
            describe(a.binding)
          } is also published by ${b.unit.file} (line ${b.entry.line}); only one of them can start`,
          "publish a different host port, unless the two units are alternatives",
          true,
        );
      }
    }
  });
  const theirs = rivals.flatMap((o) => portsOf(o.name, o.set));
  const claimed = new Set<PortUse>();
  for (const a of mine) {
    for (const b of theirs) {
      if (!overlaps(a.binding, b.binding)) continue;
      claimed.add(a);
      sink.at(
        a.entry,
        "error",
        "conflict/port",
        `host port ${describe(a.binding)} is already published by set ${b.set} (${b.unit.file})`,
        "publish a different host port, or remove the other set",
        true,
      );
    }
  }
  const ownOld = previous ? portsOf(previous.name, previous.set) : [];
  if (host?.portInUse) {
    await Promise.all(
      mine.filter((a) => !claimed.has(a) && !ownOld.some((o) => overlaps(a.binding, o.binding))).map(async (a) => {
        for (const proto of a.binding.protos) {
          if (proto === "sctp") continue;
          if (await host.portInUse!(a.binding.port, proto)) {
            sink.at(
              a.entry,
              "error",
              "host/port-in-use",
              `host port ${a.binding.port}/${proto} is already in use on the host`,
              "stop what listens there, or publish a different host port",
              true,
            );
            return;
          }
        }
      }),
    );
  }

  const fileOwner = new Map<string, string>();
  for (const o of rivals) for (const f of o.files) fileOwner.set(f.name, o.name);
  for (const name of set.files.keys()) {
    const owner = fileOwner.get(name);
    const isUnit = set.units.has(name) || name.includes(".d/");
    if (!owner || !isUnit) continue;
    sink.add({
      file: name,
      line: 1,
      column: 1,
      severity: "error",
      code: "conflict/unit-name",
      message: `set ${owner} already installs ${name}; the quadlet folder is one namespace`,
      fix: `rename ${name}, or remove set ${owner}`,
    });
  }
  const names = (kind: string, s: LoadedSet) =>
    [...s.units.values()].filter((u) => u.kind === kind && u.resource && !u.template);
  const clash = (kind: string, code: string, severity: "error" | "warning", what: string) => {
    const seen = new Map<string, LoadedUnit>();
    for (const u of names(kind, set)) {
      const first = seen.get(u.resource!);
      if (first) {
        sink.add({
          file: u.file,
          line: 1,
          column: 1,
          severity: "warning",
          code,
          message: `${what} ${u.resource} is also used by ${first.file}; ${
            kind === "container" ? "each replaces the other when it starts" : "both manage the same object"
          }`,
          fix: "give each a distinct name, unless the two units are alternatives",
        });
      } else seen.set(u.resource!, u);
      for (const o of rivals) {
        const other = names(kind, o.set).find((x) => x.resource === u.resource);
        if (other) {
          sink.add({
            file: u.file,
            line: 1,
            column: 1,
            severity,
            code,
            message: `${what} ${u.resource} is also created by set ${o.name} (${other.file})`,
            fix: "give it a distinct name, or share it deliberately",
          });
        }
      }
    }
  };
  clash("container", "conflict/container-name", "error", "container name");
  clash("pod", "conflict/pod-name", "error", "pod name");
  clash("network", "conflict/network-name", "warning", "network");
  const services = new Map<string, string>();
  for (const o of rivals) for (const u of o.set.units.values()) services.set(u.service, o.name);
  for (const u of set.units.values()) {
    const owner = services.get(u.service);
    if (owner && !fileOwner.has(u.file)) {
      sink.add({
        file: u.file,
        line: 1,
        column: 1,
        severity: "error",
        code: "conflict/service-name",
        message: `set ${owner} already makes the unit ${u.service}`,
        fix: "set a different ServiceName=, or rename the file",
      });
    }
  }
  const theirVolumes = rivals.flatMap((o) => volumesOf(o.set).map((v) => ({ ...v, set: o.name })));
  const reported = new Set<string>();
  for (const v of volumesOf(set)) {
    const other = theirVolumes.find((t) => t.name === v.name);
    if (!other || reported.has(v.name)) continue;
    reported.add(v.name);
    const where = v.entry ?? undefined;
    const msg = `volume ${v.name} is also used by set ${other.set} (${other.unit.file}); both sets share its data`;
    if (where) {
      sink.at(where, "warning", "conflict/volume", msg, "use a distinct volume name unless sharing is intended", true);
    } else {sink.add({
        file: v.unit.file,
        line: 1,
        column: 1,
        severity: "warning",
        code: "conflict/volume",
        message: msg,
        fix: "use a distinct volume name",
      });}
  }
}

/** One answer of {@linkcode findUsers}. */
export interface Use {
  /** Set name. */
  set: string;
  /** File within the set. */
  file: string;
  /** 1-based line. */
  line: number;
  /** What uses it, e.g. `PublishPort=8080:80` or `Volume=data:/data`. */
  what: string;
}

/** Who publishes host port N, who uses volume V (by podman volume name or `.volume` file name). */
export function findUsers(sets: readonly OtherSet[], query: { port?: number; volume?: string }): Use[] {
  const out: Use[] = [];
  for (const o of sets) {
    const loaded = loadSet(o.files);
    if (query.port !== undefined) {
      const probe: PortBinding = { ip: "", port: query.port, end: query.port, protos: ["tcp", "udp", "sctp"] };
      for (const p of portsOf(o.name, loaded)) {
        if (overlaps(p.binding, probe)) {
          out.push({ set: o.name, file: p.entry.file, line: p.entry.line, what: `PublishPort=${p.entry.value}` });
        }
      }
    }
    if (query.volume !== undefined) {
      const wanted = query.volume;
      for (const v of volumesOf(loaded)) {
        const fileMatch = v.unit.kind === "volume" && v.unit.file === wanted;
        if (v.name !== wanted && !fileMatch && !(v.entry?.value.split(":")[0] === wanted)) continue;
        out.push({
          set: o.name,
          file: v.entry?.file ?? v.unit.file,
          line: v.entry?.line ?? 1,
          what: v.entry ? `${v.entry.key}=${v.entry.value}` : `${v.unit.file} creates ${v.name}`,
        });
      }
    }
  }
  return out;
}
