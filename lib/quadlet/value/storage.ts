/**
 * `Volume=`, `Mount=` and `Secret=` values: how podman splits them and
 * what it refuses.
 *
 * @module
 */
import { gate, PODMAN_MINORS, type PodmanTarget } from "../target.ts";
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

/**
 * Splits one line the way Go's `encoding/csv` reader does with its
 * defaults, which podman's mount parser uses: fields separated by commas;
 * a field that starts with `"` is quoted, may hold commas, and writes a
 * quote as `""`; a quote anywhere else, text after a closing quote, an
 * unterminated quote or a line break is an error.
 */
export function splitCsv(value: string): { fields: string[]; error?: string } {
  const fields: string[] = [];
  let i = 0;
  while (true) {
    let field = "";
    if (value[i] === '"') {
      i++;
      while (true) {
        if (i >= value.length) return { fields, error: 'a quoted field has no closing "' };
        if (value[i] === '"') {
          if (value[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += value[i++];
      }
      if (i < value.length && value[i] !== ",") return { fields, error: 'text after the closing " of a quoted field' };
    } else {
      while (i < value.length && value[i] !== ",") {
        if (value[i] === '"') return { fields, error: 'a " inside a field that does not start with one' };
        if (value[i] === "\n" || value[i] === "\r") return { fields, error: "a line break" };
        field += value[i++];
      }
    }
    fields.push(field);
    if (i >= value.length) return { fields };
    i++; // the comma
  }
}

/** A `Mount=` value split into its type and fields. */
export interface MountSpec {
  /** Mount type (`volume` when not given). */
  type: string;
  /** Source (`source=` or `src=`), if any. */
  source?: string;
  /** Target (`target=`, `destination=`, `dst=`, `dest=`), if any. */
  target?: string;
  /** The fields other than `type=`. */
  fields: string[];
  /** Why podman's CSV reader refuses the value, if it does. */
  error?: string;
}

/** Splits a `Mount=` value (one word after unquoting) as podman does: CSV fields, the first `type=X` is the type. */
export function parseMount(value: string): MountSpec {
  const csv = splitCsv(value);
  const spec: MountSpec = { type: "volume", fields: [] };
  if (csv.error) spec.error = csv.error;
  let typed = false;
  for (const field of csv.fields) {
    const kv = field.split("=");
    if (!typed && kv.length === 2 && kv[0] === "type") {
      spec.type = kv[1]!;
      typed = true;
      continue;
    }
    spec.fields.push(field);
    const eq = field.indexOf("=");
    const k = eq < 0 ? field : field.slice(0, eq);
    const v = eq < 0 ? undefined : field.slice(eq + 1);
    if ((k === "source" || k === "src") && v !== undefined) spec.source = v;
    else if (["target", "destination", "dst", "dest"].includes(k) && v !== undefined) spec.target = v;
  }
  return spec;
}

/** Mount options without a value that podman's mount parser knows (podman-run(1) --mount). */
const MOUNT_FLAGS = new Set(
  ("bind-nonrecursive consistency idmap readonly ro rw nodev dev noexec exec nosuid suid noswap shared rshared " +
    "private rprivate slave rslave unbindable runbindable Z z no-dereference tmpcopyup notmpcopyup U chown copy " +
    "nocopy").split(" "),
);

/**
 * Checks a `Mount=` value. A value podman's CSV reader refuses, a type it
 * does not know, a missing target and a missing source where the generator
 * needs one are errors; a source-less volume mount is anonymous from
 * podman 6.0 (older generators refuse it); a bare option podman's mount
 * parser may not know is a warning.
 */
export function checkMount(value: string, target?: PodmanTarget): ValueIssue[] {
  const m = parseMount(value);
  const issues: ValueIssue[] = [];
  if (m.error) {
    return [err(
      "value/mount-format",
      `podman cannot read "${value}" as comma-separated fields: ${m.error}`,
      'quote a field holding a comma as "dst=/a,b" (and the whole value in single quotes)',
    )];
  }
  const expands = (s: string) => s.includes("$") || s.includes("%");
  if (!MOUNT_TYPES.includes(m.type) && !expands(m.type)) {
    issues.push(err("value/mount-type", `unknown mount type "${m.type}"`, `use one of ${MOUNT_TYPES.join(", ")}`));
  }
  if (m.target === undefined) {
    issues.push(err("value/mount-target", "the mount has no target=", "add target=/path/in/container"));
  }
  const needsSource = ["bind", "glob", "image", "artifact"].includes(m.type);
  if (m.fields.some((f) => f === "source" || f === "src")) {
    issues.push(err("value/mount-source", "source= has no value", "give source= a value"));
  } else if (!m.source && needsSource) {
    issues.push(err("value/mount-source", `a ${m.type} mount needs source=`, "add source=..."));
  } else if (!m.source && m.type === "volume") {
    const g = gate(target ?? { versions: [...PODMAN_MINORS], from: "unknown" }, { since: "6.0" });
    if (g) {
      issues.push({
        severity: g.severity,
        code: "value/mount-source",
        message: `a volume mount without source= is anonymous only from podman 6.0; podman ${g.lacking} refuses it`,
        fix: "add source=NAME (or NAME.volume)",
      });
    }
  }
  for (const f of m.fields) {
    if (f.includes("=") || MOUNT_FLAGS.has(f) || expands(f) || f === "source" || f === "src") continue;
    issues.push(warn(
      "value/mount-option",
      `"${f}" is not a mount option podman knows; podman run refuses unknown ones`,
      'a field with a comma in it must be quoted: "dst=/a,b"',
    ));
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

const BUILD_SECRET_OPTIONS = ["id", "src", "source", "env", "type", "required"];

/**
 * Checks a `Secret=` value of a `.build`: podman build's form
 * `id=ID[,src=FILE_OR_ENV][,env=VAR][,type=file|env]` (podman-build(1)
 * --secret), not the container's `NAME,opt=...`. `id=` is mandatory;
 * option names podman may add are warnings.
 */
export function checkBuildSecret(value: string): ValueIssue[] {
  const issues: ValueIssue[] = [];
  let id = "";
  for (const o of value.split(",")) {
    const eq = o.indexOf("=");
    const k = eq < 0 ? o : o.slice(0, eq);
    const v = eq < 0 ? "" : o.slice(eq + 1);
    if (!BUILD_SECRET_OPTIONS.includes(k)) {
      issues.push(warn(
        "value/secret-option",
        `"${o}" is not a build secret option`,
        "a .build secret is id=ID[,src=FILE][,env=VAR][,type=file|env]",
      ));
      continue;
    }
    if (k === "id") id = v;
    if (k === "type" && !["file", "env"].includes(v) && !/[$%]/.test(v)) {
      issues.push(warn("value/secret-option", `type=${v} is not file or env`, "use type=file or type=env"));
    }
  }
  if (id === "") {
    issues.push(err(
      "value/secret-format",
      `"${value}" has no id=: podman build needs one`,
      "write Secret=id=NAME,src=FILE (the Containerfile mounts it with RUN --mount=type=secret,id=NAME)",
    ));
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
