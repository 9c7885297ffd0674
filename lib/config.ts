/**
 * leger's config file (`~/.config/leger/config.yaml`, or
 * `/etc/leger/config.yaml` for system scope), its defaults and the
 * environment variables that override it.
 *
 * ```yaml
 * backend: auto                 # auto | native | files
 * forges:                       # self-hosted forges whose tree URLs leger parses
 *   git.example.com: gitea      # github | gitlab | gitea (Forgejo is gitea)
 * health-timeout: 30s
 * health-settle: 1.2s           # how long a unit without a health signal must stay up
 * backup-dir: /srv/leger-backups
 * backup-retention: { count: 10, age: 30d }
 * backup-compression: auto      # auto (zstd when present) | zstd | gzip | none
 * updates:                     # unattended updates by the daemon (see lib/gitops/)
 *   interval: 1h                # default for sets that name none (±10% jitter)
 *   default: { policy: off }    # below a set's own .leger.yaml
 *   sets:                       # per set, above its .leger.yaml: the host owner wins
 *     web: { policy: notify }
 *     vpn: { policy: apply, accept-risks: true }   # host-only keys (never from .leger.yaml):
 *                               # accept-risks: apply versions that add risk findings (host access)
 *                               # allow-insecure-transport: update from http:// or git://
 * catalogs:                     # repositories whose subfolders are quadlet sets (leger search, install NAME)
 *   - url: https://github.com/leger-dev/leger   # as leger install takes it (a folder path too)
 *     ref: main                 # optional: branch, tag or commit (default: the remote's HEAD)
 *     path: examples            # optional: the folder holding the sets (default: the top)
 *     name: leger               # optional: what `leger install leger/web` calls it (default: from the URL)
 *                               # absent: leger's own examples; [] for none
 * labels: [edge, eu]            # this host's labels, for a repository's leger-hosts.yaml
 * host-name: web-1              # the name leger-hosts.yaml knows this host by (default: the system's)
 * fleet:                        # the daemon installs the sets this repository's leger-hosts.yaml assigns here
 *   source: https://git.example.com/ops/fleet.git   # as leger install takes it (#REF:FOLDER too)
 *   ref: main                   # instead of the ref in source
 *   interval: 5m                # how often to ask (default updates.interval; ±10% jitter)
 *   remove: false               # true: also remove sets it no longer assigns (default: only report them)
 *   allow-insecure-transport: false  # true: follow an http:// or git:// repository (not loopback)
 * trust:                       # which commits and tags may be installed (lib/trust/schema.ts)
 *   keys:
 *     alice: { identity: alice@example.com, ssh: "ssh-ed25519 AAAA..." }
 *     release: { identity: release@example.com, openpgp-file: keys/release.asc }
 *   default: { verify: signed }     # or none (the built-in default); per set, catalog and the fleet too
 * daemon:
 *   setec-server: https://secrets.example.ts.net   # or $SETEC_SERVER; its MagicDNS name
 *   setec-ca-file: /etc/leger/setec-ca.pem          # or $SETEC_CA_FILE; only for a private CA
 *   poll-interval: 1h
 *   verify-interval: 1h          # each cached secret fetched in full and compared (a re-created secret)
 *   secret-prefix: leger/       # a set declares Setec secrets under leger/<set>/ only...
 *   shared-secrets: [leger/shared/]   # ...and these (names, or prefixes ending in /) that sets may share
 *   restart-on-rotate: true
 * ```
 *
 * @module
 */
import { z } from "zod";
import { ExitCode, LegerError } from "./core/errors.ts";
import { readTextIfExists } from "./core/fs.ts";
import { HostUpdatePolicy } from "./meta/set_meta.ts";
import { isSafeRef } from "./source/ref.ts";
import { TrustConfig } from "./trust/schema.ts";
import type { ScopePaths } from "./core/paths.ts";

const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)?$/, "a duration such as 30s, 10m, 1h or 7d");

/** The schema of config.yaml. */
export const ConfigFile = z.strictObject({
  backend: z.enum(["auto", "native", "files"]).default("auto"),
  forges: z.record(z.string(), z.enum(["github", "gitlab", "gitea"])).default({}),
  "health-timeout": duration.default("30s"),
  "health-settle": duration.optional(),
  "backup-dir": z.string().optional(),
  "backup-retention": z.strictObject({
    count: z.number().int().positive().optional(),
    age: duration.optional(),
  }).default({ count: 10 }),
  "backup-compression": z.enum(["auto", "zstd", "gzip", "none"]).default("auto"),
  "github-token": z.string().optional(),
  updates: z.strictObject({
    interval: duration.default("1h"),
    default: HostUpdatePolicy.default(() => ({})),
    sets: z.record(z.string(), HostUpdatePolicy).default(() => ({})),
  }).default(() => ({ interval: "1h", default: {}, sets: {} })),
  /** Podman versions the sets target, for `validate --no-host` ("5.8", ">=5.6"). */
  "podman-versions": z.array(z.string().regex(/^(>=\s*)?\d+\.\d+$/, "a version such as 5.8 or >=5.6")).optional(),
  /** Repositories of quadlet sets (lib/catalog/); absent: leger's own examples. */
  catalogs: z.array(z.strictObject({
    url: z.string().min(1),
    ref: z.string().min(1).refine(isSafeRef, "a branch, tag or commit id as git spells them, not starting with '-'")
      .optional(),
    path: z.string().optional(),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a name: letters, digits and _ . -").optional(),
  })).optional(),
  labels: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.\/=-]*$/, "a label: letters, digits and _ . / = -"))
    .default([]),
  "host-name": z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a host name").optional(),
  /** The repository whose leger-hosts.yaml the daemon follows (lib/fleet/pull.ts). */
  fleet: z.strictObject({
    source: z.string().min(1),
    ref: z.string().min(1).refine(isSafeRef, "a branch, tag or commit id as git spells them, not starting with '-'")
      .optional(),
    interval: duration.optional(),
    remove: z.boolean().default(false),
    /** Follow an http:// or git:// repository (not loopback) although anyone on the path can change it. */
    "allow-insecure-transport": z.boolean().default(false),
  }).optional(),
  /** Which commits and tags may be installed: signatures by the keys named here (lib/trust/). */
  trust: TrustConfig.optional(),
  daemon: z.strictObject({
    "setec-server": z.string().url().optional(),
    "setec-ca-file": z.string().optional(),
    "poll-interval": duration.default("1h"),
    /**
     * How often each cached secret is fetched in full and compared by digest: a secret deleted and put again within
     * one poll gets its old version numbers back, answers 304 to the poll, and is noticed within this time.
     */
    "verify-interval": duration.default("1h"),
    "secret-prefix": z.string().default("leger/"),
    /** Setec names (or prefixes ending in /) any set may declare; else a set reaches only <prefix><set>/. */
    "shared-secrets": z.array(z.string().min(1)).default([]),
    "restart-on-rotate": z.boolean().default(true),
  }).default({
    "poll-interval": "1h",
    "verify-interval": "1h",
    "secret-prefix": "leger/",
    "shared-secrets": [],
    "restart-on-rotate": true,
  }),
});
/** The parsed config with defaults filled in. */
export type Config = z.infer<typeof ConfigFile>;

/** Loads the scope's config file (defaults when absent) and applies env overrides. */
export async function loadConfig(
  paths: ScopePaths,
  env: Record<string, string> = {},
): Promise<Config> {
  const text = await readTextIfExists(paths.configFile);
  let config: Config;
  try {
    // The YAML reader loads only when there is a file to read (about 30-70 ms of start-up otherwise).
    config = text === undefined
      ? ConfigFile.parse({}) as Config
      : (await import("./core/schema/yaml_file.ts")).loadYamlWith(text, paths.configFile, ConfigFile) as Config;
  } catch (error) {
    if (!(error instanceof LegerError)) throw error;
    throw new LegerError(error.message, {
      exitCode: ExitCode.config,
      hint: `Fix ${paths.configFile} (every key is described in docs/config.schema.json).`,
      ...(error.details ? { details: error.details } : {}),
    });
  }
  if (env.SETEC_SERVER && !config.daemon["setec-server"]) {
    config.daemon["setec-server"] = env.SETEC_SERVER;
  }
  if (env.SETEC_CA_FILE && !config.daemon["setec-ca-file"]) {
    config.daemon["setec-ca-file"] = env.SETEC_CA_FILE;
  }
  if (env.LEGER_BACKEND === "native" || env.LEGER_BACKEND === "files") {
    config.backend = env.LEGER_BACKEND;
  }
  if (env.GITHUB_TOKEN && !config["github-token"]) config["github-token"] = env.GITHUB_TOKEN;
  return config;
}

/** The defaults, as used when there is no config file. */
export function defaultConfig(): Config {
  return ConfigFile.parse({}) as Config;
}
