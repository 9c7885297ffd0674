/**
 * How a service runs and stops: `healthcheck` (podman's Health* keys),
 * `restart` and `deploy.restart_policy` (systemd's `Restart=`, and
 * `[Install]` so that a restarting service also comes back at boot),
 * `stop_signal` / `stop_grace_period`, `logging`, `ulimits`, and the
 * resource limits (`mem_limit`, `cpus`, `deploy.resources`, ...), which
 * take podman's own options where quadlets have no key.
 *
 * @module
 */
import type { Svc } from "../context.ts";
import { entriesOf, type Node, str } from "../tree.ts";
import { arg, esc } from "../unit_file.ts";
import { bool, byteSize, durationMs, goDuration } from "../values.ts";

/** `healthcheck:`. */
export function mapHealthcheck(s: Svc, v: Node, key: string): void {
  const { ctx, unit } = s;
  if (v.kind !== "map") return ctx.log.error(v.line, key, "expects a mapping");
  const e = v.entries;
  const decl = ctx.services.get(s.name);
  const test = e.get("test");
  const from = { key: `${key}.test`, line: test?.line ?? v.line };
  let disabled = bool(e.get("disable")) === true;
  if (!disabled && test) {
    if (test.kind === "scalar") {
      const cmd = str(test);
      if (!cmd) ctx.log.error(test.line, from.key, "expects a command");
      else unit.key("HealthCmd", esc(cmd), from);
    } else if (test.kind === "seq") {
      const words = test.items.map((i) => str(i) ?? "");
      const [kind, ...rest] = words;
      if (kind === "NONE") disabled = true;
      else if (kind === "CMD-SHELL" && rest.length === 1) unit.key("HealthCmd", esc(rest[0]!), from);
      else if (kind === "CMD" && rest.length > 0) unit.key("HealthCmd", esc(JSON.stringify(words)), from);
      else ctx.log.error(test.line, from.key, 'a test list starts with "CMD", "CMD-SHELL" or "NONE"');
    } else ctx.log.error(test.line, from.key, "expects a string or a list");
  }
  if (disabled) {
    unit.key("HealthCmd", "none", { key, line: v.line });
    return;
  }
  if (decl && (test || e.size)) decl.healthcheck = test !== undefined;
  const durations: Array<[string, string]> = [
    ["interval", "HealthInterval"],
    ["timeout", "HealthTimeout"],
    ["start_period", "HealthStartPeriod"],
  ];
  for (const [k, quadlet] of durations) {
    const d = e.get(k);
    if (!d) continue;
    const ms = d.kind === "scalar" && d.value !== null ? durationMs(d.value as string | number) : undefined;
    if (ms === undefined) ctx.log.error(d.line, `${key}.${k}`, "not a duration (e.g. 30s, 1m30s)");
    else unit.key(quadlet, goDuration(ms), { key: `${key}.${k}`, line: d.line });
  }
  const retries = e.get("retries");
  if (retries) {
    const n = Number(str(retries));
    if (!Number.isInteger(n) || n < 0) ctx.log.error(retries.line, `${key}.retries`, "expects a whole number");
    else unit.key("HealthRetries", String(n), { key: `${key}.retries`, line: retries.line });
  }
  if (e.has("start_interval")) {
    ctx.log.warn(
      e.get("start_interval")!.line,
      `${key}.start_interval`,
      "podman checks at the same interval during the start period: left out",
    );
  }
  for (const k of e.keys()) {
    if (!["test", "interval", "timeout", "start_period", "start_interval", "retries", "disable"].includes(k)) {
      ctx.log.error(e.get(k)!.line, `${key}.${k}`, `unknown healthcheck key ${k}`);
    }
  }
}

/** `restart:` (or deploy.restart_policy when there is no restart:). */
export function mapRestart(s: Svc, v: Node, key: string): void {
  const policy = str(v) ?? "";
  const from = { key, line: v.line };
  const [name, max] = policy.split(":");
  if (name === "no") {
    s.ctx.log.info(v.line, key, "restart: no: the unit is not restarted and not started at boot (as Docker does)");
    return;
  }
  if (!["always", "unless-stopped", "on-failure"].includes(name!)) {
    return s.ctx.log.error(v.line, key, `unknown restart policy ${policy}`);
  }
  s.unit.systemd("Service", "Restart", name === "on-failure" ? "on-failure" : "always", from);
  if (max !== undefined) {
    const n = Number(max);
    if (!Number.isInteger(n) || n < 0) return s.ctx.log.error(v.line, key, "on-failure:N takes a whole number");
    s.unit.systemd("Unit", "StartLimitIntervalSec", "1h", from);
    s.unit.systemd("Unit", "StartLimitBurst", String(n + 1), from);
    s.ctx.log.info(v.line, key, `at most ${n} restarts: systemd counts them per hour (StartLimitBurst=${n + 1})`);
  }
  if (name === "unless-stopped") {
    s.ctx.log.info(v.line, key, "unless-stopped: a unit stopped with systemctl stays stopped until started again");
  }
  s.unit.systemd("Install", "WantedBy", "default.target", from);
}

/** `stop_signal` and `stop_grace_period`. */
export function mapStop(s: Svc, v: Node, key: string): void {
  const from = { key, line: v.line };
  if (key.endsWith("stop_signal")) {
    const sig = str(v) ?? "";
    if (!/^(SIG)?[A-Z0-9+-]+$|^\d+$/.test(sig)) return s.ctx.log.error(v.line, key, `${sig} is not a signal`);
    s.unit.key("StopSignal", sig, from, `--stop-signal=${sig}`);
    return;
  }
  const ms = v.kind === "scalar" && v.value !== null ? durationMs(v.value as string | number) : undefined;
  if (ms === undefined) return s.ctx.log.error(v.line, key, "not a duration (e.g. 10s, 1m30s)");
  const secs = Math.ceil(ms / 1000);
  s.unit.key("StopTimeout", String(secs), from, `--stop-timeout=${secs}`);
  // systemd's own stop timeout (90 s by default) must outlast podman's wait, or systemd kills first.
  if (secs > 60) s.unit.systemd("Service", "TimeoutStopSec", String(secs + 30), from);
}

/** `logging:`: the drivers podman has; others are reported. */
export function mapLogging(s: Svc, v: Node, key: string): void {
  if (v.kind !== "map") return s.ctx.log.error(v.line, key, "expects a mapping");
  const driver = str(v.entries.get("driver"));
  const options = v.entries.get("options");
  const from = { key: `${key}.driver`, line: v.entries.get("driver")?.line ?? v.line };
  if (!driver || driver === "json-file" || driver === "local") {
    s.ctx.log.info(
      from.line,
      from.key,
      `${driver ?? "the default driver"}: podman's default under systemd (the journal) is used`,
    );
    if (options) {
      s.ctx.log.info(options.line, `${key}.options`, "options of Docker's file log: the journal rotates itself");
    }
    return;
  }
  if (!["journald", "k8s-file", "none", "passthrough"].includes(driver)) {
    return s.ctx.log.warn(from.line, from.key, `podman has no ${driver} log driver: the journal is used`);
  }
  s.unit.key("LogDriver", driver, from, `--log-driver=${driver}`);
  for (const [k, o] of entriesOf(options)) {
    const opt = `${k}=${str(o) ?? ""}`;
    s.unit.key("LogOpt", arg(opt), { key: `${key}.options.${k}`, line: o.line }, arg(`--log-opt=${opt}`));
  }
}

/** `ulimits:` (`nofile: 1024` or `nofile: { soft, hard }`). */
export function mapUlimits(s: Svc, v: Node, key: string): void {
  for (const [name, limit] of entriesOf(v)) {
    const soft = limit.kind === "map" ? str(limit.entries.get("soft")) : str(limit);
    const hard = limit.kind === "map" ? str(limit.entries.get("hard")) : soft;
    if (!soft || !hard || !/^-?\d+$/.test(soft) || !/^-?\d+$/.test(hard)) {
      s.ctx.log.error(limit.line, `${key}.${name}`, "expects a number or soft: and hard:");
      continue;
    }
    const value = `${name}=${soft}:${hard}`;
    s.unit.key("Ulimit", value, { key: `${key}.${name}`, line: limit.line }, `--ulimit=${value}`);
  }
}

const FLAGS: Record<string, string> = {
  mem_reservation: "--memory-reservation",
  memswap_limit: "--memory-swap",
  mem_swappiness: "--memory-swappiness",
  cpus: "--cpus",
  cpu_shares: "--cpu-shares",
  cpuset: "--cpuset-cpus",
  cpu_quota: "--cpu-quota",
  cpu_period: "--cpu-period",
  cpu_rt_period: "--cpu-rt-period",
  cpu_rt_runtime: "--cpu-rt-runtime",
  oom_score_adj: "--oom-score-adj",
};
const SIZES = new Set(["shm_size", "mem_limit", "mem_reservation", "memswap_limit"]);

/** A resource limit, or `deploy:` with its limits and restart policy. */
export function mapLimits(s: Svc, v: Node, key: string, name = key.slice(key.lastIndexOf(".") + 1)): void {
  if (name === "deploy") return mapDeploy(s, v, key);
  const raw = str(v);
  if (raw === undefined) return s.ctx.log.error(v.line, key, "expects a value");
  const value = SIZES.has(name) ? byteSize(raw) : raw;
  if (value === undefined) return s.ctx.log.error(v.line, key, `${raw} is not a size (e.g. 512m, 1g)`);
  const from = { key, line: v.line };
  if (name === "shm_size") s.unit.key("ShmSize", value, from, `--shm-size=${value}`);
  else if (name === "mem_limit") s.unit.key("Memory", value, from, `--memory=${value}`);
  else if (name === "pids_limit") s.unit.key("PidsLimit", value, from, `--pids-limit=${value}`);
  else s.unit.key("PodmanArgs", arg(`${FLAGS[name]}=${value}`), from);
}

function mapDeploy(s: Svc, v: Node, key: string): void {
  const { ctx } = s;
  for (const [k, val] of entriesOf(v)) {
    const at = `${key}.${k}`;
    if (k === "resources") {
      for (const [kind, r] of entriesOf(val)) {
        for (const [res, x] of entriesOf(r)) {
          const rk = `${at}.${kind}.${res}`;
          if (kind === "limits" && res === "memory") mapLimits(s, x, rk, "mem_limit");
          else if (kind === "limits" && res === "cpus") mapLimits(s, x, rk, "cpus");
          else if (kind === "limits" && res === "pids") mapLimits(s, x, rk, "pids_limit");
          else if (kind === "reservations" && res === "memory") mapLimits(s, x, rk, "mem_reservation");
          else if (res === "devices") {
            ctx.log.error(
              x.line,
              rk,
              "device requests (GPUs) have no quadlet key",
              "add AddDevice=nvidia.com/gpu=all (CDI) after the import",
            );
          } else ctx.log.warn(x.line, rk, `${kind}.${res} has no podman equivalent: left out`);
        }
      }
    } else if (k === "restart_policy") {
      if (s.node.entries.has("restart")) continue;
      const cond = val.kind === "map" ? str(val.entries.get("condition")) ?? "any" : "any";
      const max = val.kind === "map" ? str(val.entries.get("max_attempts")) : undefined;
      const policy = cond === "none" ? "no" : cond === "on-failure" ? `on-failure${max ? `:${max}` : ""}` : "always";
      mapRestart(s, { kind: "scalar", line: val.line, value: policy }, at);
      const delay = val.kind === "map" ? val.entries.get("delay") : undefined;
      const ms = delay?.kind === "scalar" && delay.value !== null
        ? durationMs(delay.value as string | number)
        : undefined;
      if (ms !== undefined) {
        s.unit.systemd("Service", "RestartSec", `${ms}ms`, { key: `${at}.delay`, line: delay!.line });
      }
    } else if (k === "replicas") {
      if (Number(str(val)) !== 1) ctx.log.warn(val.line, at, "a quadlet runs one container: the import makes one");
    } else if (k === "mode" && str(val) === "replicated") continue;
    else ctx.log.warn(val.line, at, `deploy.${k} is for Swarm or a platform: left out`);
  }
}
