/**
 * The fake host's `systemctl` and `journalctl`, answering like systemd 25x
 * does from the units the generator (generator.ts) made and
 * their life (units.ts).
 *
 * @module
 */
import { last } from "../fake_host_ini.ts";
import type { Answer, Ctx } from "../fake_host_state.ts";
import { daemonReload, loaded, lookup } from "./generator.ts";
import { advance, advanceUnit, restartSec, startUnit, stopUnit } from "./units.ts";
import { enableUnits } from "./enable.ts";
import { freezer, refusedWhileFrozen } from "./freezer.ts";
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
  "FreezerState",
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
    FreezerState: u?.frozen ? "frozen" : "running",
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
  if (["stop", "restart", "try-restart"].includes(a.verb)) {
    const refused = refusedWhileFrozen(ctx, a.units);
    if (refused) return refused;
  }
  switch (a.verb) {
    case "freeze":
    case "thaw":
      return freezer(ctx, a.verb, a.units);
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
