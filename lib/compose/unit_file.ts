/**
 * The writer's side of an import: quadlet files built key by key against
 * leger's table of keys by podman version (lib/quadlet/keys.ts), so a key
 * the target podman lacks is never written (its podman option goes into
 * `PodmanArgs=` when there is one, else the key is reported), and the
 * oldest podman the set needs follows from the keys it uses. Also the
 * findings every mapper reports into, with the Compose file's lines.
 *
 * @module
 */
import { compareVersions, keySpec, KIND_SINCE } from "../quadlet/keys.ts";

/** One thing the import says about a Compose key. */
export interface Finding {
  /** error: nothing is written; warning: written without it (refused with --strict); info: how it was mapped. */
  severity: "error" | "warning" | "info";
  /** The Compose file (or env file) as the user named it. */
  file: string;
  /** 1-based line. */
  line: number;
  /** Dotted Compose key, e.g. `services.web.deploy.replicas`. */
  key: string;
  message: string;
  /** What to do, e.g. the `PodmanArgs=` line that would do it. */
  fix?: string;
}

/** A Compose key and the quadlet lines it became. */
export interface Mapped {
  key: string;
  line: number;
  to: string[];
}

/** Escapes what systemd would expand in a value that reaches a command line: `%` specifiers and `$` variables. */
export function esc(value: string): string {
  return value.replaceAll("%", "%%").replaceAll("$", "$$$$");
}

/** One word of a key systemd-style split into words (`Exec=`, `Environment=`): quoted when it must be. */
export function word(value: string): string {
  if (value !== "" && /^[^\s"'\\;]+$/.test(value)) return value;
  return `"${
    value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n").replaceAll("\t", "\\t")
      .replaceAll("\r", "\\r")
  }"`;
}

/** Escaped and quoted: one word on a command line. */
export function arg(value: string): string {
  return word(esc(value));
}

/** Findings and mappings of one import, and the podman version the output is written for. */
export class ImportLog {
  readonly findings: Finding[] = [];
  readonly mapped: Mapped[] = [];
  /** Oldest podman the written keys need. */
  needs = "4.4";

  constructor(readonly file: string, readonly target: string) {}

  add(severity: Finding["severity"], line: number, key: string, message: string, fix?: string, file = this.file): void {
    this.findings.push({ severity, file, line, key, message, ...(fix ? { fix } : {}) });
  }
  error(line: number, key: string, message: string, fix?: string): void {
    this.add("error", line, key, message, fix);
  }
  warn(line: number, key: string, message: string, fix?: string): void {
    this.add("warning", line, key, message, fix);
  }
  info(line: number, key: string, message: string): void {
    this.add("info", line, key, message);
  }
  /** True when podman `target` has `since`. */
  has(since: string): boolean {
    return compareVersions(since, this.target) <= 0;
  }
  need(since: string): void {
    if (compareVersions(since, this.needs) > 0) this.needs = since;
  }
}

/** Where a line comes from: the Compose key and its line. */
export interface Origin {
  key: string;
  line: number;
}

/** One quadlet file under construction. */
export class UnitFile {
  private readonly sections = new Map<string, string[]>();

  constructor(readonly name: string, readonly section: string, private readonly log: ImportLog) {
    const kind = name.slice(name.lastIndexOf(".") + 1);
    log.need(KIND_SINCE[kind] ?? "4.4");
    this.sections.set("Unit", []);
    this.sections.set(section, []);
  }

  /** Adds a line to `[Unit]`, `[Service]` or `[Install]` (systemd's, no podman version involved). */
  systemd(section: "Unit" | "Service" | "Install", key: string, value: string, from: Origin): void {
    this.push(section, `${key}=${value}`, from);
  }

  /**
   * Adds a quadlet key when the target podman has it. Otherwise writes
   * `flag` as `PodmanArgs=` (podman's own option for it) or, with no
   * flag, reports the key and returns false.
   */
  key(key: string, value: string, from: Origin, flag?: string): boolean {
    const spec = keySpec(this.section, key);
    if (spec && this.log.has(spec.since)) {
      this.log.need(spec.since);
      this.push(this.section, `${key}=${value}`, from);
      return true;
    }
    const why = spec ? `${key}= needs podman ${spec.since}; the target is ${this.log.target}` : `no ${key}= here`;
    if (flag !== undefined && keySpec(this.section, "PodmanArgs")) {
      this.push(this.section, `PodmanArgs=${flag}`, from);
      this.log.info(from.line, from.key, `${why}: written as PodmanArgs=${flag}`);
      return true;
    }
    this.log.warn(from.line, from.key, `${why}, and podman has no option for it here: left out`);
    return false;
  }

  /** Whether the file already has a line starting with `Key=` in `section`. */
  hasKey(section: string, key: string): boolean {
    return this.value(section, key) !== undefined;
  }

  /** The last value of `Key=` in `section`. */
  value(section: string, key: string): string | undefined {
    const line = (this.sections.get(section) ?? []).findLast((l) => l.startsWith(`${key}=`));
    return line?.slice(key.length + 1);
  }

  private push(section: string, line: string, from: Origin): void {
    if (!this.sections.has(section)) this.sections.set(section, []);
    this.sections.get(section)!.push(line);
    const last = this.log.mapped.at(-1);
    const shown = `${this.name}: ${line}`;
    if (last && last.key === from.key && last.line === from.line) last.to.push(shown);
    else this.log.mapped.push({ key: from.key, line: from.line, to: [shown] });
  }

  /** The file's text: sections in the usual order, empty ones left out. */
  text(header: string): string {
    const order = ["Unit", this.section, "Service", "Install"];
    const names = [...order, ...[...this.sections.keys()].filter((s) => !order.includes(s))];
    const parts = [`# ${header}`];
    for (const s of names) {
      const lines = this.sections.get(s);
      if (!lines?.length) continue;
      parts.push(`\n[${s}]`, ...lines);
    }
    return parts.join("\n") + "\n";
  }
}
