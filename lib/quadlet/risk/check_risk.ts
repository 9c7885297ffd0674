/**
 * Risk findings: what a set lets its containers do to the host. They are
 * not mistakes (a set that needs the host's network is written right), so
 * they never fail validation nor block a person's install: they are `info`
 * diagnostics with `risk/` codes (docs/VALIDATION.md), shown in install,
 * inspect, stage and diff summaries, and what an unattended update adds is
 * refused unless the host's policy accepts it (lib/gitops/risk_gate.ts).
 *
 * Pure: reads the loaded set only (keys after drop-ins are merged, and
 * `PodmanArgs=` split as podman splits it).
 *
 * @module
 */
import type { DiagnosticSink } from "../diagnostic.ts";
import { SECTION_OF } from "../kinds.ts";
import { listEntries, type ParsedUnit, type UnitEntry } from "../parse.ts";
import type { LoadedSet } from "../set.ts";
import { splitWords, unquoteSingle } from "../split.ts";

/** One risk: where, what it grants, and what to do. */
export interface Risk {
  code: string;
  entry: UnitEntry;
  /** What it concerns (a path, a capability, a namespace): with the code and unit, the risk's identity. */
  subject: string;
  message: string;
  fix: string;
}

/** Capabilities beyond podman's default set that reach the host (kernel, devices, other processes, the network). */
const HOST_CAPABILITIES = new Set([
  "ALL",
  "SYS_ADMIN",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_PTRACE",
  "SYS_BOOT",
  "SYS_TIME",
  "SYS_RESOURCE",
  "NET_ADMIN",
  "DAC_READ_SEARCH",
  "BPF",
  "PERFMON",
  "MAC_ADMIN",
  "MAC_OVERRIDE",
  "SYSLOG",
  "LINUX_IMMUTABLE",
]);

/** Host paths whose mount hands the container the host: at or below these. */
const HOST_TREES = ["/etc", "/root", "/boot", "/usr", "/proc", "/sys", "/dev", "/var/lib/containers", "/var/run"];
/** Host paths too wide to mount: exactly these. */
const WIDE = ["/", "/home", "/var", "/var/lib", "/run", "/run/user", "%h", "%t", "%h/", "%t/"];
const SOCKET = /(^|\/)(podman|docker)\.sock$|^(%t|\/run|\/var\/run|\/run\/user\/[^/]+)\/(podman|docker)(\/|$)/;

/** Host files commonly mounted read-only to tell a container the time or the system's name: not a risk so. */
const BENIGN_READ_ONLY = ["/etc/localtime", "/etc/timezone", "/etc/os-release", "/etc/hostname", "/etc/machine-id"];

const below = (path: string, tree: string) => path === tree || path.startsWith(tree + "/");

/** The risk of mounting host path `src` (absolute or `%h`/`%t`-rooted), or undefined. */
function pathRisk(src: string, readOnly: boolean): { code: string; message: string } | undefined {
  const path = src.replace(/\/+$/, "") || "/";
  if (readOnly && BENIGN_READ_ONLY.includes(path)) return undefined;
  if (SOCKET.test(path)) {
    return {
      code: "risk/podman-socket",
      message: `mounts ${path}, a container engine's socket: the container can start containers with the host's power`,
    };
  }
  if (WIDE.includes(path) || HOST_TREES.some((t) => below(path, t))) {
    return { code: "risk/host-path", message: `mounts the host's ${path} into the container` };
  }
  return undefined;
}

/** Podman flags (as `PodmanArgs=` words) and what they grant. */
function argRisks(words: string[], at: UnitEntry, out: Risk[]): void {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const eq = word.indexOf("=");
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const value = () => (eq > 0 ? word.slice(eq + 1) : words[++i] ?? "");
    if (flag === "--privileged") {
      if (eq < 0 || !/^(false|0)$/i.test(word.slice(eq + 1))) out.push(privileged(at));
    } else if (flag === "--cap-add") {
      for (const cap of value().split(",")) capability(cap, at, out);
    } else if (flag === "--security-opt") {
      unconfined(value(), at, out);
    } else if (["--network", "--net", "--pid", "--ipc", "--uts", "--userns", "--cgroupns"].includes(flag)) {
      const v = value();
      if (v === "host") namespace(flag.slice(2).replace(/^net$/, "network"), at, out);
    } else if (flag === "-v" || flag === "--volume") {
      volume(value(), at, out);
    } else if (flag === "--mount") {
      mount(value(), at, out);
    } else if (flag === "--device") {
      out.push(device(value().split(":")[0]!, at));
    } else if (flag === "--env-file") {
      envFile(value(), at, out);
    }
  }
}

function privileged(at: UnitEntry): Risk {
  return {
    code: "risk/privileged",
    entry: at,
    subject: "privileged",
    message: "runs the container privileged: every capability, every host device, no confinement",
    fix: "grant the one capability or device it needs (AddCapability=, AddDevice=) instead of --privileged",
  };
}

function capability(raw: string, at: UnitEntry, out: Risk[]): void {
  const cap = raw.trim().toUpperCase().replace(/^CAP_/, "");
  if (!HOST_CAPABILITIES.has(cap)) return;
  out.push({
    code: "risk/capability",
    entry: at,
    subject: cap,
    message: cap === "ALL" ? "grants every capability" : `grants CAP_${cap}, which reaches beyond the container`,
    fix: "drop it unless the service cannot work without it",
  });
}

function unconfined(opt: string, at: UnitEntry, out: Risk[]): void {
  const o = opt.trim();
  if (/^label[=:]disable$/.test(o) || /^label[=:]type:(spc_t|unconfined_t)$/.test(o)) {
    out.push(noLabel(at, o));
  } else if (/^(seccomp|apparmor)[=:]unconfined$/.test(o)) {
    out.push({
      code: "risk/unconfined",
      entry: at,
      subject: o.split(/[=:]/)[0]!,
      message: `turns ${o.split(/[=:]/)[0]} confinement off`,
      fix: "keep the default profile, or write one that allows what the service needs",
    });
  }
}

function noLabel(at: UnitEntry, what: string): Risk {
  return {
    code: "risk/unconfined",
    entry: at,
    subject: "label",
    message: `turns SELinux separation off (${what}): the container's processes are not kept from the host's files`,
    fix: "keep labels on; relabel the mounts it needs (Volume=...:Z or :z)",
  };
}

function namespace(ns: string, at: UnitEntry, out: Risk[]): void {
  out.push({
    code: "risk/host-namespace",
    entry: at,
    subject: ns,
    message: ns === "network"
      ? "shares the host's network: the container reaches every service listening on the host, loopback too"
      : `shares the host's ${ns} namespace`,
    fix: ns === "network" ? "publish the ports it serves (PublishPort=) on a network of its own" : "drop it",
  });
}

/** `Volume=`/`-v`: `SRC:DST[:OPTIONS]`. */
function volume(spec: string, at: UnitEntry, out: Risk[]): void {
  const [src, , opts = ""] = spec.split(":");
  if (spec.includes(":")) bind(src!, opts.split(",").includes("ro"), at, out);
}

function bind(src: string, readOnly: boolean, at: UnitEntry, out: Risk[]): void {
  if (!src.startsWith("/") && !src.startsWith("%h") && !src.startsWith("%t")) return;
  const r = pathRisk(src, readOnly);
  if (r) {
    out.push({
      ...r,
      entry: at,
      subject: src,
      fix: "mount the one folder or file the service needs, read-only if it can",
    });
  }
}

function mount(spec: string, at: UnitEntry, out: Risk[]): void {
  const opts = Object.fromEntries(
    spec.split(",").map((kv) => [kv.split("=")[0]!.trim(), kv.split("=").slice(1).join("=")]),
  );
  const src = opts.source ?? opts.src;
  const readOnly = ["ro", "readonly"].some((k) => k in opts && !/^(false|0)$/i.test(opts[k] ?? ""));
  if ((opts.type ?? "volume") === "bind" && src) bind(src, readOnly, at, out);
  if (opts.type === "devpts") out.push(device("devpts", at));
}

function device(path: string, at: UnitEntry): Risk {
  return {
    code: "risk/device",
    entry: at,
    subject: path,
    message: `gives the container the host device ${path}`,
    fix: "make sure the service needs it",
  };
}

function envFile(path: string, at: UnitEntry, out: Risk[]): void {
  if (!path.startsWith("/") && !path.startsWith("%h")) return;
  out.push({
    code: "risk/host-file",
    entry: at,
    subject: path,
    message: `reads the host file ${path} into the container's environment`,
    fix: "keep the values the service needs in the set (or in a Podman secret), not a host file",
  });
}

const EXEC_KEYS = ["ExecStartPre", "ExecStartPost", "ExecStop", "ExecStopPost", "ExecReload", "ExecCondition"];

/** Every risk of a loaded set, in file and line order. */
export function findRisks(set: LoadedSet): Risk[] {
  const out: Risk[] = [];
  for (const unit of set.units.values()) {
    const section = SECTION_OF[unit.kind];
    const u = unit.merged;
    const each = (key: string, fn: (value: string, e: UnitEntry) => void, sect = section) => {
      // A value that is only a comment ("Key= # note") configures nothing worth a finding.
      for (const e of listEntries(u, sect, key)) if (!e.value.startsWith("#")) fn(unquoteSingle(e.value), e);
    };
    each("PodmanArgs", (v, e) => argRisks(splitWords(v, "args").words, e, out));
    each("GlobalArgs", (v, e) => argRisks(splitWords(v, "args").words, e, out));
    each("AddCapability", (v, e) => {
      for (const cap of splitWords(v, "strv").words) capability(cap, e, out);
    });
    each("SecurityLabelDisable", (v, e) => {
      if (/^(1|yes|true|on)$/i.test(v)) out.push(noLabel(e, "SecurityLabelDisable=true"));
    });
    each("SecurityLabelType", (v, e) => {
      if (v === "spc_t" || v === "unconfined_t") out.push(noLabel(e, `SecurityLabelType=${v}`));
    });
    each("SeccompProfile", (v, e) => unconfined(`seccomp=${v}`, e, out));
    each("AppArmor", (v, e) => unconfined(`apparmor=${v}`, e, out));
    each("Unmask", (v, e) => {
      if (v.split(":").includes("ALL") || v.split(":").some((p) => p === "/proc/sys" || p === "/sys/firmware")) {
        out.push({
          code: "risk/unconfined",
          entry: e,
          subject: "unmask",
          message: `unmasks ${v} of /proc and /sys the container should not see`,
          fix: "unmask only the path it needs, or drop Unmask=",
        });
      }
    });
    each("Network", (v, e) => {
      if (v === "host" || v.startsWith("host:")) namespace("network", e, out);
    });
    each("UserNS", (v, e) => {
      if (v === "host") namespace("user", e, out);
    });
    each("Volume", (v, e) => volume(v, e, out));
    if (unit.kind === "volume") {
      // A .volume of Options=bind is a bind mount of its Device= (podman volume create -o device=... -o o=bind).
      const options = listEntries(u, section, "Options").map((e) => e.value).join(",").split(",");
      if (options.some((o) => o === "bind" || o === "rbind")) {
        each("Device", (v, e) => bind(v, options.includes("ro"), e, out));
      }
    }
    each("Mount", (v, e) => mount(v, e, out));
    each("AddDevice", (v, e) => out.push(device(v.replace(/^-/, "").split(":")[0]!, e)));
    each("EnvironmentFile", (v, e) => envFile(v, e, out));
    each("EnvironmentFile", (v, e) => envFile(v, e, out), "Service");
    for (const key of EXEC_KEYS) {
      each(key, (v, e) => {
        out.push({
          code: "risk/host-command",
          entry: e,
          subject: `${key}=${v}`,
          message: `runs ${JSON.stringify(v)} on the host (${key}=), outside any container, as the unit's user`,
          fix: "do the work inside a container (a oneshot .container the service depends on)",
        });
      }, "Service");
    }
    if (unit.kind === "kube") kubeRisks(set, unit.merged, out);
  }
  return out;
}

/** The YAML a `.kube` unit plays: pod fields that grant the host (read as text: leger does not run the YAML). */
function kubeRisks(set: LoadedSet, u: ParsedUnit, out: Risk[]): void {
  for (const e of listEntries(u, "Kube", "Yaml")) {
    const text = set.files.get(e.value.replace(/^\.\//, ""));
    if (text === undefined) continue;
    const found = (re: RegExp) => re.test(text);
    if (found(/^\s*privileged:\s*true\s*$/m)) out.push(privileged(e));
    for (const ns of ["Network", "PID", "IPC"]) {
      if (found(new RegExp(`^\\s*host${ns}:\\s*true\\s*$`, "m"))) namespace(ns.toLowerCase(), e, out);
    }
    for (const m of text.matchAll(/^\s*path:\s*["']?(\/[^\s"']*)/gm)) {
      if (/hostPath/.test(text)) bind(m[1]!, false, e, out);
    }
  }
}

/** Adds the set's risks to the sink as `info` diagnostics. */
export function checkRisks(set: LoadedSet, sink: DiagnosticSink): void {
  for (const r of findRisks(set)) sink.at(r.entry, "info", r.code, r.message, r.fix);
}

/** What makes two risks the same one, across two versions of a set. */
export function riskId(d: { code: string; file: string; message: string }): string {
  return `${d.code}\0${d.file.replace(/\.d\/.*$/, "")}\0${d.message}`;
}
