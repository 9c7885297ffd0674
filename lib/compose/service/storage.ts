/**
 * What a service reads and mounts: `environment` and `env_file` (one env
 * file per service, kept in the set), `volumes` (named volumes as
 * `NAME.volume`, bind mounts made absolute against the project folder,
 * `~` as systemd's `%h`), `tmpfs`, `secrets` (podman secrets) and
 * `configs` (files of the set, bind-mounted read-only).
 *
 * @module
 */
import { type Ctx, projectPath, type Svc } from "../context.ts";
import { parseDotenv } from "../interpolate.ts";
import { type MapNode, type Node, str } from "../tree.ts";
import { arg, esc } from "../unit_file.ts";
import { bool, byteSize, pairs } from "../values.ts";

/** `env_file` then `environment` (which wins), resolved now: quadlets do no interpolation. */
export async function mapEnvironment(s: Svc): Promise<void> {
  const { ctx, node, unit, at } = s;
  const fromFiles = new Map<string, { value: string; line: number }>();
  const envFile = node.entries.get("env_file");
  const items = envFile?.kind === "seq" ? envFile.items : envFile ? [envFile] : [];
  for (const item of items) {
    const path = item.kind === "map" ? str(item.entries.get("path")) : str(item);
    const required = item.kind === "map" ? bool(item.entries.get("required")) ?? true : true;
    if (path === undefined) {
      ctx.log.error(item.line, `${at}.env_file`, "expects a path");
      continue;
    }
    const abs = projectPath(ctx, path, item.line, `${at}.env_file`);
    if (!abs) continue;
    let text: string;
    try {
      const info = await Deno.stat(abs);
      if (!info.isFile || info.size > 1024 * 1024) throw new Error("not a small file");
      text = await Deno.readTextFile(abs);
    } catch {
      if (required) ctx.log.error(item.line, `${at}.env_file`, `${path} does not exist or is not a readable file`);
      else ctx.log.info(item.line, `${at}.env_file`, `${path} does not exist (required: false): skipped`);
      continue;
    }
    const raw = item.kind === "map" && str(item.entries.get("format")) === "raw";
    const parsed = raw ? rawEnv(text) : parseDotenv(text, ctx.env);
    for (const p of parsed.problems) ctx.log.add("error", p.line, "env_file", p.message, undefined, path);
    for (const [k, v] of parsed.values) fromFiles.set(k, { value: v, line: item.line });
  }
  const env = new Map(fromFiles);
  const direct = new Set<string>();
  for (
    const p of pairs(
      node.entries.get("environment"),
      (l) => ctx.log.error(l, `${at}.environment`, "expects a mapping or a list of KEY=VALUE"),
    )
  ) {
    let value = p.value;
    if (value === undefined) {
      value = ctx.env(p.key);
      if (value === undefined) {
        ctx.log.info(
          p.line,
          `${at}.environment.${p.key}`,
          `${p.key} has no value and is not set here: left out, as Compose does`,
        );
        continue;
      }
    }
    env.set(p.key, { value, line: p.line });
    direct.add(p.key);
  }
  // Values go to an env file of the set (0600): not into argv, where the generator would put Environment=, nor into
  // the world-readable unit. podman's env files hold one line per variable: a value with a line break stays a key.
  const fileLines: string[] = [];
  for (const [k, { value, line }] of env) {
    if (!value.includes("\n")) fileLines.push(`${k}=${value}`);
    else {unit.key("Environment", arg(`${k}=${value}`), {
        key: `${at}.${direct.has(k) ? "environment" : "env_file"}`,
        line,
      });}
  }
  if (fileLines.length) {
    const name = unit.name.replace(/\.container$/, ".env");
    ctx.files.set(name, { text: fileLines.join("\n") + "\n", mode: 0o600 });
    const from = node.entries.get("environment") ?? envFile!;
    unit.key("EnvironmentFile", arg(name), {
      key: `${at}.${node.entries.has("environment") ? "environment" : "env_file"}`,
      line: from.line,
    });
  }
}

function rawEnv(text: string) {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0 && !line.startsWith("#")) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return { values, problems: [] as Array<{ line: number; message: string }> };
}

const MODE_WORDS = new Set([
  "ro",
  "rw",
  "z",
  "Z",
  "shared",
  "slave",
  "private",
  "rshared",
  "rslave",
  "rprivate",
  "nocopy",
]);
const CONSISTENCY = new Set(["consistent", "cached", "delegated"]);

/** A bind mount's host side: `~` is the user's home (`%h`), a relative path is inside the project folder. */
function hostPath(ctx: Ctx, source: string, line: number, key: string): string | undefined {
  if (source === "~" || source.startsWith("~/")) return `%h${esc(source.slice(1))}`;
  if (source.startsWith("/")) return esc(source);
  const abs = projectPath(ctx, source, line, key);
  if (!abs) return undefined;
  try {
    Deno.statSync(abs);
  } catch {
    ctx.todo.push(`mkdir -p ${abs}`);
    ctx.log.info(line, key, `${source} does not exist; podman does not create bind-mounted folders: create it first`);
  }
  return esc(abs);
}

/** The `.volume` (or external name) a named volume refers to. */
function namedVolume(ctx: Ctx, name: string, line: number, key: string): string | undefined {
  const decl = ctx.volumes.get(name);
  if (!decl) {
    ctx.log.error(
      line,
      key,
      `volume ${name} is not declared under the top-level volumes:`,
      `add volumes: { ${name}: {} }`,
    );
    return undefined;
  }
  return decl.unit ?? esc(decl.name);
}

/** `volumes:` of a service, short and long syntax. */
export function mapVolumesUse(s: Svc, v: Node, key: string): void {
  if (v.kind !== "seq") return s.ctx.log.error(v.line, key, "expects a list");
  for (const item of v.items) {
    if (item.kind === "map") longVolume(s, item, key);
    else if (item.kind === "scalar" && item.value !== null) shortVolume(s, String(item.value), item.line, key);
    else s.ctx.log.error(item.line, key, "expects SOURCE:TARGET[:MODE] or a mapping");
  }
}

function shortVolume(s: Svc, spec: string, line: number, key: string): void {
  const parts = spec.split(":");
  if (parts.length === 1) return void s.unit.key("Volume", esc(spec), { key, line });
  if (parts.length > 3) return s.ctx.log.error(line, key, `${spec}: a path with ":" cannot be mounted`);
  const [source, target, mode = ""] = parts as [string, string, string?];
  const words = mode ? mode.split(",") : [];
  const kept: string[] = [];
  for (const w of words) {
    if (MODE_WORDS.has(w)) kept.push(w);
    else if (CONSISTENCY.has(w)) s.ctx.log.info(line, key, `${w} is a Docker Desktop hint: nothing to do on Linux`);
    else s.ctx.log.error(line, key, `unknown volume option ${w}`);
  }
  const bind = /^(\/|\.|~)/.test(source);
  const host = bind ? hostPath(s.ctx, source, line, key) : namedVolume(s.ctx, source, line, key);
  if (host === undefined) return;
  const opts = kept.filter((w) => w !== "rw").join(",");
  s.unit.key("Volume", `${host}:${esc(target)}${opts ? `:${opts}` : ""}`, { key, line });
}

function longVolume(s: Svc, m: MapNode, key: string): void {
  const { ctx } = s;
  const e = m.entries;
  const type = str(e.get("type")) ?? "volume";
  const source = str(e.get("source"));
  const target = str(e.get("target"));
  if (!target) return ctx.log.error(m.line, key, "a volume needs target:");
  const opts: string[] = [];
  if (bool(e.get("read_only"))) opts.push("ro");
  for (const k of e.keys()) {
    if (!["type", "source", "target", "read_only", "bind", "volume", "tmpfs", "consistency"].includes(k)) {
      ctx.log.error(e.get(k)!.line, `${key}.${k}`, `unknown volume key ${k}`);
    }
  }
  if (e.has("consistency")) ctx.log.info(m.line, `${key}.consistency`, "a Docker Desktop hint: nothing to do on Linux");
  const from = { key, line: m.line };
  if (type === "tmpfs") {
    const t = e.get("tmpfs");
    const o: string[] = [];
    const size = t?.kind === "map" ? t.entries.get("size") : undefined;
    if (size && size.kind === "scalar" && size.value !== null) {
      const b = byteSize(size.value as string | number);
      if (b === undefined) ctx.log.error(size.line, `${key}.tmpfs.size`, "not a size");
      else o.push(`size=${b}`);
    }
    const mode = t?.kind === "map" ? str(t.entries.get("mode")) : undefined;
    if (mode) o.push(`mode=${Number(mode).toString(8).padStart(4, "0")}`);
    if (bool(e.get("read_only"))) o.push("ro");
    s.unit.key("Tmpfs", `${esc(target)}${o.length ? `:${o.join(",")}` : ""}`, from);
    return;
  }
  if (type === "bind") {
    if (!source) return ctx.log.error(m.line, key, "a bind mount needs source:");
    const b = e.get("bind");
    if (b?.kind === "map") {
      const prop = str(b.entries.get("propagation"));
      if (prop) opts.push(prop);
      const selinux = str(b.entries.get("selinux"));
      if (selinux === "z" || selinux === "Z") opts.push(selinux);
      else if (selinux) ctx.log.error(b.line, `${key}.bind.selinux`, "selinux is z or Z");
    }
    const host = hostPath(ctx, source, m.line, key);
    if (host) s.unit.key("Volume", `${host}:${esc(target)}${opts.length ? `:${opts.join(",")}` : ""}`, from);
    return;
  }
  if (type === "volume") {
    const vol = e.get("volume");
    if (vol?.kind === "map") {
      if (bool(vol.entries.get("nocopy"))) opts.push("nocopy");
      if (vol.entries.has("subpath")) {
        return ctx.log.error(
          vol.line,
          `${key}.volume.subpath`,
          "a volume's sub-path has no quadlet key",
          "mount the whole volume, or use a bind mount of the sub-folder",
        );
      }
    }
    if (!source) return void s.unit.key("Volume", esc(target), from);
    const host = namedVolume(ctx, source, m.line, key);
    if (host) s.unit.key("Volume", `${host}:${esc(target)}${opts.length ? `:${opts.join(",")}` : ""}`, from);
    return;
  }
  ctx.log.error(m.line, `${key}.type`, `volume type ${type} has no podman equivalent here`);
}

/** `tmpfs:` (a path or a list; `PATH:OPTIONS`). */
export function mapTmpfs(s: Svc, v: Node, key: string): void {
  const items = v.kind === "seq" ? v.items : [v];
  for (const i of items) {
    const t = str(i);
    if (t === undefined) s.ctx.log.error(i.line, key, "expects a path");
    else s.unit.key("Tmpfs", esc(t), { key, line: i.line });
  }
}

/** A short or long reference to a top-level secret or config. */
function refs(s: Svc, v: Node, key: string): Array<{ source: string; m?: MapNode; line: number }> {
  if (v.kind !== "seq") {
    s.ctx.log.error(v.line, key, "expects a list");
    return [];
  }
  const out: Array<{ source: string; m?: MapNode; line: number }> = [];
  for (const i of v.items) {
    const source = i.kind === "map" ? str(i.entries.get("source")) : str(i);
    if (source === undefined) s.ctx.log.error(i.line, key, "expects a name or a mapping with source:");
    else out.push({ source, ...(i.kind === "map" ? { m: i } : {}), line: i.line });
  }
  return out;
}

/** `secrets:` of a service: `Secret=NAME,type=mount,target=...` (podman mounts under /run/secrets as Compose does). */
export function mapSecretsUse(s: Svc, v: Node, key: string): void {
  for (const r of refs(s, v, key)) {
    const decl = s.ctx.secrets.get(r.source);
    if (!decl) {
      s.ctx.log.error(r.line, key, `secret ${r.source} is not declared under the top-level secrets:`);
      continue;
    }
    const parts = [decl.podman, "type=mount", `target=${str(r.m?.entries.get("target")) ?? r.source}`];
    for (const k of ["uid", "gid", "mode"]) {
      const value = str(r.m?.entries.get(k));
      if (value !== undefined) parts.push(`${k}=${k === "mode" ? Number(value).toString(8) : value}`);
    }
    s.unit.key("Secret", arg(parts.join(",")), { key, line: r.line });
  }
}

/** `configs:` of a service: the set's file, bind-mounted read-only at the target (default `/<name>`). */
export function mapConfigsUse(s: Svc, v: Node, key: string): void {
  for (const r of refs(s, v, key)) {
    const decl = s.ctx.configs.get(r.source);
    if (!decl) {
      s.ctx.log.error(r.line, key, `config ${r.source} is not declared under the top-level configs:`);
      continue;
    }
    if (!decl.file) continue; // reported where it is declared
    const target = str(r.m?.entries.get("target")) ?? `/${r.source}`;
    const mode = str(r.m?.entries.get("mode"));
    if (mode !== undefined) s.ctx.files.get(decl.file)!.mode = Number(mode) & 0o777;
    for (const k of ["uid", "gid"]) {
      if (r.m?.entries.has(k)) {
        s.ctx.log.warn(
          r.line,
          `${key}.${k}`,
          "a bind-mounted file keeps its owner: the config is owned by the set's user",
        );
      }
    }
    s.unit.key("Volume", `./${decl.file}:${esc(target)}:ro,z`, { key, line: r.line });
  }
}
