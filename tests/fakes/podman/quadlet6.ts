/**
 * The fake host's `podman quadlet install` and `rm` as podman 6.x does them
 * (seen on podman 6.1.1, see PODMAN-QUADLET.md): an application is a
 * sub-folder of the quadlet folder, installed with `--application NAME`
 * (recursing into drop-in and other folders) and removed with
 * `rm --recursive NAME`; `.NAME.app` files of podman 5.x mean nothing.
 * Also the `--help` texts of every version, which leger probes.
 *
 * @module
 */
import { basename, dirname, join, relative } from "node:path";
import { versionAtLeast } from "../fake_host_state.ts";
import type { Answer, Ctx } from "../fake_host_state.ts";
import { daemonReload, lookup } from "../systemd/generator.ts";
import { stopUnit } from "../systemd/units.ts";
import { bool, err, errs, flags, one, unknownFlag } from "../fake_host_args.ts";
import { allQuadletPaths, exists, QUADLET_EXT, serviceOf, supported, unitDirs } from "./quadlet.ts";

/** `podman quadlet SUB --help`: the options part, as each version prints it. */
export function quadletHelp(version: string, sub: string): Answer {
  const six = versionAtLeast(version, 6, 0);
  const lines: Record<string, string[]> = {
    install: [
      ...(six
        ? ["      --application string   Group quadlets and associated file in a directory named after the application"]
        : []),
      "      --reload-systemd       Reload systemd after installing Quadlets (default true)",
      ...(versionAtLeast(version, 5, 7)
        ? ["  -r, --replace              Replace the installation even if the quadlet already exists"]
        : []),
    ],
    rm: [
      "  -a, --all              Remove all Quadlets for the current user",
      "  -f, --force            Remove running quadlets",
      "  -i, --ignore           Do not error for Quadlets that do not exist",
      ...(six
        ? ["      --recursive        Remove all Quadlets belonging to the specified application and its directory"]
        : []),
      "      --reload-systemd   Reload systemd after removal (default true)",
    ],
    list: [
      "  -f, --filter stringArray   Filter output based on conditions given",
      "      --format string        Pretty-print output to JSON or using a Go template",
      ...(six ? ["  -n, --noheading            Do not print headers"] : []),
    ],
  };
  const opts = lines[sub === "remove" ? "rm" : sub === "ls" ? "list" : sub];
  if (!opts) return { stdout: "Manage Quadlets\n" };
  return { stdout: `Usage:\n  podman quadlet ${sub} [options]\n\nOptions:\n${opts.join("\n")}\n\n` };
}

/** The sections of a `.quadlets` bundle (podman 5.8+), each named by its `# FileName=`. */
export function bundleSections(path: string): { name: string; content: string }[] {
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

function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory) out.push(...walkFiles(join(dir, e.name)));
    else out.push(join(dir, e.name));
  }
  return out;
}

function place(bytes: Uint8Array, dest: string, replace: boolean): void {
  if (!replace && exists(dest)) {
    throw new Error(`a Quadlet with name ${basename(dest)} already exists, refusing to overwrite`);
  }
  Deno.mkdirSync(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.quadlet-install-${crypto.randomUUID().slice(0, 9)}`);
  Deno.writeFileSync(tmp, bytes, { mode: 0o644 });
  Deno.renameSync(tmp, dest);
}

/** `podman quadlet install` of podman 6. */
export function quadletInstall6(ctx: Ctx, args: string[]): Answer {
  const { state } = ctx;
  const { opts, pos } = flags(args, ["--application"]);
  const bad = unknownFlag(opts, ["--reload-systemd", "--replace", "-r", "--application"], "quadlet install");
  if (bad) return bad;
  if (pos.length === 0) return err("must provide at least one argument");
  const replace = bool(opts, "--replace", "-r");
  const reload = opts["--reload-systemd"] ? bool(opts, "--reload-systemd") : true;
  const app = one(opts, "--application") ?? "";
  const first = exists(pos[0]!);
  if (!first) return err(`unable to stat Quadlet path ${pos[0]}: stat ${pos[0]}: no such file or directory`);
  if (first.isDirectory && app === "") return err("application name cannot be empty when installing from directory");
  Deno.mkdirSync(state.quadletDir, { recursive: true });
  const target = app ? join(state.quadletDir, app) : state.quadletDir;
  const sources: { src: string; rel: string }[] = [];
  if (first.isDirectory) {
    for (const f of walkFiles(pos[0]!)) sources.push({ src: f, rel: relative(pos[0]!, f) });
  } else sources.push({ src: pos[0]!, rel: basename(pos[0]!) });
  for (const p of pos.slice(1)) sources.push({ src: p, rel: basename(p) });
  const installed: string[] = [];
  const failures: string[] = [];
  for (const { src, rel } of sources) {
    try {
      if (!exists(src)) throw new Error(`stat ${src}: no such file or directory`);
      if (src.endsWith(".quadlets")) {
        for (const s of bundleSections(src)) {
          const dest = join(target, dirname(rel), s.name);
          place(new TextEncoder().encode(s.content), dest, replace);
          installed.push(dest);
        }
        continue;
      }
      if (!app && !supported(src)) {
        throw new Error(`"${src.slice(src.lastIndexOf("."))}" is not a supported Quadlet file type`);
      }
      const dest = join(target, rel);
      place(Deno.readFileSync(src), dest, replace);
      installed.push(dest);
    } catch (error) {
      failures.push(`quadlet "${src}" failed to install: ${(error as Error).message}`);
    }
  }
  if (reload) daemonReload(ctx);
  const stdout = installed.map((p) => p + "\n").join("");
  if (failures.length) return { ...errs([...failures, "errors occurred installing some Quadlets"]), stdout };
  return { stdout };
}

function appOf(quadletDir: string, path: string): string {
  const rel = relative(quadletDir, path);
  return rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : "";
}

/** `podman quadlet rm` of podman 6. */
export function quadletRm6(ctx: Ctx, args: string[]): Answer {
  const { state } = ctx;
  const { opts, pos } = flags(args, []);
  const known = ["--force", "-f", "--all", "-a", "--ignore", "-i", "--reload-systemd", "--recursive"];
  const bad = unknownFlag(opts, known, "quadlet rm");
  if (bad) return bad;
  const force = bool(opts, "--force", "-f");
  const ignore = bool(opts, "--ignore", "-i");
  const recursive = bool(opts, "--recursive");
  const reload = opts["--reload-systemd"] ? bool(opts, "--reload-systemd") : true;
  const all = bool(opts, "--all", "-a");
  if (pos.length === 0 && !all) return err("at least one quadlet file must be selected");
  const removed: string[] = [];
  const errors: string[] = [];
  const removeMembers = (label: string, paths: string[]): boolean => {
    let ok = true;
    for (const path of paths) {
      const service = serviceOf(path);
      const u = lookup(ctx, service);
      if (u?.def && u.active === "active") {
        if (!force) {
          errors.push(
            `unable to remove Quadlet ${label}: quadlet ${
              basename(path)
            } is running and force is not set, refusing to remove: quadlet is running`,
          );
          ok = false;
          continue;
        }
        stopUnit(ctx, service);
      }
      Deno.removeSync(path);
      removed.push(basename(path));
    }
    return ok;
  };
  const targets = all ? [...new Set(allQuadletPaths(state).map((p) => appOf(state.quadletDir, p) || p))] : pos;
  for (const q of targets) {
    if (q.startsWith("/")) { // --all: a top-level file
      removeMembers(basename(q), [q]);
      continue;
    }
    const dir = join(state.quadletDir, q);
    const isApp = !supported(q) || (exists(dir)?.isDirectory ?? false);
    if (isApp) {
      if (!exists(dir)?.isDirectory) {
        errors.push(`unable to remove Quadlet: no such application "${q}"`);
        continue;
      }
      if (!recursive) {
        errors.push(`unable to remove Quadlet: refusing to remove application "${q}": recursive option is not set`);
        continue;
      }
      const members = walkFiles(dir).filter((p) => supported(p));
      if (removeMembers(q, members)) Deno.removeSync(dir, { recursive: true });
      continue;
    }
    const path = unitDirs(state).map((d) => join(d, q)).find((p) => exists(p)?.isFile);
    if (!path) {
      if (ignore) removed.push(q);
      else {errors.push(
          `unable to remove Quadlet ${q}: could not locate quadlet "${q}" in any supported quadlet directory`,
        );}
      continue;
    }
    const app = appOf(state.quadletDir, path);
    if (app && !recursive) {
      errors.push(`unable to remove Quadlet: refusing to remove application "${app}": recursive option is not set`);
      continue;
    }
    if (app) {
      const appDir = join(state.quadletDir, app);
      if (removeMembers(app, walkFiles(appDir).filter((p) => supported(p)))) {
        Deno.removeSync(appDir, { recursive: true });
      }
    } else removeMembers(q, [path]);
  }
  if (reload) daemonReload(ctx);
  const stdout = removed.map((r) => r + "\n").join("");
  if (errors.length) {
    const tail = errors.some((e) => e.includes("is running")) ? ["some quadlets could not be removed"] : [];
    return { ...errs([...errors, ...tail]), stdout };
  }
  return { stdout };
}
