/**
 * The fake host's running units: start (dependencies first), stop, and
 * each unit's own clock, on which containers pull their image, fail,
 * crash and restart as systemd's restart rules say.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { all, kindOf, last, normalizeImage, objectNameOf, registryOf, sectionOf } from "../fake_host_ini.ts";
import { type Ctx, log, manager, newId, nextPid, type UnitRecord } from "../fake_host_state.ts";
import { description, loaded, lookup, referencedQuadlets } from "./generator.ts";
const START_LIMIT_BURST = 5;

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

/** RestartSec= of a unit, in milliseconds. */
export function restartSec(u: UnitRecord): number {
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
  const p = nextPid(ctx);
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
  Object.assign(u, { active: "active", sub: "running", mainPid: nextPid(ctx), since: ctx.now });
  if (crashes(ctx, u, image)) u.next = { at: ctx.now + ctx.state.crashAfterMs, event: "crash" };
  else delete u.next;
  return { ok: true };
}

function runUnit(ctx: Ctx, u: UnitRecord): Outcome {
  const section = sectionOf(u.kind!);
  const p = nextPid(ctx);
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
      Object.assign(u, { active: "active", sub: "running", mainPid: nextPid(ctx), since: ctx.now });
      return { ok: true };
    }
    case "pod":
      Object.assign(u, { active: "active", sub: "running", mainPid: nextPid(ctx), since: ctx.now });
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
  if (u.frozen) return; // its processes are paused (freezer.ts)
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
