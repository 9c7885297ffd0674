/**
 * Starting units and deciding whether they came up: every unit active
 * (oneshot units such as volumes and networks: active/exited), none
 * restarting, for a settle time within a timeout.
 *
 * @module
 */
import { parseDuration } from "../core/duration.ts";
import type { Engine } from "../engine.ts";
import type { SetFile } from "../quadlet/kinds.ts";
import { lastValue } from "../quadlet/parse.ts";
import { expandInstance, setUnits } from "../quadlet/units.ts";
import { run } from "../host/shell.ts";
import type { UnitState } from "../host/systemd_state.ts";
import { operand } from "../core/argv.ts";

/** A container with a healthcheck (`HealthCmd=`) and the unit that runs it. */
export interface HealthCheck {
  unit: string;
  /** podman's container name: `ContainerName=` or `systemd-<base>`. */
  container: string;
}

/**
 * The containers of a set that define a healthcheck (drop-ins merged,
 * `HealthCmd=none` ignored): one per unit, so one per instance of a
 * template (`systemd-web_two` for `web@two.service`).
 */
export function healthChecksOf(files: readonly SetFile[]): HealthCheck[] {
  const out: HealthCheck[] = [];
  for (const u of setUnits(files).units) {
    if (u.kind !== "container") continue;
    const cmd = lastValue(u.unit, "Container", "HealthCmd");
    if (!cmd || cmd.trim() === "none") continue;
    const named = lastValue(u.unit, "Container", "ContainerName");
    const base = u.file.slice(0, u.file.lastIndexOf("."));
    const prefix = base.slice(0, base.indexOf("@"));
    out.push({
      unit: u.service,
      container: u.instance
        ? expandInstance(named ?? `systemd-${prefix}_${u.instance}`, u.service)
        : named ?? `systemd-${base}`,
    });
  }
  return out;
}

/**
 * Containers whose unit becomes active only once podman's healthcheck
 * passed (`Notify=healthy`, podman 5.0+): for them systemd's "active" is
 * already the health signal.
 */
export function readyWhenActiveOf(files: readonly SetFile[]): string[] {
  return setUnits(files).units.filter((u) =>
    u.kind === "container" && lastValue(u.unit, "Container", "Notify")?.trim() === "healthy"
  ).map((u) => u.service);
}

/** Kinds quadlet turns into `Type=oneshot` services unless the file sets `Type=` (podman's generator). */
const ONESHOT_KINDS = new Set(["volume", "network", "image", "build", "artifact"]);

function systemdTrue(value: string): boolean {
  return ["1", "yes", "y", "true", "t", "on"].includes(value.trim().toLowerCase());
}

/**
 * Units whose work is done when they exit: a oneshot that does not remain
 * after exit. Quadlet makes a `.build` one (its generator sets
 * `RemainAfterExit=yes` for volumes, networks, images and artifacts but not
 * for builds), and a file may make any unit one with `[Service] Type=oneshot`.
 * `systemctl start` returns once such a unit finished, so inactive with result
 * "success" is that unit up; waiting for "active" would roll back a good set.
 */
export function doneWhenExitedOf(files: readonly SetFile[]): string[] {
  return setUnits(files).units.filter((u) => {
    const type = lastValue(u.unit, "Service", "Type")?.trim();
    const oneshot = type === undefined ? ONESHOT_KINDS.has(u.kind) : type === "oneshot";
    if (!oneshot) return false;
    const remain = lastValue(u.unit, "Service", "RemainAfterExit");
    return remain === undefined ? u.kind === "build" || !ONESHOT_KINDS.has(u.kind) : !systemdTrue(remain);
  }).map((u) => u.service);
}

/**
 * How long a unit with no readiness signal of its own (no healthcheck, no
 * `Notify=healthy`, not a oneshot that exited) must stay active before it
 * counts as up. A container that fails at start is "active" first: conmon
 * reports it started, and systemd sees it go only once podman has cleaned
 * up. `bench/health_settle.ts` measured that delay on the test host
 * (podman 5.8.6, rootless, 2 cores shared with a loaded machine): a
 * container exiting at once left "active" 0.57 s (median) and at most
 * 0.9 s after `systemctl start` returned. The window is a little above
 * that maximum; `health-settle` in the config changes it.
 */
export const DEFAULT_SETTLE_MS = 1_200;

/** The settle time: `health-settle` in the config, else {@linkcode DEFAULT_SETTLE_MS}. */
export function settleMsOf(engine: Engine): number {
  const settle = engine.config["health-settle"];
  return settle === undefined ? DEFAULT_SETTLE_MS : parseDuration(settle, "health-settle");
}

/**
 * The health gate's options for a set's files: its healthchecks, its
 * `Notify=healthy` units and the configured settle time.
 */
export function gateOptions(engine: Engine, files: readonly SetFile[], timeoutMs: number): HealthOptions {
  return {
    timeoutMs,
    settleMs: settleMsOf(engine),
    healthChecks: healthChecksOf(files),
    readyWhenActive: readyWhenActiveOf(files),
    doneWhenExited: doneWhenExitedOf(files),
  };
}

/** `podman inspect --format {{.State.Health.Status}}`: healthy, unhealthy, starting, or "" when it cannot be read. */
export async function healthStatus(engine: Engine, container: string): Promise<string> {
  const r = await run(engine.$, [
    "podman",
    "inspect",
    "--format",
    "{{.State.Health.Status}}",
    "--",
    operand(container, "container name"),
  ]);
  return r.code === 0 ? r.stdout.trim() : "";
}

/** A unit that did not come up, with what systemd and the journal say. */
export interface UnitFailure {
  unit: string;
  state: string;
  journal: string;
}

/** Result of {@linkcode startUnits} and {@linkcode waitHealthy}. */
export interface HealthResult {
  ok: boolean;
  states: UnitState[];
  failed: UnitFailure[];
}

/** Options of {@linkcode waitHealthy}. */
export interface HealthOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** How long every unit must stay up (ms). */
  settleMs?: number;
  /** Poll interval (ms). */
  intervalMs?: number;
  /** Containers whose healthcheck must report healthy too (see {@linkcode healthChecksOf}). */
  healthChecks?: HealthCheck[];
  /** Units for which "active" already means healthy (see {@linkcode readyWhenActiveOf}): no settle time. */
  readyWhenActive?: string[];
  /** Oneshots that end when done (see {@linkcode doneWhenExitedOf}): inactive with result "success" is up. */
  doneWhenExited?: string[];
}

function bad(s: UnitState): boolean {
  return s.active === "failed" || s.sub === "auto-restart" || s.load === "not-found" ||
    (s.active === "inactive" && s.result !== "" && s.result !== "success");
}

function running(s: UnitState): boolean {
  return s.active === "active" && s.sub !== "auto-restart";
}

async function failures(engine: Engine, states: UnitState[], up: (s: UnitState) => boolean): Promise<UnitFailure[]> {
  const out: UnitFailure[] = [];
  for (const s of states) {
    if (up(s)) continue;
    out.push({
      unit: s.unit,
      state: `${s.active}/${s.sub}${s.result && s.result !== "success" ? ` (${s.result})` : ""}`,
      journal: await engine.systemd.journal([s.unit], 15),
    });
  }
  return out;
}

/**
 * Waits until all units are up and stay up (and every container with a
 * healthcheck reports healthy), or one fails, or time runs out.
 */
export async function waitHealthy(
  engine: Engine,
  units: string[],
  options: HealthOptions = {},
): Promise<HealthResult> {
  const timeout = options.timeoutMs ?? 30_000;
  const settle = options.settleMs ?? DEFAULT_SETTLE_MS;
  const interval = options.intervalMs ?? 100;
  const checks = (options.healthChecks ?? []).filter((c) => units.includes(c.unit));
  // Units with a signal of their own are up when it says so; only the rest wait out the settle time.
  const signalled = new Set([...checks.map((c) => c.unit), ...(options.readyWhenActive ?? [])]);
  const done = new Set(options.doneWhenExited ?? []);
  const finished = (s: UnitState) => done.has(s.unit) && s.active === "inactive" && s.result === "success";
  const up = (s: UnitState) => running(s) || finished(s);
  const needsSettle = (s: UnitState) => s.sub !== "exited" && !finished(s) && !signalled.has(s.unit);
  const start = Date.now();
  let upSince: number | undefined;
  const baseline = new Map((await engine.systemd.states(units)).map((s) => [s.unit, s.restarts]));
  while (true) {
    const states = await engine.systemd.states(units);
    const restarted = states.some((s) => s.restarts > (baseline.get(s.unit) ?? 0));
    if (states.some(bad) || restarted) {
      return {
        ok: false,
        states,
        failed: await failures(
          engine,
          states.filter((s) => !up(s) || s.restarts > (baseline.get(s.unit) ?? 0)).map((s) => ({
            ...s,
            active: up(s) ? "restarted" : s.active,
          })),
          up,
        ),
      };
    }
    // Healthchecks are asked only once every unit runs: a stopped container has no health.
    const health = states.every(up)
      ? await Promise.all(checks.map(async (c) => ({ ...c, status: await healthStatus(engine, c.container) })))
      : [];
    const unhealthy = health.filter((h) => h.status === "unhealthy");
    if (unhealthy.length) {
      return { ok: false, states, failed: await healthFailures(engine, unhealthy) };
    }
    if (states.every(up) && health.every((h) => h.status === "healthy")) {
      upSince ??= Date.now();
      if (Date.now() - upSince >= (states.some(needsSettle) ? settle : 0)) return { ok: true, states, failed: [] };
    } else upSince = undefined;
    // The deadline is for coming up: a set that is up when it passes still gets its settle window (at most
    // health-settle more), so a slow start is judged on whether it stays up, never failed with no unit to name.
    if (Date.now() - start > timeout && upSince === undefined) {
      const failed = await failures(engine, states, up);
      if (failed.length === 0) {
        failed.push(...await healthFailures(engine, health.filter((h) => h.status !== "healthy")));
      }
      return { ok: false, states, failed };
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

async function healthFailures(engine: Engine, checks: Array<HealthCheck & { status: string }>): Promise<UnitFailure[]> {
  const out: UnitFailure[] = [];
  for (const c of checks) {
    out.push({
      unit: c.unit,
      state: `active/running but its healthcheck is ${c.status || "not reporting"} (container ${c.container})`,
      journal: await engine.systemd.journal([c.unit], 15),
    });
  }
  return out;
}

/** Starts units one by one in order, then waits for them to be healthy. */
export async function startUnits(
  engine: Engine,
  units: string[],
  options: HealthOptions = {},
): Promise<HealthResult> {
  for (const unit of units) {
    engine.log.debug(`starting ${unit}`);
    const err = await engine.systemd.tryStart(unit);
    if (err !== undefined) {
      const states = await engine.systemd.states(units);
      const st = states.find((s) => s.unit === unit);
      return {
        ok: false,
        states,
        failed: [{
          unit,
          state: st && st.load !== "not-found"
            ? `${st.active}/${st.sub}${st.result && st.result !== "success" ? ` (${st.result})` : ""}: ${
              err.split("\n")[0]
            }`
            : err,
          journal: await engine.systemd.journal([unit], 15),
        }],
      };
    }
  }
  return await waitHealthy(engine, units, options);
}

/** Formats failures for an error message. */
export function describeFailures(failed: UnitFailure[]): string {
  return failed.map((f) =>
    `${f.unit} is ${f.state}${
      f.journal ? "\n  journal:\n" + f.journal.split("\n").map((l) => "    " + l).join("\n") : ""
    }`
  ).join("\n");
}
