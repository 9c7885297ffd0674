/**
 * The engine: everything an operation needs for one scope, built once per
 * run. Operations (lib/ops/) take an Engine; the CLI builds it from flags,
 * tests build it with fake commands.
 *
 * @module
 */
import { type Config, loadConfig } from "./config.ts";
import { ExitCode, LegerError } from "./core/errors.ts";
import type { Logger } from "./core/log.ts";
import { currentEnv, type Scope, type ScopePaths, usableScopePaths } from "./core/paths.ts";
import { detectPodman, type PodmanCapabilities, requireQuadlet } from "./host/podman.ts";
import { probeCacheFile } from "./host/podman_probe_cache.ts";
import type { Shell } from "./host/shell.ts";
import { Systemd } from "./host/systemd.ts";
import type { Backend } from "./backend/backend.ts";
import { filesBackend } from "./backend/files.ts";
import { nativeBackend } from "./backend/native.ts";
import { nativeAppBackend } from "./backend/native_app.ts";
import { credentialsDir } from "./source/credentials.ts";
import { createFetcher, type Fetcher } from "./source/fetch.ts";
import type { ForgeKind } from "./source/spec.ts";

/**
 * A running daemon, as this run may reach it (its control socket:
 * lib/daemon/control_client.ts). The CLI's commands are given one; a
 * daemon's own cycle child is not: it must never ask its parent, which is
 * waiting for it.
 */
export interface DaemonLink {
  /** Asks the daemon to sync secrets now (one Setec name, or all); its report, or undefined when none answers. */
  syncSecrets(name: string | undefined, dryRun: boolean): Promise<unknown | undefined>;
}

/** What every operation runs with. */
export interface Engine {
  scope: Scope;
  paths: ScopePaths;
  config: Config;
  $: Shell;
  log: Logger;
  systemd: Systemd;
  fetcher: Fetcher;
  env: Record<string, string>;
  /** Forge hosts known to this run (built-ins plus config). */
  forges: Record<string, ForgeKind>;
  /** podman's version and abilities (asked once). */
  podman(): Promise<PodmanCapabilities>;
  /** The backend for this run (asked once). */
  backend(): Promise<Backend>;
  /** The running daemon, when this run may ask it (see {@linkcode DaemonLink}). */
  daemon?: DaemonLink;
}

/** Options of {@linkcode createEngine}. */
export interface EngineOptions {
  scope: Scope;
  $: Shell;
  log: Logger;
  env?: Record<string, string>;
  /** Overrides config `backend:`. */
  backend?: "auto" | "native" | "files";
  /** Use this config instead of reading the file. */
  config?: Config;
  /** How this run reaches a running daemon, if it may (none by default). */
  daemon?: (paths: ScopePaths) => DaemonLink;
}

/** Builds an engine: reads the config, checks the scope is usable. */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const env = options.env ?? currentEnv();
  const paths = usableScopePaths(options.scope, env);
  const config = options.config ?? await loadConfig(paths, env);
  const choice = options.backend && options.backend !== "auto" ? options.backend : config.backend;
  let caps: PodmanCapabilities | undefined;
  let backend: Backend | undefined;
  const engine: Engine = {
    scope: options.scope,
    paths,
    config,
    $: options.$,
    log: options.log,
    env,
    systemd: new Systemd(options.$, options.scope),
    fetcher: createFetcher({
      $: options.$,
      cacheDir: paths.cacheDir,
      credentialsDir: credentialsDir(paths.stateDir),
      progress: options.log,
    }),
    forges: config.forges,
    ...(options.daemon ? { daemon: options.daemon(paths) } : {}),
    async podman() {
      if (!caps) {
        const found = await detectPodman(options.$, {
          cacheFile: probeCacheFile(paths.stateDir),
          ...(env.PATH !== undefined ? { path: env.PATH } : {}),
        });
        requireQuadlet(found);
        caps = found;
      }
      return caps;
    },
    async backend() {
      if (backend) return backend;
      const c = await engine.podman();
      if (choice === "native" && !c.quadletCommand) {
        throw new LegerError(`Cannot use the native backend: podman ${c.version.text} has no "podman quadlet" (5.6+)`, {
          exitCode: ExitCode.environment,
          hint: "Use --backend files (or backend: files in the config), or upgrade podman.",
        });
      }
      const useNative = choice === "native" || (choice === "auto" && c.quadletCommand);
      // podman 6's `install --application` (probed, not assumed from the version) or 5.6-5.8's flat apps.
      backend = !useNative
        ? filesBackend(paths.quadletDir)
        : c.quadletApplication
        ? nativeAppBackend(options.$, c, paths.quadletDir, options.log)
        : nativeBackend(options.$, c, paths.quadletDir, options.log);
      return backend;
    },
  };
  return engine;
}
