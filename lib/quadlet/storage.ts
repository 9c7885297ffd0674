/**
 * `Volume=`, `Mount=` and `Secret=` values: how podman splits them and
 * what it refuses.
 *
 * @module
 */
import { err, type ValueIssue, warn } from "./value_issue.ts";

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const VOLUME_OPTIONS = new Set(
  ("rw ro z Z O U copy nocopy dev nodev exec noexec suid nosuid bind rbind private rprivate shared rshared slave " +
    "rslave unbindable runbindable noatime atime relatime strictatime nodiratime idmap notmpcopyup").split(" "),
);

/** A `Volume=` value split as the generator splits it. */
export interface VolumeSpec {
  /** Source: "" (anonymous), a path, a `.volume` unit or a volume name. */
  source: string;
  /** Path in the container. */
  dest: string;
  /** Options after the second colon. */
  options: string;
  /** What the source is. */
  kind: "anonymous" | "bind" | "unit" | "named" | "specifier";
}

/** Splits a `Volume=` value into source, destination and options. */
export function parseVolume(value: string): VolumeSpec {
  const parts = value.split(":");
  const head = parts.length >= 2 ? [parts[0]!, parts[1]!, parts.slice(2).join(":")] : ["", parts[0]!, ""];
  const [source, dest, options] = head as [string, string, string];
  const kind: VolumeSpec["kind"] = source === ""
    ? "anonymous"
    : source.startsWith("/") || source.startsWith(".")
    ? "bind"
    : source.endsWith(".volume")
    ? "unit"
    : source.startsWith("%")
    ? "specifier"
    : "named";
  return { source, dest, options, kind };
}

/** Checks a `Volume=` value of a container, pod or build. */
export function checkVolume(value: string): ValueIssue[] {
  const issues: ValueIssue[] = [];
  const v = parseVolume(value);
  if (!v.dest.startsWith("/") && !v.dest.startsWith("%")) {
    issues.push(
      err("value/volume-target", `container path "${v.dest}" is not absolute`, "write SOURCE:/absolute/path[:OPTIONS]"),
    );
  }
  // `data-%i` names one volume per instance of a template: systemd expands it at start.
  if (v.kind === "named" && !VOLUME_NAME.test(v.source.replace(/%[a-zA-Z]/g, "x"))) {
    issues.push(err(
      "value/volume-name",
      `"${v.source}" is neither a path nor a valid volume name`,
      v.source.includes("/")
        ? `write ./${v.source} for a path next to the unit, or an absolute path`
        : "volume names use letters, digits, _ . -",
    ));
  }
  for (const opt of v.options === "" ? [] : v.options.split(",")) {
    const name = opt.split("=")[0]!;
    if (!VOLUME_OPTIONS.has(name) && !name.startsWith("idmap") && !["upperdir", "workdir", "chown"].includes(name)) {
      issues.push(warn("value/volume-option", `unknown volume option "${opt}"`, "see podman-run(1) --volume"));
    }
  }
  return issues;
}

const MOUNT_TYPES = ["bind", "volume", "tmpfs", "image", "devpts", "glob", "artifact", "ramfs"];

/** A `Mount=` value split into its type and fields. */
export interface MountSpec {
  /** Mount type (`volume` when not given). */
  type: string;
  /** Source (`source=` or `src=`), if any. */
  source?: string;
  /** Target (`target=`, `destination=`, `dst=`, `dest=`), if any. */
  target?: string;
}

/** Splits a `Mount=` value (one word, comma separated fields). */
export function parseMount(value: string): MountSpec {
  const spec: MountSpec = { type: "volume" };
  let typed = false;
  for (const field of value.split(",")) {
    const eq = field.indexOf("=");
    const k = eq < 0 ? field : field.slice(0, eq);
    const v = eq < 0 ? undefined : field.slice(eq + 1);
    if (k === "type" && v !== undefined && !typed && !v.includes("=")) {
      spec.type = v;
      typed = true;
    } else if ((k === "source" || k === "src") && v !== undefined) spec.source = v;
    else if (["target", "destination", "dst", "dest"].includes(k) && v !== undefined) spec.target = v;
  }
  return spec;
}

/** Checks a `Mount=` value. */
export function checkMount(value: string): ValueIssue[] {
  const m = parseMount(value);
  const issues: ValueIssue[] = [];
  if (!MOUNT_TYPES.includes(m.type)) {
    issues.push(err("value/mount-type", `unknown mount type "${m.type}"`, `use one of ${MOUNT_TYPES.join(", ")}`));
  }
  if (m.target === undefined) {
    issues.push(err("value/mount-target", "the mount has no target=", "add target=/path/in/container"));
  }
  if (["bind", "volume", "glob", "image", "artifact"].includes(m.type) && !m.source) {
    issues.push(err("value/mount-source", `a ${m.type} mount needs source=`, "add source=..."));
  }
  if (/(^|,)(source|src)=(,|$)/.test(value)) {
    issues.push(err("value/mount-source", "source= has no value", "give source= a value"));
  }
  return issues;
}

/** A `Secret=` value. */
export interface SecretSpec {
  /** Podman secret name. */
  name: string;
  /** `type=`, default mount. */
  type: string;
  /** `target=`, if any. */
  target?: string;
}

/** Splits a `Secret=` value. */
export function parseSecret(value: string): SecretSpec {
  const [name = "", ...opts] = value.split(",");
  const spec: SecretSpec = { name: name.trim(), type: "mount" };
  for (const o of opts) {
    const [k, v = ""] = o.split("=", 2) as [string, string?];
    if (k === "type") spec.type = v;
    if (k === "target") spec.target = v;
  }
  return spec;
}

const SECRET_OPTIONS = ["source", "type", "target", "uid", "UID", "gid", "GID", "mode"];

/**
 * Checks a `Secret=` value: `NAME[,type=mount|env][,target=...][,uid=,gid=,mode=]`.
 * Unknown option names are warnings (podman adds options over time);
 * malformed values of known options are errors.
 */
export function checkSecret(value: string): ValueIssue[] {
  const issues: ValueIssue[] = [];
  const [first = "", ...rest] = value.split(",");
  const opts = first.includes("=") ? [first, ...rest] : rest;
  let source = first.includes("=") ? "" : first;
  let type = "mount";
  for (const o of opts) {
    const eq = o.indexOf("=");
    if (eq < 0) {
      issues.push(
        err("value/secret-option", `secret option "${o}" must be in the form option=value`, "write option=value"),
      );
      continue;
    }
    const k = o.slice(0, eq);
    const v = o.slice(eq + 1);
    if (!SECRET_OPTIONS.includes(k)) {
      const near = SECRET_OPTIONS.find((x) => x.length > 2 && editDistance1(x, k));
      issues.push(warn(
        "value/secret-option",
        `unknown secret option "${o}"; podman run refuses options it does not know`,
        near ? `did you mean ${near}=?` : "options are type=, target=, uid=, gid=, mode=",
      ));
      continue;
    }
    if (k === "source") source = v;
    if (k === "type") {
      type = v;
      if (v !== "mount" && v !== "env") {
        issues.push(err("value/secret-option", `type=${v} is not mount or env`, "use type=env or type=mount"));
      }
    }
    if (/^(uid|gid)$/i.test(k) && !/^\d+$/.test(v)) {
      issues.push(err("value/secret-option", `${k}=${v} is not a number`));
    }
    if (k === "mode" && !/^[0-7]+$/.test(v)) {
      issues.push(err("value/secret-option", `mode=${v} is not an octal mode`, "e.g. mode=0400"));
    }
  }
  if (source === "") {
    issues.push(err("value/secret-format", `"${value}" names no secret`, "write NAME[,type=env,target=VAR]"));
  }
  if (type === "env" && opts.some((o) => /^(uid|gid|mode)=/i.test(o))) {
    issues.push(warn("value/secret-option", "uid=, gid= and mode= only apply to type=mount secrets"));
  }
  return issues;
}

/** True when a and b differ by at most one edit. */
function editDistance1(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}
