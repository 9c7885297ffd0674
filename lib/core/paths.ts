/**
 * Where leger keeps things, per scope. User scope follows XDG, system scope
 * the FHS. Every folder can be moved with an environment variable (tests
 * and packagers use them): LEGER_CONFIG_DIR, LEGER_STATE_DIR,
 * LEGER_CACHE_DIR, LEGER_RUNTIME_DIR and LEGER_QUADLET_DIR.
 *
 * @module
 */
import { join } from "node:path";
import { ExitCode, LegerError } from "./errors.ts";

/** user: rootless, the default; system: root, /etc and /var. */
export type Scope = "user" | "system";

/** Every folder and file leger uses for one scope. */
export interface ScopePaths {
  /** The scope these paths belong to. */
  scope: Scope;
  /** `~/.config/leger` or `/etc/leger`. */
  configDir: string;
  /** `config.yaml` inside configDir. */
  configFile: string;
  /** User workflow overrides. */
  workflowDir: string;
  /** `~/.local/share/leger` or `/var/lib/leger`. */
  stateDir: string;
  /** One JSON manifest per installed set. */
  manifestsDir: string;
  /** Staged updates, one folder per set. */
  stagingDir: string;
  /** Backups, one folder per set, one per backup inside. */
  backupsDir: string;
  /** Entries of operations under way (for recovery). */
  journalDir: string;
  /** The lock file that serialises state changes. */
  lockFile: string;
  /** `~/.cache/leger` or `/var/cache/leger`. */
  cacheDir: string;
  /** Where podman's quadlet generator reads unit files from. */
  quadletDir: string;
  /** `$XDG_RUNTIME_DIR/leger` or `/run/leger`: the daemon's socket. */
  runtimeDir: string;
  /** The daemon's secret cache (0600 files in a 0700 folder). */
  secretCacheDir: string;
}

/** Reads the environment as a plain object (empty when not permitted). */
export function currentEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

/** Computes the paths of a scope from an environment. */
export function scopePaths(
  scope: Scope,
  env: Record<string, string> = currentEnv(),
): ScopePaths {
  let config: string, state: string, cache: string, quadlets: string;
  let runtime: string;
  if (scope === "system") {
    config = "/etc/leger";
    state = "/var/lib/leger";
    cache = "/var/cache/leger";
    quadlets = "/etc/containers/systemd";
    runtime = "/run/leger";
  } else {
    const home = env.HOME;
    if (!home) {
      throw new LegerError("Cannot find the user's folders: HOME is not set", {
        hint: "Set HOME, or use --scope system as root.",
      });
    }
    config = join(env.XDG_CONFIG_HOME || join(home, ".config"), "leger");
    state = join(env.XDG_DATA_HOME || join(home, ".local/share"), "leger");
    cache = join(env.XDG_CACHE_HOME || join(home, ".cache"), "leger");
    quadlets = join(
      env.XDG_CONFIG_HOME || join(home, ".config"),
      "containers/systemd",
    );
    const uid = Deno.uid?.() ?? 0;
    runtime = join(env.XDG_RUNTIME_DIR || `/run/user/${uid}`, "leger");
  }
  config = env.LEGER_CONFIG_DIR || config;
  state = env.LEGER_STATE_DIR || state;
  cache = env.LEGER_CACHE_DIR || cache;
  quadlets = env.LEGER_QUADLET_DIR || quadlets;
  runtime = env.LEGER_RUNTIME_DIR || runtime;
  return {
    scope,
    configDir: config,
    configFile: join(config, "config.yaml"),
    workflowDir: join(config, "workflows"),
    stateDir: state,
    manifestsDir: join(state, "manifests"),
    stagingDir: join(state, "staged"),
    backupsDir: join(state, "backups"),
    journalDir: join(state, "journal"),
    lockFile: join(state, "leger.lock"),
    cacheDir: cache,
    quadletDir: quadlets,
    runtimeDir: runtime,
    secretCacheDir: join(state, "secrets"),
  };
}

/**
 * The paths of a scope this process may use: system scope needs root
 * (unless LEGER_STATE_DIR points elsewhere, as in tests).
 */
export function usableScopePaths(scope: Scope, env: Record<string, string> = currentEnv()): ScopePaths {
  if (scope === "system" && Deno.uid?.() !== 0 && !env.LEGER_STATE_DIR) {
    throw new LegerError("Cannot use --scope system: it needs root", {
      exitCode: ExitCode.environment,
      hint: "Run leger with sudo, or leave out --scope system for your own (rootless) containers.",
    });
  }
  return scopePaths(scope, env);
}
