/**
 * The fake host's systemd: a generator that turns the quadlet folder into
 * units at `daemon-reload` (recursively, with drop-ins, refusing what the
 * real generator refuses), units that start, fail, crash and restart on
 * their own clock, and `systemctl` / `journalctl` answering like systemd
 * 25x does.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import {
  all,
  type Ini,
  KIND_SINCE,
  kindOf,
  last,
  normalizeImage,
  objectNameOf,
  parseIni,
  registryOf,
  sectionOf,
  serviceNameOf,
} from "./fake_host_ini.ts";
import { type HostState, newId, type UnitRecord, versionAtLeast } from "./fake_host_state.ts";
import { enableUnits } from "./fake_host_enable.ts";

/** What a fake command answers (structurally lib/host/shell.ts's FakeResult). */
export interface Answer {
  code?: number;
  stdout?: string | Uint8Array;
  stderr?: string;
}

/** One transaction's view: the state, the clock, and which manager is asked. */
export interface Ctx {
  state: HostState;
  now: number;
}

const START_LIMIT_BURST = 5;
const MANAGER_PID = 1187;

// ---------------------------------------------------------------- journal

/** Adds a journal line. */
export function log(ctx: Ctx, unit: string, ident: string, msg: string): void {
  ctx.state.journal.push({ t: ctx.now, unit, ident, msg });
  if (ctx.state.journal.length > 5000) ctx.state.journal.splice(0, ctx.state.journal.length - 5000);
}

function manager(ctx: Ctx): string {
  return ctx.state.scope === "user" ? `systemd[${MANAGER_PID}]` : "systemd[1]";
}

function pid(ctx: Ctx): number {
  return ctx.state.nextPid++;
}

// ---------------------------------------------------------------- generator

function walk(dir: string, out: string[]): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory && !e.name.endsWith(".d")) walk(path, out);
    else if ((e.isFile || e.isSymlink) && kindOf(e.name)) out.push(path);
  }
}

function dropins(path: string, ini: Ini): Ini {
  const file = basename(path);
  const kind = kindOf(file)!;
  const base = file.slice(0, file.lastIndexOf("."));
  const dirs = [`${kind}.d`];
  // foo-bar.container reads foo-.container.d too, like systemd's prefix drop-ins
  const dash = base.split("-");
  for (let i = 1; i < dash.length; i++) dirs.push(`${dash.slice(0, i).join("-")}-.${kind}.d`);
  dirs.push(`${file}.d`);
  const confs = new Map<string, string>();
  for (const d of dirs) {
    try {
      for (const e of Deno.readDirSync(join(dirname(path), d))) {
        if (e.name.endsWith(".conf")) confs.set(e.name, join(dirname(path), d, e.name));
      }
    } catch { /* no such drop-in folder */ }
  }
  for (const name of [...confs.keys()].sort()) parseIni(Deno.readTextFileSync(confs.get(name)!), ini);
  return ini;
}

const REF_KEYS: Record<string, string[]> = {
  Container: ["Image", "Network", "Pod", "Volume", "Mount"],
  Pod: ["Network", "Volume"],
  Kube: ["Network"],
  Volume: ["Image"],
  Build: ["Network", "Volume"],
};

/** The quadlet files a unit file names (`data.volume`, `net.network`, ...). */
export function referencedQuadlets(kind: string, ini: Ini): string[] {
  const section = sectionOf(kind);
  const out: string[] = [];
  for (const key of REF_KEYS[section] ?? []) {
    for (const v of all(ini, section, key)) {
      let ref = v;
      if (key === "Mount") ref = /(?:source|src)=([^,]+)/.exec(v)?.[1] ?? "";
      else if (key === "Volume" || key === "Network") ref = v.split(":")[0]!;
      if (/\.(volume|network|pod|image|build)$/.test(ref)) out.push(ref);
    }
  }
  return out;
}

function validate(path: string, kind: string, ini: Ini, names: Set<string>): string | undefined {
  const s = sectionOf(kind);
  if (!ini[s] && kind !== "volume" && kind !== "network") return `missing '${s}' section`;
  if (kind === "container") {
    const image = last(ini, s, "Image");
    const rootfs = last(ini, s, "Rootfs");
    if (!image && !rootfs) return "no Image or Rootfs key specified";
    if (image && rootfs) return "the Image And Rootfs keys conflict can not be specified together";
  }
  if (kind === "kube" && !last(ini, s, "Yaml")) return "no Yaml key specified";
  if (kind === "image" && !last(ini, s, "Image")) return "no Image key specified";
  if (kind === "build" && !last(ini, s, "ImageTag")) return "no ImageTag key specified";
  if (kind === "build" && !last(ini, s, "File") && !last(ini, s, "SetWorkingDirectory")) {
    return "neither SetWorkingDirectory, nor File key specified";
  }
  for (const ref of referencedQuadlets(kind, ini)) {
    if (!names.has(ref)) return `requested Quadlet source ${ref} was not found`;
  }
  void path;
  return undefined;
}

/** `systemctl daemon-reload`: runs the generator over the quadlet folder. */
export function daemonReload(ctx: Ctx): void {
  const { state } = ctx;
  state.reloads++;
  state.generatorErrors = [];
  const generated = new Map<string, { source: string; kind: string; def: Ini }>();
  if (versionAtLeast(state.podmanVersion, 4, 4)) {
    const files: string[] = [];
    walk(state.quadletDir, files);
    const usable = files.filter((f) => {
      const [maj, min] = KIND_SINCE[kindOf(basename(f))!]!;
      return versionAtLeast(state.podmanVersion, maj, min);
    });
    const names = new Set(usable.map((f) => basename(f)));
    for (const path of usable) {
      const file = basename(path);
      const kind = kindOf(file)!;
      let ini: Ini;
      try {
        ini = dropins(path, parseIni(Deno.readTextFileSync(path)));
      } catch (error) {
        state.generatorErrors.push(`converting "${file}": ${(error as Error).message}`);
        continue;
      }
      const problem = validate(path, kind, ini, names);
      if (problem) {
        const msg = `converting "${file}": ${problem}`;
        state.generatorErrors.push(msg);
        log(ctx, "", "quadlet-generator[" + pid(ctx) + "]", msg);
        continue;
      }
      const unit = serviceNameOf(file, ini);
      if (generated.has(unit)) continue; // first found wins, like the generator's search order
      // systemd expands %i/%I of an instance (web@two.service) when it runs it.
      const inst = /^[^@]+@(.+)\.service$/.exec(unit)?.[1];
      const def = inst ? JSON.parse(JSON.stringify(ini).replaceAll("%i", inst).replaceAll("%I", inst)) as Ini : ini;
      generated.set(unit, { source: path, kind, def });
    }
  }
  for (const [name, u] of Object.entries(state.units)) {
    if (generated.has(name)) continue;
    const tpl = u.template ? generated.get(u.template) : undefined;
    if (tpl) {
      // An instance of a template reads the template as it is now, as systemd does after a reload.
      const inst = /^[^@]+@(.+)\.service$/.exec(name)![1]!;
      u.source = tpl.source;
      u.kind = tpl.kind;
      u.def = JSON.parse(JSON.stringify(tpl.def).replaceAll("%i", inst).replaceAll("%I", inst));
      continue;
    }
    delete u.template;
    if (u.active === "inactive" || u.active === "failed") delete state.units[name];
    else {
      delete u.source;
      delete u.def;
      delete u.kind;
    }
  }
  for (const [name, g] of generated) {
    const u = state.units[name] ??= blankUnit(name, ctx.now);
    u.source = g.source;
    u.kind = g.kind;
    u.def = g.def;
  }
  log(ctx, "", manager(ctx), "Reloading requested from client PID " + pid(ctx) + " ('systemctl')...");
  log(ctx, "", manager(ctx), "Reloading finished.");
}

function blankUnit(name: string, now: number): UnitRecord {
  return { name, active: "inactive", sub: "dead", result: "success", nRestarts: 0, mainPid: 0, since: now, burst: 0 };
}

/** The unit record, creating an instance of a template when one is asked for. */
export function lookup(ctx: Ctx, name: string): UnitRecord | undefined {
  const u = ctx.state.units[name];
  if (u && (u.def || u.active !== "inactive")) return u;
  const m = /^(.+)@(.+)\.service$/.exec(name);
  if (m) {
    const tpl = ctx.state.units[`${m[1]}@.service`];
    if (tpl?.def) {
      const inst = u ?? blankUnit(name, ctx.now);
      inst.template = tpl.name;
      inst.source = tpl.source!;
      inst.kind = tpl.kind!;
      inst.def = JSON.parse(JSON.stringify(tpl.def).replaceAll("%i", m[2]!).replaceAll("%I", m[2]!));
      ctx.state.units[name] = inst;
      return inst;
    }
  }
  return u;
}

function loaded(u: UnitRecord | undefined): boolean {
  return u?.def !== undefined;
}

function description(u: UnitRecord): string {
  const d = last(u.def, "Unit", "Description");
  return d ? `${u.name} - ${d}` : u.name;
}

// ---------------------------------------------------------------- running units

type Outcome = { ok: true } | { ok: false; code: number; stderr: string };

function jobFailed(ctx: Ctx, unit: string): Outcome {
  const user = ctx.state.scope === "user" ? "--user " : "";
  return {
    ok: false,
    code: 1,
    stderr: `Job for ${unit} failed because the control process exited with error code.\n` +
      `See "systemctl ${user}status ${unit}" and "journalctl ${user}-xeu ${unit}" for details.\n`,
  };
}

function unitForFile(ctx: Ctx, file: string): UnitRecord | undefined {
  return Object.values(ctx.state.units).find((u) => u.source && basename(u.source) === file && !u.template);
}

function restartSec(u: UnitRecord): number {
  const v = last(u.def, "Service", "RestartSec") ?? "100ms";
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min)?$/.exec(v);
  if (!m) return 100;
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "min" ? n * 60_000 : n * 1000;
}

function restarts(u: UnitRecord): boolean {
  const r = last(u.def, "Service", "Restart") ?? "no";
  return ["always", "on-failure", "on-abnormal", "on-abort"].includes(r);
}

function crashes(ctx: Ctx, u: UnitRecord, image: string): boolean {
  const exec = all(u.def, "Container", "Exec").join(" ");
  return exec.includes("/bin/false") || image.includes("crash") || ctx.state.crashUnits.includes(u.name);
}

function fail(ctx: Ctx, u: UnitRecord, podmanPid: number, errors: string[], status = 125): Outcome {
  for (const e of errors) log(ctx, u.name, `podman[${podmanPid}]`, e);
  log(ctx, u.name, manager(ctx), `${u.name}: Main process exited, code=exited, status=${status}/n/a`);
  log(ctx, u.name, manager(ctx), `${u.name}: Failed with result 'exit-code'.`);
  log(ctx, u.name, manager(ctx), `Failed to start ${description(u)}.`);
  Object.assign(u, { active: "failed", sub: "failed", result: "exit-code", mainPid: 0, since: ctx.now });
  delete u.next;
  return jobFailed(ctx, u.name);
}

function pullError(image: string): string {
  const reg = registryOf(image);
  return `Error: initializing source docker://${image}: pinging container registry ${reg}: ` +
    `Get "https://${reg}/v2/": dial tcp: lookup ${reg}: connection refused`;
}

/** Makes an image present: in the store, or pulled from the fake registry. */
export function ensureImage(ctx: Ctx, ref: string, logTo?: { unit: string; ident: string }): string | undefined {
  const image = normalizeImage(ref);
  if (ctx.state.images.includes(image)) return undefined;
  if (ctx.state.registry.includes(image)) {
    if (logTo) {
      log(ctx, logTo.unit, logTo.ident, `Trying to pull ${image}...`);
      log(ctx, logTo.unit, logTo.ident, "Writing manifest to image destination");
    }
    ctx.state.images.push(image);
    return undefined;
  }
  if (!ref.includes("/") && !ref.includes(".")) {
    return `Error: short-name "${ref}" did not resolve to an alias and no unqualified-search registries are defined in "/etc/containers/registries.conf"`;
  }
  return pullError(image);
}

/** Creates a podman volume folder (no error when it exists). */
export function createVolume(ctx: Ctx, name: string, labels: Record<string, string> = {}): void {
  if (ctx.state.volumes[name]) return;
  const mountpoint = join(ctx.state.volumeRoot, name, "_data");
  Deno.mkdirSync(mountpoint, { recursive: true });
  ctx.state.volumes[name] = { name, createdAt: new Date(ctx.now).toISOString(), labels, mountpoint };
}

function dependencies(ctx: Ctx, u: UnitRecord): { units: string[]; missing?: string } {
  const out: string[] = [];
  for (const ref of referencedQuadlets(u.kind!, u.def!)) {
    const dep = unitForFile(ctx, ref);
    if (!dep) {
      const kind = kindOf(ref)!;
      return { units: out, missing: `${ref.slice(0, ref.lastIndexOf("."))}-${kind}.service` };
    }
    if (!out.includes(dep.name)) out.push(dep.name);
  }
  return { units: out };
}

function imageOf(ctx: Ctx, u: UnitRecord): string {
  const ref = last(u.def, "Container", "Image") ?? "";
  if (ref.endsWith(".image")) return last(unitForFile(ctx, ref)?.def, "Image", "Image") ?? ref;
  if (ref.endsWith(".build")) return last(unitForFile(ctx, ref)?.def, "Build", "ImageTag") ?? ref;
  return ref;
}

function runContainer(ctx: Ctx, u: UnitRecord): Outcome {
  const p = pid(ctx);
  const ident = `podman[${p}]`;
  const image = imageOf(ctx, u);
  const rootfs = last(u.def, "Container", "Rootfs");
  if (!rootfs) {
    // `Pull=never` (podman run --pull=never): only the local store counts.
    const never = last(u.def, "Container", "Pull") === "never" && !ctx.state.images.includes(normalizeImage(image));
    const err = never
      ? `Error: ${normalizeImage(image)}: image not known`
      : ensureImage(ctx, image, { unit: u.name, ident });
    if (err) return fail(ctx, u, p, [err]);
  }
  for (const s of all(u.def, "Container", "Secret")) {
    const name = s.split(",")[0]!.trim();
    if (!ctx.state.secrets[name]) {
      return fail(ctx, u, p, [`Error: no secret with name or id "${name}": no such secret`]);
    }
  }
  for (const envFile of all(u.def, "Container", "EnvironmentFile")) {
    const path = envFile.startsWith("/") ? envFile : join(dirname(u.source!), envFile);
    try {
      Deno.statSync(path);
    } catch {
      return fail(ctx, u, p, [`Error: open ${path}: no such file or directory`]);
    }
  }
  const volumes: string[] = [];
  for (const v of all(u.def, "Container", "Volume")) {
    const src = v.split(":")[0]!;
    if (!v.includes(":") || src === "") continue;
    if (src.endsWith(".volume")) {
      const def = unitForFile(ctx, src);
      volumes.push(objectNameOf(src, def?.def ?? {}));
    } else if (src.startsWith("/")) {
      try {
        Deno.statSync(src);
      } catch {
        return fail(ctx, u, p, [`Error: statfs ${src}: no such file or directory`]);
      }
    } else {
      createVolume(ctx, src);
      volumes.push(src);
    }
  }
  const file = basename(u.source!);
  // An instance's container is systemd-%p_%i (seen on podman 5.8.6: systemd-web_two for web@two.service).
  const instance = /^(.+)@(.+)\.service$/.exec(u.name);
  const name = last(u.def, "Container", "ContainerName") ??
    (instance ? `systemd-${instance[1]}_${instance[2]}` : objectNameOf(file, u.def!));
  const id = newId();
  ctx.state.containers[name] = {
    id,
    name,
    image: rootfs ? `rootfs:${rootfs}` : normalizeImage(image),
    unit: u.name,
    ports: all(u.def, "Container", "PublishPort"),
    volumes,
    secrets: all(u.def, "Container", "Secret").map((s) => s.split(",")[0]!.trim()),
    startedAt: new Date(ctx.now).toISOString(),
  };
  log(ctx, u.name, ident, id);
  Object.assign(u, { active: "active", sub: "running", mainPid: pid(ctx), since: ctx.now });
  if (crashes(ctx, u, image)) u.next = { at: ctx.now + ctx.state.crashAfterMs, event: "crash" };
  else delete u.next;
  return { ok: true };
}

function runUnit(ctx: Ctx, u: UnitRecord): Outcome {
  const section = sectionOf(u.kind!);
  const p = pid(ctx);
  const ident = `podman[${p}]`;
  switch (u.kind) {
    case "container":
      return runContainer(ctx, u);
    case "volume": {
      const name = objectNameOf(basename(u.source!), u.def!);
      if (!ctx.state.volumes[name]) {
        createVolume(ctx, name);
        log(ctx, u.name, ident, name);
      }
      break;
    }
    case "network": {
      const name = objectNameOf(basename(u.source!), u.def!);
      ctx.state.networks[name] ??= { id: newId(), createdAt: new Date(ctx.now).toISOString() };
      log(ctx, u.name, ident, name);
      break;
    }
    case "image": {
      const err = ensureImage(ctx, last(u.def, section, "Image")!, { unit: u.name, ident });
      if (err) return fail(ctx, u, p, [err]);
      break;
    }
    case "build": {
      const tag = normalizeImage(last(u.def, section, "ImageTag")!);
      if (!ctx.state.images.includes(tag)) ctx.state.images.push(tag);
      log(ctx, u.name, ident, `Successfully tagged ${tag}`);
      break;
    }
    case "kube": {
      const yaml = last(u.def, section, "Yaml")!;
      const path = yaml.startsWith("/") ? yaml : join(dirname(u.source!), yaml);
      try {
        Deno.statSync(path);
      } catch {
        return fail(ctx, u, p, [`Error: open ${path}: no such file or directory`]);
      }
      Object.assign(u, { active: "active", sub: "running", mainPid: pid(ctx), since: ctx.now });
      return { ok: true };
    }
    case "pod":
      Object.assign(u, { active: "active", sub: "running", mainPid: pid(ctx), since: ctx.now });
      return { ok: true };
  }
  // A oneshot: quadlet sets RemainAfterExit=yes for every kind but .build (podman's ConvertBuild), so a build
  // that succeeded is inactive/dead with result success, as on the real host, unless the file asks to remain.
  const remain = last(u.def, "Service", "RemainAfterExit");
  if (remain === undefined ? u.kind === "build" : !/^(1|yes|y|true|t|on)$/i.test(remain.trim())) {
    Object.assign(u, { active: "inactive", sub: "dead", mainPid: 0, result: "success" });
    return { ok: true };
  }
  Object.assign(u, { active: "active", sub: "exited", mainPid: 0, since: ctx.now });
  return { ok: true };
}

/** `systemctl start UNIT`: dependencies first, then the unit itself. */
export function startUnit(ctx: Ctx, name: string, chain: string[] = []): Outcome {
  if (/@\.service$/.test(name)) {
    return {
      ok: false,
      code: 1,
      stderr: `Failed to start ${name}: Unit name ${name} is missing the instance name.\n` +
        `See system logs and 'systemctl${ctx.state.scope === "user" ? " --user" : ""} status ${name}' for details.\n`,
    };
  }
  const u = lookup(ctx, name);
  if (!u || !loaded(u)) {
    if (u && u.active === "active") return { ok: true };
    return { ok: false, code: 5, stderr: `Failed to start ${name}: Unit ${name} not found.\n` };
  }
  advanceUnit(ctx, u);
  if (u.active === "active" || (u.active === "activating" && u.sub !== "auto-restart")) return { ok: true };
  const deps = dependencies(ctx, u);
  if (deps.missing) return { ok: false, code: 5, stderr: `Failed to start ${name}: Unit ${deps.missing} not found.\n` };
  for (const dep of deps.units) {
    if (chain.includes(dep)) continue;
    const r = startUnit(ctx, dep, [...chain, name]);
    if (!r.ok) {
      log(ctx, name, manager(ctx), `Dependency failed for ${description(u)}.`);
      log(ctx, name, manager(ctx), `${name}: Job ${name}/start failed with result 'dependency'.`);
      return { ok: false, code: 1, stderr: `A dependency job for ${name} failed. See 'journalctl -xe' for details.\n` };
    }
  }
  u.nRestarts = 0;
  u.burst = 0;
  u.result = "success";
  log(ctx, name, manager(ctx), `Starting ${description(u)}...`);
  const r = runUnit(ctx, u);
  if (r.ok) log(ctx, name, manager(ctx), `Started ${description(u)}.`);
  return r;
}

function removeContainers(ctx: Ctx, unit: string): void {
  for (const [name, c] of Object.entries(ctx.state.containers)) if (c.unit === unit) delete ctx.state.containers[name];
}

/** `systemctl stop UNIT`. */
export function stopUnit(ctx: Ctx, name: string): Outcome {
  const u = lookup(ctx, name);
  if (!u || (!loaded(u) && u.active === "inactive")) {
    return { ok: false, code: 5, stderr: `Failed to stop ${name}: Unit ${name} not loaded.\n` };
  }
  advanceUnit(ctx, u);
  if (u.active === "inactive" || u.active === "failed") return { ok: true };
  log(ctx, name, manager(ctx), `Stopping ${description(u)}...`);
  removeContainers(ctx, name);
  log(ctx, name, manager(ctx), `Stopped ${description(u)}.`);
  const failed = u.result !== "success";
  Object.assign(u, {
    active: failed ? "failed" : "inactive",
    sub: failed ? "failed" : "dead",
    mainPid: 0,
    since: ctx.now,
  });
  delete u.next;
  if (!loaded(u) && !failed) delete ctx.state.units[name];
  return { ok: true };
}

/** Plays a unit's own clock forward: crashes and automatic restarts that fell due. */
export function advanceUnit(ctx: Ctx, u: UnitRecord): void {
  while (u.next && u.next.at <= ctx.now) {
    const at = u.next.at;
    const saved = ctx.now;
    ctx.now = at;
    if (u.next.event === "crash") {
      const c = Object.values(ctx.state.containers).find((x) => x.unit === u.name);
      if (c) log(ctx, u.name, `${c.name}[${u.mainPid}]`, "fatal: exiting with status 1");
      removeContainers(ctx, u.name);
      log(ctx, u.name, manager(ctx), `${u.name}: Main process exited, code=exited, status=1/FAILURE`);
      log(ctx, u.name, manager(ctx), `${u.name}: Failed with result 'exit-code'.`);
      u.result = "exit-code";
      u.mainPid = 0;
      u.since = at;
      if (restarts(u)) {
        Object.assign(u, { active: "activating", sub: "auto-restart" });
        u.next = { at: at + restartSec(u), event: "restart" };
      } else {
        Object.assign(u, { active: "failed", sub: "failed" });
        delete u.next;
      }
    } else {
      u.burst++;
      if (u.burst >= START_LIMIT_BURST) {
        log(ctx, u.name, manager(ctx), `${u.name}: Start request repeated too quickly.`);
        log(ctx, u.name, manager(ctx), `${u.name}: Failed with result 'start-limit-hit'.`);
        Object.assign(u, { active: "failed", sub: "failed", result: "start-limit-hit", since: at });
        delete u.next;
      } else {
        u.nRestarts++;
        log(ctx, u.name, manager(ctx), `${u.name}: Scheduled restart job, restart counter is at ${u.nRestarts}.`);
        log(ctx, u.name, manager(ctx), `Starting ${description(u)}...`);
        const r = runUnit(ctx, u);
        if (r.ok) log(ctx, u.name, manager(ctx), `Started ${description(u)}.`);
      }
    }
    ctx.now = saved;
  }
}

/** Plays every unit's clock forward. */
export function advance(ctx: Ctx): void {
  for (const u of Object.values(ctx.state.units)) advanceUnit(ctx, u);
}

// ---------------------------------------------------------------- systemctl

const SERVICE_PROPS = ["Type", "Restart", "RestartUSec", "Result", "NRestarts", "MainPID", "ExecMainStatus"];
const UNIT_PROPS = [
  "Id",
  "Names",
  "Description",
  "LoadState",
  "ActiveState",
  "SubState",
  "FragmentPath",
  "SourcePath",
  "ActiveEnterTimestamp",
];

/** The properties `systemctl show` prints for a unit (and busctl reads from the same unit). */
export function props(ctx: Ctx, name: string): Record<string, string> {
  const u = lookup(ctx, name);
  if (u) advanceUnit(ctx, u);
  const isLoaded = loaded(u);
  const oneshot = ["volume", "network", "image", "build", "artifact"].includes(u?.kind ?? "");
  const runtime = ctx.state.scope === "user" ? "/run/user/1000/systemd" : "/run/systemd";
  const ts = (ms: number) => new Date(ms).toUTCString().replace("GMT", "UTC");
  return {
    Type: isLoaded ? (oneshot ? "oneshot" : "notify") : "simple",
    Restart: last(u?.def, "Service", "Restart") ?? "no",
    RestartUSec: u ? `${restartSec(u)}ms` : "100ms",
    Result: u?.result ?? "success",
    NRestarts: String(u?.nRestarts ?? 0),
    MainPID: String(u?.mainPid ?? 0),
    ExecMainStatus: u?.result === "exit-code" ? "1" : "0",
    Id: name,
    Names: name,
    Description: last(u?.def, "Unit", "Description") ?? name,
    LoadState: isLoaded ? "loaded" : "not-found",
    ActiveState: u?.active ?? "inactive",
    SubState: u?.sub ?? "dead",
    FragmentPath: isLoaded ? `${runtime}/generator/${u!.template ?? name}` : "",
    SourcePath: isLoaded ? u!.source! : "",
    ActiveEnterTimestamp: u && u.active === "active" ? ts(u.since) : "",
  };
}

interface SystemctlArgs {
  user: boolean;
  quiet: boolean;
  value: boolean;
  properties: string[];
  verb: string;
  units: string[];
  now?: boolean;
  bad?: string;
}

function parseSystemctl(args: string[]): SystemctlArgs {
  const out: SystemctlArgs = { user: false, quiet: false, value: false, properties: [], verb: "", units: [] };
  let rest = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (rest || !a.startsWith("-")) {
      if (out.verb === "") out.verb = a;
      else out.units.push(a);
    } else if (a === "--") rest = true;
    else if (a === "--user") out.user = true;
    else if (a === "--system") out.user = false;
    else if (a === "-q" || a === "--quiet") out.quiet = true;
    else if (a === "--value") out.value = true;
    else if (a === "--now") out.now = true;
    else if (a === "--no-pager" || a === "--no-block" || a === "--no-legend" || a === "--all" || a === "-a") continue;
    else if (a.startsWith("--property=")) out.properties.push(...a.slice(11).split(","));
    else if (a === "-p" || a === "--property") out.properties.push(...(args[++i] ?? "").split(","));
    else if (a.startsWith("-p")) out.properties.push(...a.slice(2).split(","));
    else out.bad = a;
  }
  return out;
}

/** Answers `systemctl ARGS`. */
export function systemctl(ctx: Ctx, args: string[]): Answer {
  const a = parseSystemctl(args);
  if (a.bad) return { code: 1, stderr: `systemctl: unrecognized option '${a.bad}'\n` };
  // The other manager (e.g. --user missing on a rootless host) knows none of the quadlet units.
  const other = a.user !== (ctx.state.scope === "user");
  if (other && a.verb === "daemon-reload") return {};
  const saved = ctx.state;
  if (other) ctx.state = { ...saved, units: {}, journal: [] };
  try {
    return verb(ctx, a);
  } finally {
    if (other) ctx.state = saved;
  }
}

function verb(ctx: Ctx, a: SystemctlArgs): Answer {
  const needUnits = ["start", "stop", "restart", "try-restart", "reset-failed", "is-active", "is-failed"];
  if (needUnits.includes(a.verb) && a.units.length === 0 && a.verb !== "reset-failed") {
    return { code: 1, stderr: `Too few arguments.\n` };
  }
  switch (a.verb) {
    case "daemon-reload":
      daemonReload(ctx);
      return {};
    case "try-restart": {
      // Restarts running units only; a stopped unit stays stopped (seen on systemd 262).
      let code = 0;
      let stderr = "";
      for (const unit of a.units) {
        const u = lookup(ctx, unit);
        if (!u || (!loaded(u) && u.active === "inactive")) {
          stderr += `Failed to try-restart ${unit}: Unit ${unit} not found.\n`;
          code = 5;
          continue;
        }
        if (u.active !== "active" && u.active !== "activating" && u.active !== "reloading") continue;
        stopUnit(ctx, unit);
        const r = startUnit(ctx, unit);
        if (!r.ok) {
          code = code || r.code;
          stderr += r.stderr.replace("Failed to start", "Failed to try-restart");
        }
      }
      return { code, stderr };
    }
    case "start":
    case "restart": {
      let code = 0;
      let stderr = "";
      for (const unit of a.units) {
        if (a.verb === "restart") {
          const s = stopUnit(ctx, unit);
          if (!s.ok && s.code === 5 && !loaded(lookup(ctx, unit))) {
            stderr += `Failed to restart ${unit}: Unit ${unit} not found.\n`;
            code = 5;
            continue;
          }
        }
        const r = startUnit(ctx, unit);
        if (!r.ok) {
          code = code || r.code;
          stderr += a.verb === "restart" ? r.stderr.replace("Failed to start", "Failed to restart") : r.stderr;
        }
      }
      return { code, stderr };
    }
    case "stop": {
      let code = 0;
      let stderr = "";
      for (const unit of a.units) {
        const r = stopUnit(ctx, unit);
        if (!r.ok) {
          code = code || r.code;
          stderr += r.stderr;
        }
      }
      return { code, stderr };
    }
    case "reset-failed": {
      const targets = a.units.length ? a.units : Object.keys(ctx.state.units);
      let stderr = "";
      for (const unit of targets) {
        const u = lookup(ctx, unit);
        if (!u || (!loaded(u) && u.active === "inactive" && u.result === "success")) {
          stderr += `Failed to reset failed state of unit ${unit}: Unit ${unit} not loaded.\n`;
          continue;
        }
        advanceUnit(ctx, u);
        if (u.active === "failed") Object.assign(u, { active: "inactive", sub: "dead", since: ctx.now });
        if (u.active === "inactive") {
          u.result = "success";
          u.nRestarts = 0;
          u.burst = 0;
          if (!loaded(u)) delete ctx.state.units[unit];
        }
      }
      return stderr ? { code: 1, stderr } : {};
    }
    case "show": {
      const units = a.units.length ? a.units : [];
      if (units.length === 0) return { stdout: "Version=256\nSystemState=running\n" };
      const blocks = units.map((unit) => {
        const p = props(ctx, unit);
        const order = [...SERVICE_PROPS, ...UNIT_PROPS];
        const keys = a.properties.length
          ? order.filter((k) => a.properties.includes(k))
          : order.filter((k) => p[k] !== "");
        return keys.map((k) => (a.value ? p[k] : `${k}=${p[k]}`)).join("\n") + "\n";
      });
      return { stdout: blocks.join("\n") };
    }
    case "is-active":
    case "is-failed": {
      const states = a.units.map((unit) => props(ctx, unit).ActiveState!);
      const ok = a.verb === "is-active" ? states.some((s) => s === "active") : states.some((s) => s === "failed");
      return { code: ok ? 0 : (a.verb === "is-active" ? 3 : 1), stdout: a.quiet ? "" : states.join("\n") + "\n" };
    }
    case "enable":
      return enableUnits(
        ctx.state.quadletDir,
        ctx.state.scope,
        a.units,
        a.now ? (unit) => verb(ctx, { ...a, verb: "start", units: [unit] }) : undefined,
      );
    case "is-system-running": {
      advance(ctx);
      const degraded = Object.values(ctx.state.units).some((u) => u.active === "failed");
      return { code: degraded ? 1 : 0, stdout: a.quiet ? "" : degraded ? "degraded\n" : "running\n" };
    }
    case "":
      return { code: 1, stderr: "systemctl: This command expects one or more unit names. Did you mean --help?\n" };
    default:
      return { code: 1, stderr: `Unknown command verb '${a.verb}'.\n` };
  }
}

// ---------------------------------------------------------------- journalctl

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

function shortTime(ms: number): string {
  const d = new Date(ms);
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${mon} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Answers `journalctl ARGS` (`-f` prints what is there and ends). */
export function journalctl(ctx: Ctx, args: string[]): Answer {
  let user = false;
  let lines: number | undefined;
  let output = "short";
  let quiet = false;
  const units: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--user") user = true;
    else if (a === "--system") user = false;
    else if (a === "-n" || a === "--lines") lines = Number(args[++i]);
    else if (a.startsWith("--lines=")) lines = Number(a.slice(8));
    else if (/^-n\d+$/.test(a)) lines = Number(a.slice(2));
    else if (a === "-o" || a === "--output") output = args[++i] ?? "";
    else if (a.startsWith("--output=")) output = a.slice(9);
    else if (a === "-u" || a === "--unit") units.push(args[++i] ?? "");
    else if (a.startsWith("--unit=")) units.push(a.slice(7));
    else if (a === "-q" || a === "--quiet") quiet = true;
    else if (["--no-pager", "-f", "--follow", "-x", "--catalog", "-e", "--pager-end", "--no-hostname"].includes(a)) {
      continue;
    } else if (a === "-xe" || a === "-xeu" || a === "-eu") {
      if (a.endsWith("u")) units.push(args[++i] ?? "");
    } else return { code: 1, stderr: `journalctl: unrecognized option '${a}'\n` };
  }
  if (lines !== undefined && (!Number.isInteger(lines) || lines < 0)) {
    return { code: 1, stderr: `Failed to parse lines '${lines}'\n` };
  }
  if (!["short", "short-iso", "cat", "json"].includes(output)) {
    return { code: 1, stderr: `Unknown output format '${output}'.\n` };
  }
  advance(ctx);
  const mine = user === (ctx.state.scope === "user");
  let rows = mine ? ctx.state.journal.filter((r) => units.length === 0 || units.includes(r.unit)) : [];
  if (lines !== undefined) rows = lines === 0 ? [] : rows.slice(-lines);
  if (rows.length === 0) return { stdout: quiet ? "" : "-- No entries --\n" };
  const text = rows.map((r) => {
    if (output === "cat") return r.msg;
    if (output === "json") {
      return JSON.stringify({
        __REALTIME_TIMESTAMP: String(r.t * 1000),
        [user ? "_SYSTEMD_USER_UNIT" : "_SYSTEMD_UNIT"]: r.unit,
        SYSLOG_IDENTIFIER: r.ident.replace(/\[.*$/, ""),
        MESSAGE: r.msg,
      });
    }
    return `${output === "short-iso" ? isoTime(r.t) : shortTime(r.t)} fakehost ${r.ident}: ${r.msg}`;
  });
  return { stdout: text.join("\n") + "\n" };
}
