/**
 * The types every validator check shares: diagnostics, the host probe,
 * the options of a run and the report.
 *
 * @module
 */
import type { SetFile } from "./kinds.ts";
import type { UnitEntry } from "./parse.ts";
import type { LoadedUnit } from "./set.ts";

/** One problem found in a set. */
export interface Diagnostic {
  /** File name within the set (`web.container`, `web.container.d/10-x.conf`). */
  file: string;
  /** 1-based line (1 when the problem concerns the whole file). */
  line: number;
  /** 1-based column. */
  column: number;
  /** Last line, for problems spanning lines. */
  endLine?: number;
  /** Column after the last character. */
  endColumn?: number;
  /** `error` blocks install; `warning` too with `--strict`; `info` never. */
  severity: "error" | "warning" | "info";
  /** Stable code in `area/name` form, documented in docs/VALIDATION.md. */
  code: string;
  /** The key concerned, if any. */
  key?: string;
  /** What is wrong. */
  message: string;
  /** What to do about it. */
  fix?: string;
  /** Who found it: leger's own checks or podman's generator. */
  source: "leger" | "generator";
}

/** An installed set of the same scope. */
export interface OtherSet {
  /** Set name. */
  name: string;
  /** Its files (drop-ins named like `web.container.d/10-x.conf`). */
  files: SetFile[];
}

/** Questions about the host; every one optional. */
export interface HostProbe {
  /** Is something listening on this host port? */
  portInUse?(port: number, proto: "tcp" | "udp"): Promise<boolean>;
  /** Does this absolute host path exist? */
  pathExists?(path: string): Promise<boolean>;
  /** Does a podman secret of this name exist? */
  podmanSecretExists?(name: string): Promise<boolean>;
  /** Does systemd know this unit (`foo.service`, `network-online.target`)? */
  unitExists?(unit: string): Promise<boolean>;
  /** Runs `QUADLET_UNIT_DIRS=dir quadlet -dryrun [-user]`; undefined when the host has no generator. */
  generator?(dir: string, rootless: boolean): Promise<{ code: number; stdout: string; stderr: string } | undefined>;
  /** `net.ipv4.ip_unprivileged_port_start` (rootless ports below it cannot be bound). */
  unprivilegedPortStart?(): Promise<number>;
}

/** Options of a validation run. */
export interface ValidateOptions {
  /** Name of the set (excludes its installed copy from conflict checks). */
  setName?: string;
  /** Podman version of the target host, "major.minor" (see target.ts for what happens without one). */
  podmanVersion?: string;
  /** True when `podmanVersion` came from `--podman-version`, not from a host. */
  podmanVersionFromFlag?: boolean;
  /** Podman versions the config declares (`podman-versions:`); a set's `.leger.yaml` `podman:` wins. */
  configTargets?: readonly string[];
  /** Rootless (user) scope. */
  rootless: boolean;
  /** Installed sets of the same scope. */
  others?: OtherSet[];
  /** Host questions. */
  host?: HostProbe;
  /** Count warnings as errors. */
  strict?: boolean;
  /**
   * Units of the other sets of the same repository (`leger validate REPO`):
   * references to them resolve, but they are not installed, so nothing
   * conflicts with them. Keyed by file name; entries of `setName` are skipped.
   */
  repository?: ReadonlyMap<string, { set: string; unit: LoadedUnit }>;
  /** Entries the set loader refused (reported as errors at their file). */
  refused?: readonly { file: string; code: string; message: string; fix: string }[];
}

/** The result of a run. */
export interface ValidationReport {
  /** Every problem, sorted by file, line, column. */
  diagnostics: Diagnostic[];
  /** Number of errors. */
  errors: number;
  /** Number of warnings. */
  warnings: number;
  /** No errors (with `strict`: no warnings either). */
  ok: boolean;
}

/** Collects diagnostics during a run. */
export class DiagnosticSink {
  /** Everything collected so far. */
  readonly items: Diagnostic[] = [];

  /** Adds a diagnostic. */
  add(d: Omit<Diagnostic, "source"> & { source?: Diagnostic["source"] }): void {
    const out: Diagnostic = { ...d, source: d.source ?? "leger" };
    if (out.fix === undefined) delete out.fix;
    if (out.key === undefined) delete out.key;
    this.items.push(out);
  }

  /** Adds a diagnostic placed on an entry (on its value when `onValue`). */
  at(
    entry: UnitEntry,
    severity: Diagnostic["severity"],
    code: string,
    message: string,
    fix?: string,
    onValue = false,
  ): void {
    const column = onValue ? entry.valueColumn : entry.column;
    const d: Omit<Diagnostic, "source"> = {
      file: entry.file,
      line: entry.line,
      column,
      severity,
      code,
      key: entry.key,
      message,
    };
    if (entry.endLine !== entry.line) d.endLine = entry.endLine;
    else if (onValue) d.endColumn = entry.valueColumn + entry.value.length;
    if (fix !== undefined) d.fix = fix;
    this.add(d);
  }
}
