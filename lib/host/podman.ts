/**
 * podman, through the shell seam: its version and what it can do, the
 * native `podman quadlet` commands, and the volume and image calls leger
 * needs. Every JSON answer is checked with zod.
 *
 * @module
 */
import { z } from "zod";
import { ExitCode, LegerError } from "../core/errors.ts";
import { run, type RunResult, type Shell } from "./shell.ts";
import { operands } from "../core/argv.ts";
import {
  podmanBinary,
  podmanKey,
  type QuadletFlags,
  readKnownBinary,
  readProbeCache,
  writeProbeCache,
} from "./podman_probe_cache.ts";

/** A parsed podman version. */
export interface PodmanVersion {
  /** As printed, e.g. "5.8.6". */
  text: string;
  major: number;
  minor: number;
  patch: number;
}

/** What the host's podman supports. */
export interface PodmanCapabilities {
  version: PodmanVersion;
  /** `podman quadlet` exists (5.6+). */
  quadletCommand: boolean;
  /** `podman quadlet install --replace` (5.7+). */
  quadletReplace: boolean;
  /** `.quadlets` bundles (5.8+). */
  quadletBundles: boolean;
  /**
   * `podman quadlet install --application NAME DIR` (podman 6): each set is
   * a sub-folder of the quadlet folder, drop-in folders included. Probed
   * from `podman quadlet install --help`, not assumed from the version.
   */
  quadletApplication: boolean;
  /** `podman quadlet rm --recursive APP` (podman 6), probed from `rm --help`. */
  quadletRecursiveRm: boolean;
  /**
   * `install --replace` keeps the old file's tail when the new file is
   * shorter (podman 5.7.0-5.8.5, fixed in 5.8.6): leger must not use it.
   */
  replaceKeepsTail: boolean;
  /** The quadlet generator exists at all (4.4+). */
  generator: boolean;
}

/** Parses "podman version 5.8.6" or "5.8.6". */
export function parsePodmanVersion(text: string): PodmanVersion | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return {
    text: `${m[1]}.${m[2]}${m[3] !== undefined ? "." + m[3] : ""}`,
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3] ?? 0),
  };
}

/** True when `v` is at least major.minor. */
export function atLeast(v: PodmanVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** Options of {@linkcode detectPodman}. */
export interface DetectOptions {
  /**
   * Where the flag probe's answer is kept per podman build
   * (`lib/host/podman_probe_cache.ts`); left out, podman is probed every time.
   */
  cacheFile?: string;
  /** The PATH podman is found on (for the cache key). */
  path?: string;
}

/** Finds podman's version and what it can do; throws when podman is missing. */
export async function detectPodman($: Shell, options: DetectOptions = {}): Promise<PodmanCapabilities> {
  // An ELF podman seen before (same path, size, mtime, inode) needs no process: lib/host/podman_probe_cache.ts.
  const binary = options.cacheFile ? podmanBinary(options.path) : undefined;
  const known = binary && options.cacheFile ? readKnownBinary(options.cacheFile, binary) : undefined;
  const knownVersion = known ? parsePodmanVersion(known.versionLine) : undefined;
  if (known && knownVersion) return capabilities(knownVersion, known.flags, atLeast(knownVersion, 5, 6));
  let r: RunResult;
  try {
    r = await run($, ["podman", "--version"]);
  } catch (error) {
    throw new LegerError("Cannot find podman on this host", {
      exitCode: ExitCode.environment,
      cause: error,
      hint: "Install podman 4.4 or newer (5.6+ recommended): dnf install podman / apt install podman.",
    });
  }
  if (r.code === 127 || /command not found/.test(r.stderr)) {
    throw new LegerError("Cannot find podman on this host", {
      exitCode: ExitCode.environment,
      hint: "Install podman 4.4 or newer (5.6+ recommended): dnf install podman / apt install podman.",
    });
  }
  const version = r.code === 0 ? parsePodmanVersion(r.stdout) : undefined;
  if (!version) {
    throw new LegerError(`Cannot tell podman's version: ${(r.stderr || r.stdout).trim()}`, {
      exitCode: ExitCode.environment,
      hint: "Check that `podman --version` works for this user.",
    });
  }
  const quadletCommand = atLeast(version, 5, 6);
  const flags: QuadletFlags = quadletCommand
    ? await cachedQuadletFlags($, r.stdout, options, binary)
    : { replace: true, application: false, recursiveRm: false };
  if (!quadletCommand && binary && options.cacheFile) {
    await writeProbeCache(options.cacheFile, podmanKey(r.stdout, options.path), flags, {
      binary,
      versionLine: r.stdout.trim(),
    });
  }
  return capabilities(version, flags, quadletCommand);
}

function capabilities(version: PodmanVersion, flags: QuadletFlags, quadletCommand: boolean): PodmanCapabilities {
  return {
    version,
    quadletCommand,
    quadletReplace: atLeast(version, 5, 7) && flags.replace,
    quadletBundles: atLeast(version, 5, 8),
    quadletApplication: flags.application,
    quadletRecursiveRm: flags.recursiveRm,
    replaceKeepsTail: version.major === 5 &&
      (version.minor === 7 || (version.minor === 8 && version.patch <= 5)),
    generator: atLeast(version, 4, 4),
  };
}

/** The probe's answer from the cache when it is there for this podman build, else probed (and cached). */
async function cachedQuadletFlags(
  $: Shell,
  versionLine: string,
  options: DetectOptions,
  binary: string | undefined,
): Promise<QuadletFlags> {
  const key = options.cacheFile ? podmanKey(versionLine, options.path) : "";
  const cached = options.cacheFile ? readProbeCache(options.cacheFile, key) : undefined;
  const known = binary ? { binary, versionLine: versionLine.trim() } : undefined;
  if (cached) {
    // Recorded for the binary too, so the next command skips `podman --version`.
    if (known && options.cacheFile) await writeProbeCache(options.cacheFile, key, cached, known);
    return cached;
  }
  const { flags, complete } = await quadletFlags($);
  if (options.cacheFile && complete) await writeProbeCache(options.cacheFile, key, flags, known);
  return flags;
}

/**
 * Reads `podman quadlet install --help` and `rm --help`. `complete` is false
 * when podman could not say (such an answer is not cached); a missing
 * install help then leaves `--replace` to the version.
 */
async function quadletFlags($: Shell): Promise<{ flags: QuadletFlags; complete: boolean }> {
  const help = async (sub: string) => {
    const r = await run($, ["podman", "quadlet", sub, "--help"]).catch(() => undefined);
    return r && r.code === 0 ? r.stdout : undefined;
  };
  const [install, rm] = await Promise.all([help("install"), help("rm")]);
  return {
    flags: {
      replace: !install || /--replace\b/.test(install),
      application: /--application\b/.test(install ?? ""),
      recursiveRm: /--recursive\b/.test(rm ?? ""),
    },
    complete: install !== undefined && rm !== undefined,
  };
}

/** Refuses podman older than 4.4, which has no quadlet generator. */
export function requireQuadlet(caps: PodmanCapabilities): void {
  if (!caps.generator) {
    throw new LegerError(`Cannot manage quadlets with podman ${caps.version.text}: quadlet arrived in podman 4.4`, {
      exitCode: ExitCode.environment,
      hint: "Upgrade podman to 4.4 or newer (5.6+ for the native backend).",
    });
  }
}

/** One row of `podman quadlet list --format json`. */
export const QuadletListEntry = z.object({
  Name: z.string(),
  UnitName: z.string().optional().default(""),
  Path: z.string().optional().default(""),
  Status: z.string().optional().default(""),
  /** podman 5.x: the `.NAME.app` file ("" for none); podman 6: the application's folder name. */
  App: z.string().optional().default(""),
  /** podman 6: the pod a container belongs to. */
  Pod: z.string().optional().default(""),
});
/** One row of `podman quadlet list`. */
export type QuadletListEntry = z.infer<typeof QuadletListEntry>;

/** Runs podman and throws a LegerError with its message on failure. */
export async function podman(
  $: Shell,
  args: string[],
  what: string,
  options: { stdin?: string | Uint8Array; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const r = await run($, ["podman", ...args], options);
  if (r.code !== 0) {
    const msg = (r.stderr || r.stdout).trim().split("\n").filter(Boolean).slice(-3).join(" / ");
    throw new LegerError(`Cannot ${what}: podman said: ${msg || `exit ${r.code}`}`, {
      details: { argv: ["podman", ...args], exitCode: r.code },
    });
  }
  return r;
}

/** `podman quadlet list --format json`, checked. */
export async function quadletList($: Shell): Promise<QuadletListEntry[]> {
  const r = await podman($, ["quadlet", "list", "--format", "json"], "list quadlets");
  const text = r.stdout.trim();
  if (text === "" || text === "null") return [];
  const parsed = z.array(QuadletListEntry).safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new LegerError(`Cannot read podman quadlet list output: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

/** Names of the podman volumes that exist. */
export async function volumeNames($: Shell): Promise<string[]> {
  const r = await podman($, ["volume", "ls", "--format", "{{.Name}}"], "list volumes");
  return r.stdout.split("\n").map((s) => s.trim()).filter(Boolean);
}

/**
 * Removes podman volumes in one call; returns those podman says it removed.
 * `volume rm --force` passes over a name that does not exist (seen on podman
 * 5.4.2 and 5.8.6: exit 0) and prints each volume it removed; only names
 * asked for are taken from that output.
 */
export async function removeVolumes($: Shell, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const r = await podman(
    $,
    ["volume", "rm", "--force", "--", ...operands(names, "volume name")],
    `remove volumes ${names.join(" ")}`,
  );
  const said = new Set(r.stdout.split("\n").map((line) => line.trim()));
  return names.filter((name) => said.has(name));
}

/** The generator binary, where the host has one. */
export const GENERATOR_PATHS = [
  "/usr/libexec/podman/quadlet",
  "/usr/lib/podman/quadlet",
  "/usr/local/libexec/podman/quadlet",
];
