/**
 * The fake host's `podman quadlet`, following podman's
 * pkg/domain/infra/abi/quadlet.go: 5.6-5.8 (flat folder, `.NAME.app`
 * apps, assets, refusals and messages, the 5.7.0-5.8.5 `--replace` bug)
 * and 6.x (one sub-folder per application, `--application`,
 * `rm --recursive`, `Pod` in the list), picked by the host's podman version.
 *
 * @module
 */
import { basename, join } from "node:path";
import { last, parseIni, serviceNameOf } from "../fake_host_ini.ts";
import { type HostState, newId, versionAtLeast } from "../fake_host_state.ts";
import type { Answer, Ctx } from "../fake_host_state.ts";
import { daemonReload, lookup } from "../systemd/generator.ts";
import { stopUnit } from "../systemd/units.ts";
import { bool, err, errs, flags, one, output, unknownFlag } from "../fake_host_args.ts";
import { bundleSections, quadletHelp, quadletInstall6, quadletRm6 } from "./quadlet6.ts";

// ---------------------------------------------------------------- quadlet

export const QUADLET_EXT = new Set(["container", "volume", "network", "pod", "kube", "image", "build", "artifact"]);

/** podman 5.7.0-5.8.5: `install --replace` did not truncate (fixed in 5.8.6). */
export function replaceKeepsTail(version: string): boolean {
  const [a = 0, b = 0, c = 0] = version.split(".").map(Number);
  return a === 5 && (b === 7 || (b === 8 && c <= 5));
}

/**
 * podman 5.x asks systemd for the state of each unit in `list` and `rm`,
 * and a template's unit name has no instance: the whole call fails.
 */
export function templateError(names: string[]): Answer | undefined {
  const t = names.find((n) => /@\.[a-z]+$/.test(n));
  if (!t) return undefined;
  const unit = `${t.slice(0, t.lastIndexOf("."))}.service`;
  return err(`querying systemd for unit status: Unit name ${unit} is missing the instance name.`);
}

export function supported(name: string): boolean {
  return QUADLET_EXT.has(name.slice(name.lastIndexOf(".") + 1)) && name.lastIndexOf(".") > 0;
}

export function exists(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined;
  }
}

export function unitDirs(state: HostState): string[] {
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

export function allQuadletPaths(state: HostState): string[] {
  const out: string[] = [];
  for (const dir of unitDirs(state)) {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory && supported(e.name)) out.push(join(dir, e.name));
    }
  }
  return out;
}

export function readLines(path: string): string[] {
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
  const old = replace ? exists(finalPath) : undefined;
  if (old && replaceKeepsTail(state.podmanVersion)) {
    // podman 5.7.0-5.8.5 opened the old file without O_TRUNC: a shorter new file keeps the old tail.
    const before = Deno.readFileSync(finalPath);
    const merged = before.length > bytes.length ? new Uint8Array(before) : new Uint8Array(bytes.length);
    merged.set(bytes);
    Deno.writeFileSync(finalPath, merged);
  } else {
    const tmp = join(state.quadletDir, `.quadlet-install-${newId().slice(0, 9)}`);
    Deno.writeFileSync(tmp, bytes, { mode: 0o644 });
    Deno.renameSync(tmp, finalPath);
  }
  if (!isQuadletFile) appendLine(join(state.quadletDir, assetFile), basename(src));
  else if (assetFile.endsWith(".app")) appendLine(join(state.quadletDir, assetFile), basename(finalPath));
  return finalPath;
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

export function serviceOf(path: string): string {
  return serviceNameOf(basename(path), parseIni(Deno.readTextFileSync(path)));
}

export function quadletList(ctx: Ctx, args: string[]): Answer {
  const { opts } = flags(args, ["--format", "--filter", "-f"]);
  const bad = unknownFlag(opts, ["--format", "--filter", "-f"], "quadlet list");
  if (bad) return bad;
  const six = versionAtLeast(ctx.state.podmanVersion, 6, 0);
  if (!six) {
    const fail = templateError(allQuadletPaths(ctx.state).map((p) => basename(p)));
    if (fail) return fail;
  }
  const { reverse } = appMaps(ctx.state);
  const filters = [...(opts["--filter"] ?? []), ...(opts["-f"] ?? [])];
  const rows = allQuadletPaths(ctx.state).map((path) => {
    const unitName = serviceOf(path);
    const u = lookup(ctx, unitName);
    const base = {
      Name: basename(path),
      UnitName: unitName,
      Path: path,
      Status: u?.def ? `${u.active}/${u.sub}` : "Not loaded",
    };
    if (!six) return { ...base, App: reverse.get(basename(path)) ?? "" };
    // podman 6: the application is the sub-folder; .NAME.app markers are ignored.
    const rel = path.slice(ctx.state.quadletDir.length + 1);
    const ini = parseIni(Deno.readTextFileSync(path));
    return {
      ...base,
      App: rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : "",
      Pod: last(ini, "Container", "Pod") ?? "",
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

export function pathByName(state: HostState, name: string): string {
  if (!supported(name)) throw new Error(`"${name.slice(name.lastIndexOf("."))}" is not a supported quadlet file type`);
  for (const dir of unitDirs(state)) if (exists(join(dir, name))) return join(dir, name);
  throw new Error(`could not locate quadlet "${name}" in any supported quadlet directory: no such quadlet`);
}

export function quadletRm(ctx: Ctx, args: string[]): Answer {
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
  const fail = templateError(paths.map((p) => basename(p)));
  if (fail) return { ...fail, stderr: fail.stderr!.replace("Error: ", "Error: unable to remove Quadlet: ") };
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

export function quadlet(ctx: Ctx, args: string[]): Answer {
  if (!versionAtLeast(ctx.state.podmanVersion, 5, 6)) {
    return err("unrecognized command `podman quadlet`\nTry 'podman --help' for more information");
  }
  const [sub, ...rest] = args;
  const six = versionAtLeast(ctx.state.podmanVersion, 6, 0);
  if (rest.includes("--help") || rest.includes("-h")) return quadletHelp(ctx.state.podmanVersion, sub ?? "");
  switch (sub) {
    case "install":
      return six ? quadletInstall6(ctx, rest) : quadletInstall(ctx, rest);
    case "list":
    case "ls":
      return quadletList(ctx, rest);
    case "rm":
    case "remove":
      return six ? quadletRm6(ctx, rest) : quadletRm(ctx, rest);
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
