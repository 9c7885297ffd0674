/**
 * `leger daemon install`: puts the leger-daemon unit where systemd finds it
 * (unless the package already did), reloads systemd and enables the unit,
 * for the user (rootless) or the system scope. Every process runs through
 * the engine's shell.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../engine.ts";
import { ExitCode, LegerError } from "../core/errors.ts";
import { atomicWrite, ensureDir, exists, readTextIfExists } from "../core/fs.ts";
import type { Scope } from "../core/paths.ts";
import { run } from "../host/shell.ts";

/** The daemon's unit name (both scopes). */
export const DAEMON_UNIT = "leger-daemon.service";

/** First line of a unit leger wrote itself (so it may rewrite it). */
const WRITTEN_MARK = "# Written by `leger daemon install`";

/** Options of {@linkcode installDaemon}. */
export interface DaemonInstallOptions {
  /** Also start it now (`enable --now`). */
  now?: boolean;
  /** The command that runs leger, e.g. `["/usr/bin/leger"]`; the unit appends `daemon`. */
  command?: string[];
  /** Where the package puts the unit; /usr/lib/systemd/{user,system} by default. */
  packagedDir?: string;
  /** Where leger writes the unit when the package did not; by default ~/.config/systemd/user or /etc/systemd/system. */
  unitDir?: string;
  /** Where systemd-logind marks lingering users; /var/lib/systemd/linger by default. */
  lingerDir?: string;
}

/** What {@linkcode installDaemon} did. */
export interface DaemonInstallResult {
  /** The scope. */
  scope: Scope;
  /** The unit name. */
  unit: string;
  /** The unit file systemd uses. */
  unitPath: string;
  /** "packaged": the package's unit; "written": leger wrote it now; "kept": a unit someone else wrote. */
  source: "packaged" | "written" | "kept";
  /** Started now (--now). */
  started: boolean;
  /** User scope: whether the user's units keep running after logout. */
  linger?: boolean;
  /** Things the user should still do, each a sentence. */
  notes: string[];
}

import { hardeningFor, RESTART_LINES } from "./units.ts";

/** Quotes one argument for a systemd ExecStart= line. */
function quoteArg(arg: string): string {
  const escaped = arg.replaceAll("%", "%%");
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)
    ? escaped
    : `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * The unit text for a scope, running `command daemon` (plus `--scope
 * system` for the system unit). With `/usr/bin/leger` it is the unit the
 * package ships in systemd/ (apart from the comment at the top).
 */
export function daemonUnitText(scope: Scope, command: string[]): string {
  const exec = [...command, "daemon", ...(scope === "system" ? ["--scope", "system"] : [])]
    .map(quoteArg).join(" ");
  const header = scope === "user"
    ? `${WRITTEN_MARK} (user scope).
# Enable with: systemctl --user enable --now leger-daemon
# (and \`loginctl enable-linger $USER\` to keep it running after logout).
`
    : `${WRITTEN_MARK} (system scope).
# Enable with: systemctl enable --now leger-daemon
`;
  const unit = scope === "user"
    ? `[Unit]
Description=leger daemon: keep Podman secrets in sync with Setec
`
    : `[Unit]
Description=leger daemon (system scope): keep Podman secrets in sync with Setec
Wants=network-online.target
After=network-online.target tailscaled.service
`;
  const config = scope === "user" ? "~/.config/leger/config.yaml" : "/etc/leger/config.yaml";
  return `${header}${unit}
[Service]
Type=exec
ExecStart=${exec}
# SIGHUP runs a secrets sync and an update check at once (each reads ${config}).
ExecReload=/bin/kill -HUP $MAINPID
${RESTART_LINES}
TimeoutStopSec=10s
# ${
    scope === "user"
      ? "Files the daemon creates (the secret cache) are private to the user."
      : "The secret cache in /var/lib/leger/secrets is private to root."
  }
UMask=0077
# ${scope === "user" ? "$XDG_RUNTIME_DIR/leger" : "/run/leger"} holds the control socket.
RuntimeDirectory=leger
RuntimeDirectoryMode=0700
${hardeningFor(scope)}

[Install]
WantedBy=${scope === "user" ? "default.target" : "multi-user.target"}
`;
}

/**
 * V8 flags for a long-running leger: semi-spaces (each half of V8's young
 * generation) of at most 1 MiB. Measured on the idle daemon: 5-11 MiB less
 * resident memory, no slower (docs/ARCHITECTURE.md, docs/BENCHMARKS.md).
 * The compiled binary has the same flags built in (`deno compile
 * --v8-flags`, in deno.json's compile task and leger.spec).
 */
export const DAEMON_V8_FLAGS = "--max-semi-space-size=1";

/**
 * The command that runs this leger: the compiled binary itself, or
 * `deno run -A --v8-flags=DAEMON_V8_FLAGS main.ts` when run from source.
 * From source, a `denoDir` (this process's DENO_DIR) is passed on with
 * `env`: the unit does not inherit the shell's environment, and without it
 * deno would look for the dependencies in another cache (and download
 * them, or fail offline).
 */
export function currentLegerCommand(
  execPath = Deno.execPath(),
  mainModule = Deno.mainModule,
  denoDir?: string,
): string[] {
  if (!/(^|\/)deno$/.test(execPath)) return [execPath];
  const run = [execPath, "run", "-A", `--v8-flags=${DAEMON_V8_FLAGS}`, new URL(mainModule).pathname];
  return denoDir ? ["/usr/bin/env", `DENO_DIR=${denoDir}`, ...run] : run;
}

function userName(engine: Engine): string {
  return engine.env.USER || engine.env.LOGNAME || String(Deno.uid?.() ?? "");
}

async function lingerEnabled(engine: Engine, lingerDir: string): Promise<boolean> {
  const user = userName(engine);
  const r = await run(engine.$, ["loginctl", "show-user", user, "--property=Linger", "--value"])
    .catch(() => undefined);
  if (r && r.code === 0) return r.stdout.trim() === "yes";
  return await exists(join(lingerDir, user));
}

async function systemctl(engine: Engine, args: string[], what: string): Promise<void> {
  const r = await engine.systemd.systemctl(args);
  if (r.code === 0) return;
  const said = (r.stderr || r.stdout).trim() || `exit code ${r.code}`;
  const user = engine.scope === "user";
  throw new LegerError(`Cannot ${what}: systemctl${user ? " --user" : ""} said: ${said}`, {
    exitCode: /Failed to connect|No such file|bus/i.test(said) ? ExitCode.environment : ExitCode.failure,
    hint: user
      ? "Run it in a login session of this user (not via su/sudo), or enable linger first: loginctl enable-linger $USER"
      : `Check the unit with: systemctl status ${DAEMON_UNIT}; journalctl -u ${DAEMON_UNIT}`,
  });
}

/**
 * Installs and enables the leger daemon's unit for the engine's scope.
 *
 * @example
 * ```ts
 * const r = await installDaemon(engine, { now: true, command: currentLegerCommand() });
 * for (const note of r.notes) console.log(note);
 * ```
 */
export async function installDaemon(
  engine: Engine,
  options: DaemonInstallOptions = {},
): Promise<DaemonInstallResult> {
  const user = engine.scope === "user";
  const packagedDir = options.packagedDir ?? (user ? "/usr/lib/systemd/user" : "/usr/lib/systemd/system");
  const home = engine.env.HOME ?? "";
  const unitDir = options.unitDir ??
    (user ? join(engine.env.XDG_CONFIG_HOME || join(home, ".config"), "systemd/user") : "/etc/systemd/system");
  const packaged = join(packagedDir, DAEMON_UNIT);
  const target = join(unitDir, DAEMON_UNIT);
  const notes: string[] = [];

  let source: DaemonInstallResult["source"];
  let unitPath: string;
  const existing = await readTextIfExists(target);
  if (existing !== undefined && !existing.startsWith(WRITTEN_MARK)) {
    source = "kept";
    unitPath = target;
    engine.log.info(`keeping ${target} (not written by leger)`);
  } else if (await exists(packaged)) {
    source = "packaged";
    unitPath = packaged;
    if (existing !== undefined) {
      await Deno.remove(target); // ours would hide the package's unit
      engine.log.info(`removed ${target}: the package's ${packaged} is used instead`);
    }
  } else {
    source = "written";
    unitPath = target;
    const text = daemonUnitText(engine.scope, options.command ?? currentLegerCommand());
    if (existing !== text) {
      await atomicWrite(target, text, { mode: 0o644, dirMode: 0o755 });
      engine.log.info(`wrote ${target}`);
    }
  }

  // The system unit may write the quadlet folder only if it exists when the unit starts (ReadWritePaths=).
  if (!user) await ensureDir(engine.paths.quadletDir);
  await systemctl(engine, ["daemon-reload"], "reload systemd");
  const enable = ["enable", ...(options.now ? ["--now"] : []), DAEMON_UNIT];
  await systemctl(engine, enable, `enable ${DAEMON_UNIT}`);
  engine.log.info(`enabled ${DAEMON_UNIT}${options.now ? " and started it" : ""}`);

  const server = engine.config.daemon["setec-server"];
  if (!server) {
    notes.push(
      `No Setec server is configured: the daemon runs unattended updates (and fleet:) only, until a set declares a secret; then it needs daemon.setec-server in ${engine.paths.configFile}.`,
    );
  } else if (
    engine.env.SETEC_SERVER === server &&
    !(await readTextIfExists(engine.paths.configFile))?.includes("setec-server")
  ) {
    notes.push(
      `SETEC_SERVER comes from your shell, which the daemon's unit does not see: put daemon.setec-server: ${server} in ${engine.paths.configFile}.`,
    );
  }
  if (!options.now) {
    notes.push(`Start it with: systemctl${user ? " --user" : ""} start ${DAEMON_UNIT}`);
  }
  let linger: boolean | undefined;
  if (user) {
    linger = await lingerEnabled(engine, options.lingerDir ?? "/var/lib/systemd/linger");
    if (!linger) {
      notes.push(
        "Linger is off, so the daemon stops when you log out; keep it running with: loginctl enable-linger $USER",
      );
    }
  }
  return {
    scope: engine.scope,
    unit: DAEMON_UNIT,
    unitPath,
    source,
    started: options.now === true,
    ...(linger === undefined ? {} : { linger }),
    notes,
  };
}
