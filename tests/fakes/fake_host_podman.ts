/**
 * The fake host's podman: `podman quadlet` (following podman 5.6-5.8's
 * pkg/domain/infra/abi/quadlet.go: apps, assets, refusals and messages),
 * volumes with real folders and tar export/import, secrets (values kept,
 * never printed), images, `ps` and `version`.
 *
 * @module
 */
import { basename, join } from "node:path";
import { last, normalizeImage, parseIni, serviceNameOf } from "./fake_host_ini.ts";
import { type HostState, newId, versionAtLeast } from "./fake_host_state.ts";
import {
  type Answer,
  createVolume,
  type Ctx,
  daemonReload,
  ensureImage,
  lookup,
  stopUnit,
} from "./fake_host_systemd.ts";
import { packDir, unpackInto } from "./fake_host_tar.ts";

const err = (message: string, code = 125): Answer => ({ code, stderr: `Error: ${message}\n` });
const errs = (messages: string[], code = 125): Answer => ({
  code,
  stderr: messages.map((m) => `Error: ${m}\n`).join(""),
});

// ---------------------------------------------------------------- templates

function field(row: unknown, path: string): unknown {
  let v: unknown = row;
  for (const part of path.split(".").filter(Boolean)) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return "<no value>";
  if (Array.isArray(v)) return `[${v.join(" ")}]`;
  if (typeof v === "object") return `map[${Object.entries(v).map(([k, x]) => `${k}:${x}`).join(" ")}]`;
  return String(v);
}

/** Renders a Go template the way `--format` does for each row (the subset people use). */
export function render(format: string, row: unknown): string {
  const text = format.replaceAll("\\t", "\t").replaceAll("\\n", "\n");
  return text.replace(/\{\{\s*(json\s+)?\.([\w.]*)\s*\}\}/g, (_m, json: string | undefined, path: string) => {
    const v = path === "" ? row : field(row, path);
    return json ? JSON.stringify(v) : show(v);
  });
}

function output(format: string | undefined, rows: unknown[], table: () => string): Answer {
  if (format === "json") return { stdout: JSON.stringify(rows, null, 4) + "\n" };
  if (format === undefined || format === "table") return { stdout: table() };
  const body = format.replace(/^table\s+/, "");
  return { stdout: rows.map((r) => render(body, r)).join("\n") + (rows.length ? "\n" : "") };
}

/** Splits flags (with or without `=value`) from positional arguments. */
function flags(args: string[], withValue: string[]): { opts: Record<string, string[]>; pos: string[]; bad?: string } {
  const opts: Record<string, string[]> = {};
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-" || !a.startsWith("-")) {
      pos.push(a);
      continue;
    }
    if (a === "--") {
      pos.push(...args.slice(i + 1));
      break;
    }
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (eq >= 0) (opts[name] ??= []).push(a.slice(eq + 1));
    else if (withValue.includes(name)) (opts[name] ??= []).push(args[++i] ?? "");
    else (opts[name] ??= []).push("true");
  }
  return { opts, pos };
}

function bool(opts: Record<string, string[]>, ...names: string[]): boolean {
  for (const n of names) {
    const v = opts[n];
    if (v) return v[v.length - 1] !== "false";
  }
  return false;
}

function one(opts: Record<string, string[]>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = opts[n];
    if (v) return v[v.length - 1];
  }
  return undefined;
}

function unknownFlag(opts: Record<string, string[]>, known: string[], cmd: string): Answer | undefined {
  const bad = Object.keys(opts).find((k) => !known.includes(k));
  return bad ? err(`unknown flag: ${bad}\nSee 'podman ${cmd} --help'`) : undefined;
}

// ---------------------------------------------------------------- quadlet

const QUADLET_EXT = new Set(["container", "volume", "network", "pod", "kube", "image", "build", "artifact"]);

function supported(name: string): boolean {
  return QUADLET_EXT.has(name.slice(name.lastIndexOf(".") + 1)) && name.lastIndexOf(".") > 0;
}

function exists(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined;
  }
}

function unitDirs(state: HostState): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!exists(dir)?.isDirectory) return;
    out.push(dir);
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory) walk(join(dir, e.name));
    }
  };
  walk(state.quadletDir);
  return out;
}

function allQuadletPaths(state: HostState): string[] {
  const out: string[] = [];
  for (const dir of unitDirs(state)) {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory && supported(e.name)) out.push(join(dir, e.name));
    }
  }
  return out;
}

function readLines(path: string): string[] {
  try {
    return Deno.readTextFileSync(path).split("\n").map((l) => l.trim()).filter(Boolean);
  } catch {
    return [];
  }
}

function appMaps(state: HostState): { reverse: Map<string, string>; apps: Map<string, string[]> } {
  const reverse = new Map<string, string>();
  const apps = new Map<string, string[]>();
  for (const dir of unitDirs(state)) {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.isFile || !e.name.startsWith(".") || !e.name.endsWith(".app")) continue;
      for (const line of readLines(join(dir, e.name))) {
        reverse.set(line, e.name);
        apps.set(e.name, [...(apps.get(e.name) ?? []), line]);
      }
    }
  }
  return { reverse, apps };
}

function appendLine(path: string, text: string): void {
  if (readLines(path).includes(text)) return;
  Deno.writeTextFileSync(path, text + "\n", { append: true, create: true });
}

function installOne(
  state: HostState,
  src: string,
  destName: string,
  assetFile: string,
  isQuadletFile: boolean,
  replace: boolean,
): string {
  const info = exists(src);
  if (!info) {
    throw new Error(
      `quadlet to install "${src}" does not exist or cannot be read: stat ${src}: no such file or directory`,
    );
  }
  if (info.isDirectory) throw new Error(`quadlet to install "${src}" is not a file`);
  const finalPath = join(state.quadletDir, destName || basename(src));
  if (isQuadletFile && !supported(finalPath)) {
    throw new Error(`"${finalPath.slice(finalPath.lastIndexOf("."))}" is not a supported Quadlet file type`);
  }
  if (!replace && exists(finalPath)) {
    throw new Error(`a Quadlet with name ${basename(finalPath)} already exists, refusing to overwrite`);
  }
  const bytes = Deno.readFileSync(src);
  const tmp = join(state.quadletDir, `.quadlet-install-${newId().slice(0, 9)}`);
  Deno.writeFileSync(tmp, bytes, { mode: 0o644 });
  Deno.renameSync(tmp, finalPath);
  if (!isQuadletFile) appendLine(join(state.quadletDir, assetFile), basename(src));
  else if (assetFile.endsWith(".app")) appendLine(join(state.quadletDir, assetFile), basename(finalPath));
  return finalPath;
}

function bundleSections(path: string): { name: string; content: string }[] {
  const sections = Deno.readTextFileSync(path).split("\n").reduce<string[][]>((acc, line) => {
    if (line.trim() === "---") acc.push([]);
    else acc[acc.length - 1]!.push(line);
    return acc;
  }, [[]]).map((l) => l.join("\n").trim()).filter(Boolean);
  return sections.map((content, i) => {
    const header = /^\s*\[(\w+)\]\s*$/m.exec(content)?.[1]?.toLowerCase();
    if (!header || !QUADLET_EXT.has(header)) {
      throw new Error(
        `unable to detect quadlet type in section ${
          i + 1
        }: no recognized quadlet section found (expected [Container], [Volume], [Network], [Kube], [Image], [Build], or [Pod])`,
      );
    }
    const name = /^\s*#\s*FileName=(.*)$/m.exec(content)?.[1]?.trim();
    if (!name) {
      throw new Error(
        `section ${i + 1}: missing required '# FileName=<name>' comment at the beginning of quadlet section`,
      );
    }
    return { name: `${name}.${header}`, content };
  });
}

function quadletInstall(ctx: Ctx, args: string[]): Answer {
  const { state } = ctx;
  const { opts, pos } = flags(args, []);
  const known = ["--reload-systemd", ...(versionAtLeast(state.podmanVersion, 5, 7) ? ["--replace"] : [])];
  const bad = unknownFlag(opts, known, "quadlet install");
  if (bad) return bad;
  if (pos.length === 0) return err("must provide at least one argument");
  const replace = bool(opts, "--replace");
  const reload = opts["--reload-systemd"] ? bool(opts, "--reload-systemd") : true;
  Deno.mkdirSync(state.quadletDir, { recursive: true });
  let assetFile = "";
  let paths = pos;
  const first = exists(pos[0]!);
  if (!first) return err(`unable to stat Quadlet path ${pos[0]}: stat ${pos[0]}: no such file or directory`);
  if (first.isDirectory) {
    const entries = [...Deno.readDirSync(pos[0]!)].map((e) => e.name).sort();
    paths = [...entries.map((e) => join(pos[0]!, e)), ...pos.slice(1)];
    assetFile = `.${basename(pos[0]!)}.app`;
  }
  const installed: string[] = [];
  const failures: string[] = [];
  for (const p of paths) {
    let asset = assetFile;
    let validate = false;
    if (asset === "") {
      if (p.endsWith(".quadlets")) asset = `.${basename(p).slice(0, -".quadlets".length)}.app`;
      else asset = supported(p) ? `.${basename(p)}.app` : `.${basename(p)}.asset`;
      validate = true;
      assetFile = asset;
    }
    try {
      if (!exists(p)) throw new Error(`stat ${p}: no such file or directory`);
      if (p.endsWith(".quadlets")) {
        if (!versionAtLeast(state.podmanVersion, 5, 8)) {
          throw new Error(`".quadlets" is not a supported Quadlet file type`);
        }
        for (const s of bundleSections(p)) {
          const tmp = Deno.makeTempFileSync({ suffix: s.name });
          try {
            Deno.writeTextFileSync(tmp, s.content);
            installed.push(installOne(state, tmp, s.name, asset, true, replace));
          } finally {
            Deno.removeSync(tmp);
          }
        }
      } else installed.push(installOne(state, p, "", asset, validate, replace));
    } catch (error) {
      failures.push(`quadlet "${p}" failed to install: ${(error as Error).message}`);
    }
  }
  if (reload) daemonReload(ctx);
  const stdout = installed.map((p) => p + "\n").join("");
  if (failures.length) return { ...errs([...failures, "errors occurred installing some Quadlets"]), stdout };
  return { stdout };
}

function serviceOf(path: string): string {
  return serviceNameOf(basename(path), parseIni(Deno.readTextFileSync(path)));
}

function quadletList(ctx: Ctx, args: string[]): Answer {
  const { opts } = flags(args, ["--format", "--filter", "-f"]);
  const bad = unknownFlag(opts, ["--format", "--filter", "-f"], "quadlet list");
  if (bad) return bad;
  const { reverse } = appMaps(ctx.state);
  const filters = [...(opts["--filter"] ?? []), ...(opts["-f"] ?? [])];
  const rows = allQuadletPaths(ctx.state).map((path) => {
    const unitName = serviceOf(path);
    const u = lookup(ctx, unitName);
    return {
      Name: basename(path),
      UnitName: unitName,
      Path: path,
      Status: u?.def ? `${u.active}/${u.sub}` : "Not loaded",
      App: reverse.get(basename(path)) ?? "",
    };
  }).filter((r) =>
    filters.every((f) => {
      const [k, v = ""] = f.split("=");
      const re = new RegExp(v.replaceAll("*", ".*"));
      return k === "name" ? re.test(r.Name) : k === "status" ? re.test(r.Status) : true;
    })
  );
  const format = one(opts, "--format");
  if (format === "json") return { stdout: JSON.stringify(rows, null, 2) + "\n" };
  return output(
    format,
    rows,
    () =>
      "NAME\tUNIT NAME\tPATH ON DISK\tSTATUS\tAPPLICATION\n" +
      rows.map((r) => `${r.Name}\t${r.UnitName}\t${r.Path}\t${r.Status}\t${r.App}\n`).join(""),
  );
}

function pathByName(state: HostState, name: string): string {
  if (!supported(name)) throw new Error(`"${name.slice(name.lastIndexOf("."))}" is not a supported quadlet file type`);
  for (const dir of unitDirs(state)) if (exists(join(dir, name))) return join(dir, name);
  throw new Error(`could not locate quadlet "${name}" in any supported quadlet directory: no such quadlet`);
}

function quadletRm(ctx: Ctx, args: string[]): Answer {
  const { state } = ctx;
  const { opts, pos } = flags(args, []);
  const bad = unknownFlag(opts, ["--force", "-f", "--all", "-a", "--ignore", "-i", "--reload-systemd"], "quadlet rm");
  if (bad) return bad;
  const force = bool(opts, "--force", "-f");
  const all = bool(opts, "--all", "-a");
  const ignore = bool(opts, "--ignore", "-i");
  const reload = opts["--reload-systemd"] ? bool(opts, "--reload-systemd") : true;
  if (pos.length === 0 && !all) return err("at least one quadlet file must be selected");
  const { reverse, apps } = appMaps(state);
  const removeList: string[] = [];
  let quadlets: string[] = [];
  for (const q of pos) {
    if (q.startsWith(".") && q.endsWith(".app")) {
      for (const f of apps.get(q) ?? []) (supported(f) ? quadlets : removeList).push(f);
      if (!removeList.includes(q)) removeList.push(q);
    } else quadlets.push(q);
  }
  if (quadlets.length === 0 && !all) return err("unable to remove Quadlet: must provide at least 1 quadlet to remove");
  if (all) quadlets = allQuadletPaths(state);
  const removed: string[] = [];
  const errors = new Map<string, string>();
  const paths: string[] = [];
  const services = new Map<string, string>();
  for (let i = 0; i < quadlets.length; i++) {
    const q = quadlets[i]!;
    let path: string;
    try {
      path = all ? q : pathByName(state, q);
    } catch (e) {
      if (ignore) removed.push(q);
      else errors.set(q, (e as Error).message);
      continue;
    }
    const app = reverse.get(q);
    if (app) {
      if (!removeList.includes(app)) removeList.push(app);
      for (const entry of readLines(join(state.quadletDir, app))) {
        if (!supported(entry)) removeList.push(entry);
        else if (!quadlets.includes(entry)) quadlets.push(entry);
      }
    }
    paths.push(path);
    try {
      services.set(serviceOf(path), basename(path));
    } catch (e) {
      errors.set(q, (e as Error).message);
    }
  }
  const running: string[] = [];
  for (const [service, q] of services) {
    const u = lookup(ctx, service);
    if (!u?.def || u.active !== "active") continue;
    if (!force) {
      errors.set(q, `quadlet ${q} is running and force is not set, refusing to remove: quadlet is running`);
      running.push(q);
      continue;
    }
    stopUnit(ctx, service);
  }
  for (const path of paths) {
    const name = basename(path);
    const assetFile = join(state.quadletDir, `.${name}.asset`);
    for (const entry of readLines(assetFile)) {
      try {
        Deno.removeSync(join(state.quadletDir, entry));
      } catch { /* reported by podman only as a joined error */ }
    }
    if (exists(assetFile)) Deno.removeSync(assetFile);
    if (running.includes(name)) continue;
    try {
      Deno.removeSync(path);
    } catch { /* already gone */ }
    for (const entry of removeList) {
      try {
        Deno.removeSync(join(state.quadletDir, entry));
      } catch { /* ignored like os.Remove's error */ }
    }
    removed.push(name);
  }
  if (reload) daemonReload(ctx);
  const stdout = removed.map((r) => r + "\n").join("");
  if (errors.size) {
    return {
      ...errs([
        ...[...errors].map(([q, e]) => `unable to remove Quadlet ${q}: ${e}`),
        "some quadlets could not be removed",
      ]),
      stdout,
    };
  }
  return { stdout };
}

function quadletPrint(ctx: Ctx, args: string[]): Answer {
  if (!versionAtLeast(ctx.state.podmanVersion, 5, 7)) return err("unrecognized command `podman quadlet print`");
  if (args.length !== 1) return err(`accepts 1 arg(s), received ${args.length}`);
  try {
    return { stdout: Deno.readTextFileSync(pathByName(ctx.state, args[0]!)) };
  } catch (e) {
    return err((e as Error).message);
  }
}

function quadlet(ctx: Ctx, args: string[]): Answer {
  if (!versionAtLeast(ctx.state.podmanVersion, 5, 6)) {
    return err("unrecognized command `podman quadlet`\nTry 'podman --help' for more information");
  }
  const [sub, ...rest] = args;
  switch (sub) {
    case "install":
      return quadletInstall(ctx, rest);
    case "list":
    case "ls":
      return quadletList(ctx, rest);
    case "rm":
    case "remove":
      return quadletRm(ctx, rest);
    case "print":
    case "cat":
      return quadletPrint(ctx, rest);
    case "exists":
      try {
        pathByName(ctx.state, rest[0] ?? "");
        return {};
      } catch {
        return { code: 1 };
      }
    default:
      return err(
        `unrecognized command \`podman quadlet ${sub ?? ""}\`\nTry 'podman quadlet --help' for more information`,
      );
  }
}

// ---------------------------------------------------------------- volumes

function volumeRow(state: HostState, name: string) {
  const v = state.volumes[name]!;
  return {
    Name: v.name,
    Driver: "local",
    Mountpoint: v.mountpoint,
    CreatedAt: v.createdAt,
    Labels: v.labels,
    Scope: "local",
    Options: {},
    MountCount: 0,
    NeedsCopyUp: true,
    NeedsChown: true,
  };
}

function usersOf(state: HostState, volume: string): string[] {
  return Object.values(state.containers).filter((c) => c.volumes.includes(volume)).map((c) => c.id);
}

function volume(ctx: Ctx, args: string[], stdin: Uint8Array): Answer {
  const { state } = ctx;
  const [sub, ...rest] = args;
  const { opts, pos } = flags(rest, ["--format", "--filter", "--label", "-l", "--output", "-o"]);
  switch (sub) {
    case "ls":
    case "list": {
      const filters = opts["--filter"] ?? [];
      const rows = Object.keys(state.volumes).sort().map((n) => volumeRow(state, n)).filter((r) =>
        filters.every((f) => {
          const [k, ...v] = f.split("=");
          if (k === "name") return r.Name === v.join("=") || new RegExp(`^${v.join("=")}$`).test(r.Name);
          if (k === "label") return v.length === 1 ? v[0]! in r.Labels : r.Labels[v[0]!] === v.slice(1).join("=");
          return true;
        })
      );
      if (bool(opts, "-q", "--quiet")) return { stdout: rows.map((r) => r.Name + "\n").join("") };
      return output(
        one(opts, "--format"),
        rows,
        () => "DRIVER      VOLUME NAME\n" + rows.map((r) => `local       ${r.Name}\n`).join(""),
      );
    }
    case "inspect": {
      const names = bool(opts, "--all", "-a") ? Object.keys(state.volumes).sort() : pos;
      if (names.length === 0) return err("provide one or more volume names or use --all");
      const missing = names.find((n) => !state.volumes[n]);
      if (missing) return err(`no such volume ${missing}`);
      const rows = names.map((n) => volumeRow(state, n));
      const format = one(opts, "--format", "-f");
      if (format && format !== "json") return { stdout: rows.map((r) => render(format, r)).join("\n") + "\n" };
      return { stdout: JSON.stringify(rows, null, 4) + "\n" };
    }
    case "exists":
      return { code: state.volumes[pos[0] ?? ""] ? 0 : 1 };
    case "create": {
      const name = pos[0] ?? newId();
      if (state.volumes[name]) {
        if (bool(opts, "--ignore")) return { stdout: name + "\n" };
        return err(`volume with name ${name} already exists: volume already exists`);
      }
      const labels: Record<string, string> = {};
      for (const l of [...(opts["--label"] ?? []), ...(opts["-l"] ?? [])]) {
        const [k, ...v] = l.split("=");
        labels[k!] = v.join("=");
      }
      createVolume(ctx, name, labels);
      return { stdout: name + "\n" };
    }
    case "rm":
    case "remove": {
      const force = bool(opts, "--force", "-f");
      const names = bool(opts, "--all", "-a") ? Object.keys(state.volumes) : pos;
      if (names.length === 0) return err("choose either one or more volumes or all");
      const out: string[] = [];
      for (const n of names) {
        if (!state.volumes[n]) {
          return {
            stdout: out.map((o) => o + "\n").join(""),
            ...err(`no volume with name "${n}" found: no such volume`, 1),
          };
        }
        const users = usersOf(state, n);
        if (users.length && !force) {
          return {
            stdout: out.map((o) => o + "\n").join(""),
            ...err(
              `volume ${n} is being used by the following container(s): ${users.join(", ")}: volume is being used`,
              2,
            ),
          };
        }
        for (const [cname, c] of Object.entries(state.containers)) {
          if (users.includes(c.id)) delete state.containers[cname];
        }
        Deno.removeSync(join(state.volumeRoot, n), { recursive: true });
        delete state.volumes[n];
        out.push(n);
      }
      return { stdout: out.map((o) => o + "\n").join("") };
    }
    case "export": {
      if (pos.length !== 1) return err(`accepts 1 arg(s), received ${pos.length}`);
      const v = state.volumes[pos[0]!];
      if (!v) return err(`no such volume ${pos[0]}`);
      const tar = packDir(v.mountpoint);
      const file = one(opts, "--output", "-o");
      if (file) {
        Deno.writeFileSync(file, tar);
        return {};
      }
      return { stdout: tar };
    }
    case "import": {
      if (pos.length !== 2) return err(`accepts 2 arg(s), received ${pos.length}`);
      const v = state.volumes[pos[0]!];
      if (!v) return err(`no such volume ${pos[0]}`);
      let tar: Uint8Array;
      try {
        tar = pos[1] === "-" ? stdin : Deno.readFileSync(pos[1]!);
      } catch {
        return err(`open ${pos[1]}: no such file or directory`);
      }
      try {
        unpackInto(tar, v.mountpoint);
      } catch (e) {
        return err(`extracting archive to volume ${v.name}: ${(e as Error).message}`);
      }
      return {};
    }
    default:
      return err(
        `unrecognized command \`podman volume ${sub ?? ""}\`\nTry 'podman volume --help' for more information`,
      );
  }
}

// ---------------------------------------------------------------- secrets

const SECRET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function secretRow(state: HostState, name: string) {
  const s = state.secrets[name]!;
  return { ID: s.id, Name: name, Driver: "file", CreatedAt: s.createdAt, UpdatedAt: s.updatedAt };
}

function secret(ctx: Ctx, args: string[], stdin: Uint8Array): Answer {
  const { state } = ctx;
  const [sub, ...rest] = args;
  const { opts, pos } = flags(rest, ["--format", "--driver", "-d", "--label", "-l", "--filter"]);
  switch (sub) {
    case "create": {
      const bad = unknownFlag(opts, ["--replace", "--driver", "-d", "--label", "-l", "--env"], "secret create");
      if (bad) return bad;
      if (pos.length !== 2) return err(`accepts 2 arg(s), received ${pos.length}`);
      const [name, source] = pos as [string, string];
      let data: Uint8Array;
      if (source === "-") data = stdin;
      else {
        try {
          data = Deno.readFileSync(source);
        } catch {
          return err(`open ${source}: no such file or directory`);
        }
      }
      if (!SECRET_NAME.test(name) || name.length > 253) {
        return err(`secret name "${name}" is invalid: invalid secret name`);
      }
      if (data.length === 0 || data.length >= 512_000) {
        return err("secret data must be larger than 0 and less than 512000 bytes");
      }
      const existing = state.secrets[name];
      if (existing && !bool(opts, "--replace")) return err(`${name}: secret name in use`);
      const now = new Date(ctx.now).toISOString();
      const id = newId().slice(0, 25);
      state.secrets[name] = { id, value: b64(data), createdAt: existing?.createdAt ?? now, updatedAt: now };
      return { stdout: id + "\n" };
    }
    case "ls":
    case "list": {
      const rows = Object.keys(state.secrets).sort().map((n) => secretRow(state, n));
      if (bool(opts, "-q", "--quiet")) return { stdout: rows.map((r) => r.ID + "\n").join("") };
      return output(
        one(opts, "--format"),
        rows,
        () =>
          "ID                         NAME        DRIVER      CREATED     UPDATED\n" +
          rows.map((r) => `${r.ID}  ${r.Name}  file  now  now\n`).join(""),
      );
    }
    case "inspect": {
      // --showsecret is accepted but the fake never prints a value.
      if (pos.length === 0) return err("requires at least 1 arg(s), only received 0");
      const missing = pos.find((n) => !state.secrets[n]);
      if (missing) return err(`inspecting secret: no secret with name or id "${missing}": no such secret`);
      const rows = pos.map((n) => {
        const s = state.secrets[n]!;
        return {
          ID: s.id,
          CreatedAt: s.createdAt,
          UpdatedAt: s.updatedAt,
          Spec: { Name: n, Driver: { Name: "file", Options: { path: "/fake/secrets/filedriver" } }, Labels: {} },
        };
      });
      const format = one(opts, "--format", "-f");
      if (format && format !== "json") return { stdout: rows.map((r) => render(format, r)).join("\n") + "\n" };
      return { stdout: JSON.stringify(rows, null, 4) + "\n" };
    }
    case "exists":
      return { code: state.secrets[pos[0] ?? ""] ? 0 : 1 };
    case "rm":
    case "remove": {
      const names = bool(opts, "--all", "-a") ? Object.keys(state.secrets) : pos;
      if (names.length === 0) return err("`podman secret rm` requires one argument");
      const out: string[] = [];
      for (const n of names) {
        const s = state.secrets[n];
        if (!s) {
          if (bool(opts, "--ignore", "-i")) continue;
          return { stdout: out.join(""), ...err(`no secret with name or id "${n}": no such secret`, 1) };
        }
        delete state.secrets[n];
        out.push(s.id + "\n");
      }
      return { stdout: out.join("") };
    }
    default:
      return err(
        `unrecognized command \`podman secret ${sub ?? ""}\`\nTry 'podman secret --help' for more information`,
      );
  }
}

// ---------------------------------------------------------------- images, containers

function imageRows(state: HostState) {
  return state.images.map((i) => {
    const colon = i.lastIndexOf(":");
    return { Repository: i.slice(0, colon), Tag: i.slice(colon + 1), Id: newIdFor(i), Names: [i] };
  });
}

function newIdFor(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(12, "0").slice(0, 12);
}

function image(ctx: Ctx, sub: string | undefined, rest: string[]): Answer {
  const { state } = ctx;
  const { opts, pos } = flags(rest, ["--format", "--filter"]);
  switch (sub) {
    case "exists":
      return { code: state.images.includes(normalizeImage(pos[0] ?? "")) ? 0 : 1 };
    case "ls":
    case "list": {
      const rows = imageRows(state);
      return output(
        one(opts, "--format"),
        rows,
        () => "REPOSITORY  TAG  IMAGE ID\n" + rows.map((r) => `${r.Repository}  ${r.Tag}  ${r.Id}\n`).join(""),
      );
    }
    case "pull": {
      const out: string[] = [];
      for (const ref of pos) {
        const e = ensureImage(ctx, ref);
        if (e) return { stdout: out.join(""), stderr: `Trying to pull ${normalizeImage(ref)}...\n${e}\n`, code: 125 };
        out.push(newIdFor(normalizeImage(ref)) + "\n");
      }
      return { stdout: out.join("") };
    }
    case "rm": {
      for (const ref of pos) {
        const n = normalizeImage(ref);
        if (!state.images.includes(n)) return err(`${ref}: image not known`, 1);
        state.images = state.images.filter((i) => i !== n);
      }
      return {};
    }
    default:
      return err(`unrecognized command \`podman image ${sub ?? ""}\`\nTry 'podman image --help' for more information`);
  }
}

function ps(ctx: Ctx, args: string[]): Answer {
  const { opts } = flags(args, ["--format", "--filter", "-f"]);
  const filters = [...(opts["--filter"] ?? []), ...(opts["-f"] ?? [])];
  const rows = Object.values(ctx.state.containers).sort((a, b) => a.name.localeCompare(b.name)).map((c) => ({
    Id: c.id,
    Names: [c.name],
    Image: c.image,
    State: "running",
    Status: "Up",
    Labels: { PODMAN_SYSTEMD_UNIT: c.unit },
    Ports: c.ports,
    Mounts: c.volumes,
    StartedAt: c.startedAt,
  })).filter((r) =>
    filters.every((f) => {
      const [k, ...v] = f.split("=");
      if (k === "name") return r.Names[0] === v.join("=");
      if (k === "label") {
        return v[0] === "PODMAN_SYSTEMD_UNIT" ? r.Labels.PODMAN_SYSTEMD_UNIT === v.slice(1).join("=") : false;
      }
      return true;
    })
  );
  if (bool(opts, "-q", "--quiet")) return { stdout: rows.map((r) => r.Id.slice(0, 12) + "\n").join("") };
  return output(
    one(opts, "--format"),
    rows,
    () =>
      "CONTAINER ID  IMAGE  COMMAND  CREATED  STATUS  PORTS  NAMES\n" +
      rows.map((r) => `${r.Id.slice(0, 12)}  ${r.Image}    now  Up  ${r.Ports.join(", ")}  ${r.Names[0]}\n`).join(""),
  );
}

/** How long a container's healthcheck reports "starting" before its first result (ms). */
export const HEALTH_FIRST_RESULT_MS = 300;

/**
 * `podman inspect` / `podman container inspect` of running containers.
 * A container whose unit has `HealthCmd=` reports State.Health: "starting"
 * for {@linkcode HEALTH_FIRST_RESULT_MS}, then "unhealthy" when the command
 * is `false`/`/bin/false`/`exit 1`, else "healthy".
 */
function inspect(ctx: Ctx, args: string[]): Answer {
  const { opts, pos } = flags(args, ["--format", "-f", "--type", "-t"]);
  if (pos.length === 0) return err("must provide at least one name or id");
  const rows: unknown[] = [];
  for (const name of pos) {
    const c = Object.values(ctx.state.containers).find((x) => x.name === name || x.id.startsWith(name));
    if (!c) return err(`no such object: "${name}"`);
    const cmd = last(ctx.state.units[c.unit]?.def, "Container", "HealthCmd");
    const age = ctx.now - Date.parse(c.startedAt);
    const health = cmd && cmd !== "none"
      ? {
        Status: age < HEALTH_FIRST_RESULT_MS
          ? "starting"
          : /(^|[\s/])false(\s|$)|exit 1/.test(cmd)
          ? "unhealthy"
          : "healthy",
        FailingStreak: 0,
        Log: [],
      }
      : undefined;
    rows.push({
      Id: c.id,
      Name: c.name,
      ImageName: c.image,
      State: { Status: "running", Running: true, StartedAt: c.startedAt, ...(health ? { Health: health } : {}) },
      Config: { Labels: { PODMAN_SYSTEMD_UNIT: c.unit } },
    });
  }
  const format = one(opts, "--format", "-f");
  if (format && format !== "json") return { stdout: rows.map((r) => render(format, r)).join("\n") + "\n" };
  return { stdout: JSON.stringify(rows, null, 4) + "\n" };
}

/** Answers `podman ARGS`. */
export function podman(ctx: Ctx, args: string[], stdin: Uint8Array): Answer {
  const { state } = ctx;
  const [cmd, ...rest] = args;
  switch (cmd) {
    case "--version":
    case "-v":
      return { stdout: `podman version ${state.podmanVersion}\n` };
    case "version": {
      const { opts } = flags(rest, ["--format", "-f"]);
      const info = { Client: { Version: state.podmanVersion, APIVersion: state.podmanVersion, OsArch: "linux/amd64" } };
      const format = one(opts, "--format", "-f");
      if (format === "json") return { stdout: JSON.stringify(info, null, 4) + "\n" };
      if (format) return { stdout: render(format, info) + "\n" };
      return {
        stdout: `Client:       Podman Engine\nVersion:      ${state.podmanVersion}\nOS/Arch:      linux/amd64\n`,
      };
    }
    case "quadlet":
      return quadlet(ctx, rest);
    case "volume":
      return volume(ctx, rest, stdin);
    case "secret":
      return secret(ctx, rest, stdin);
    case "image":
      return image(ctx, rest[0], rest.slice(1));
    case "images":
      return image(ctx, "ls", rest);
    case "pull":
      return image(ctx, "pull", rest);
    case "ps":
      return ps(ctx, rest);
    case "inspect":
      return inspect(ctx, rest);
    case "container":
      if (rest[0] === "inspect") return inspect(ctx, rest.slice(1));
      return err(`unrecognized command \`podman container ${rest[0] ?? ""}\``);
    case undefined:
      return err("missing command 'podman COMMAND'\nTry 'podman --help' for more information");
    default:
      return err(`unrecognized command \`podman ${cmd}\`\nTry 'podman --help' for more information`);
  }
}
