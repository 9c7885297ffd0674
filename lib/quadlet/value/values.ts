/**
 * Checks of single values: published ports, volumes and mounts, secrets,
 * auto-update policies, user namespaces, ulimits, booleans, sizes, Go
 * durations (podman) and systemd time spans. Each check returns the
 * problems it found, without positions; the caller places them.
 *
 * @module
 */
import { err, type ValueIssue, warn } from "./value_issue.ts";

/** Checks `AutoUpdate=`: `registry` or `local` (kube: optionally `CONTAINER/`-prefixed). */
export function checkAutoUpdate(value: string, kube: boolean): ValueIssue[] {
  const policy = kube && value.includes("/") ? value.slice(value.indexOf("/") + 1) : value;
  if (policy === "registry" || policy === "local") return [];
  return [err("value/autoupdate", `unknown auto-update policy "${policy}"`, "use registry or local")];
}

/** Checks `UserNS=` against the modes podman run accepts. */
export function checkUserNS(value: string): ValueIssue[] {
  const [mode = "", opts] = value.split(/:(.*)/s) as [string, string?];
  const ok = ["", "auto", "host", "keep-id", "nomap", "private"].includes(mode) &&
      (opts === undefined || mode === "auto" || mode === "keep-id") ||
    (mode === "ns" || mode === "container") && !!opts;
  if (!ok) {
    return [
      err(
        "value/userns",
        `unknown user namespace mode "${value}"`,
        "use auto, host, keep-id[:uid=N,gid=N], nomap, private, ns:PATH or container:ID",
      ),
    ];
  }
  if (opts && mode === "keep-id" && !opts.split(",").every((o) => /^(uid|gid|size)=\d+$/.test(o))) {
    return [err("value/userns", `bad keep-id options "${opts}"`, "use keep-id:uid=N,gid=N")];
  }
  return [];
}

const ULIMITS = "core cpu data fsize locks memlock msgqueue nice nofile nproc rss rtprio rttime sigpending stack"
  .split(" ");

/** Checks `Ulimit=`: `NAME=SOFT[:HARD]` or `host`. */
export function checkUlimit(value: string): ValueIssue[] {
  if (value === "host") return [];
  const m = /^([a-z]+)=(-?\d+|unlimited)(?::(-?\d+|unlimited))?$/.exec(value);
  if (!m) return [err("value/ulimit", `"${value}" is not NAME=SOFT[:HARD]`, "e.g. nofile=1024:4096")];
  if (!ULIMITS.includes(m[1]!)) {
    return [err("value/ulimit", `unknown ulimit "${m[1]}"`, `use one of ${ULIMITS.join(", ")}`)];
  }
  const num = (s: string) => (s === "unlimited" || s === "-1" ? Infinity : Number(s));
  if (m[3] !== undefined && num(m[2]!) > num(m[3])) {
    return [err("value/ulimit", `soft limit ${m[2]} is above hard limit ${m[3]}`)];
  }
  return [];
}

const TRUE = ["1", "yes", "true", "on"];
const FALSE = ["0", "no", "false", "off"];

/** Checks a boolean: podman reads anything but 1/yes/true/on as false. */
export function checkBool(value: string): ValueIssue[] {
  const v = value.toLowerCase();
  if (TRUE.includes(v) || FALSE.includes(v)) return [];
  return [warn("value/bool", `"${value}" is not a boolean; podman reads it as false`, "use true or false")];
}

/**
 * Checks `User=`/`Group=` of a `.volume`. The generator reads them as a
 * number (decimal, `0x` hex, `0` octal) and writes `uid=`/`gid=` mount
 * options; a name or anything else becomes 0 (seen with podman 5.8's
 * generator: `User=alice` gives `o=uid=0`). So a name is accepted, but
 * only `root` means what it says.
 */
export function checkVolumeOwner(value: string, key: string): ValueIssue[] {
  if (/^[+]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(value)) return [];
  if (value === "root") return [];
  const id = key === "Group" ? "gid" : "uid";
  return [warn(
    "value/volume-owner",
    `"${value}" is not a number: podman's generator writes ${id}=0 (root) for it, not the ${
      key === "Group" ? "group" : "user"
    } of that name`,
    `write the number (${key === "Group" ? "getent group NAME" : "id -u NAME"})`,
  )];
}

/** Checks an integer value. */
export function checkInt(value: string): ValueIssue[] {
  return /^[+-]?\d+$/.test(value) ? [] : [err("value/int", `"${value}" is not a whole number`)];
}

/** Checks a size such as `512m` or `1g`. */
export function checkSize(value: string): ValueIssue[] {
  return /^\d+(\.\d+)?\s?([kKmMgGtTpP][iI]?)?[bB]?$/.test(value)
    ? []
    : [err("value/size", `"${value}" is not a size`, "write a number with an optional unit: 512m, 1g")];
}

const GO_DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;

/** Checks a Go duration (`30s`, `1m30s`) as podman parses health and retry times. */
export function checkGoDuration(value: string, allowDisable = false): ValueIssue[] {
  if (GO_DURATION.test(value) || value === "0" || (allowDisable && value === "disable")) return [];
  const asSystemd = parseTimespan(value);
  const fix = asSystemd !== undefined
    ? `podman wants a Go duration: write ${goDuration(asSystemd)}`
    : "write a Go duration such as 30s, 5m or 1h30m";
  return [
    err("value/duration", `"${value}" is not a Go duration (units ns, us, ms, s, m, h; no spaces, no days)`, fix),
  ];
}

function goDuration(seconds: number): string {
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

const SPAN_UNITS: Record<string, number> = {
  usec: 1e-6,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  msec: 1e-3,
  ms: 1e-3,
  seconds: 1,
  second: 1,
  sec: 1,
  s: 1,
  minutes: 60,
  minute: 60,
  min: 60,
  m: 60,
  hours: 3600,
  hour: 3600,
  hr: 3600,
  h: 3600,
  days: 86400,
  day: 86400,
  d: 86400,
  weeks: 604800,
  week: 604800,
  w: 604800,
  months: 2629800,
  month: 2629800,
  M: 2629800,
  years: 31557600,
  year: 31557600,
  y: 31557600,
  nsec: 1e-9,
  ns: 1e-9,
};

/** Parses a systemd time span into seconds, or undefined when systemd would reject it. */
export function parseTimespan(value: string): number | undefined {
  const v = value.trim();
  if (v === "infinity") return Infinity;
  const re = /\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Zµμ]*)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  let any = false;
  while ((m = re.exec(v)) !== null && m[0] !== "") {
    const unit = m[2]!;
    if (unit !== "" && !(unit in SPAN_UNITS)) return undefined;
    total += Number(m[1]) * (unit === "" ? 1 : SPAN_UNITS[unit]!);
    pos = re.lastIndex;
    any = true;
  }
  return any && pos === v.length ? total : undefined;
}

/** Checks a systemd time span (`90`, `5min`, `1h 30min`, `infinity`). */
export function checkTimespan(value: string): ValueIssue[] {
  if (parseTimespan(value) !== undefined) return [];
  return [
    warn(
      "value/timespan",
      `"${value}" is not a systemd time span; systemd ignores the setting`,
      "write e.g. 90, 90s, 5min or 1h 30min",
    ),
  ];
}
