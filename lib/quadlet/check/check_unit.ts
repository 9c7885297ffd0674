/**
 * Checks of one unit on its own: sections, keys (known, new enough, not
 * repeated in vain), values, specifiers, and the keys the generator
 * requires or refuses together.
 *
 * @module
 */
import type { DiagnosticSink } from "../diagnostic.ts";
import { INSTALL_APPLIED, KIND_SINCE, QUADLET_KEYS, suggest, SYSTEMD_KEYS, UNSUPPORTED_SERVICE_KEYS } from "../keys.ts";
import { SECTION_OF } from "../kinds.ts";
import { entriesOf, listEntries, type UnitEntry } from "../parse.ts";
import type { LoadedUnit } from "../set.ts";
import { INSTANCE_SPECIFIERS, isKnownSpecifier, specifiersIn } from "./specifiers.ts";
import { checkValue } from "./check_values.ts";
import { hasInlineComment } from "../parse.ts";
import { checkRequired } from "./check_required.ts";
import { splitWords } from "../split.ts";
import { gate, type PodmanTarget } from "../target.ts";

/** Context of the per-unit checks. */
export interface UnitCheckOptions {
  /** Variables the unit's [Service] sets (worked out by checkUnit). */
  serviceEnv?: ReadonlySet<string>;
  /** Target podman versions. */
  target: PodmanTarget;
  /** Rootless scope. */
  rootless: boolean;
  /** `net.ipv4.ip_unprivileged_port_start`, if known. */
  unprivilegedStart?: number;
}

/** " (why)" when the target was declared or is unknown; nothing for one known version. */
function aside(target: PodmanTarget, about: string): string {
  return target.from === "host" || target.from === "flag" ? "" : ` (${about})`;
}

const ALL_MAIN = new Set(Object.values(SECTION_OF));
const KNOWN_SECTIONS = [...ALL_MAIN, "Unit", "Service", "Install", "Quadlet"];

/** Runs every per-unit check and adds what it finds to `sink`. */
export function checkUnit(unit: LoadedUnit, opts: UnitCheckOptions, sink: DiagnosticSink): void {
  const kindSince = KIND_SINCE[unit.kind]!;
  const kindGate = gate(opts.target, { since: kindSince });
  if (kindGate) {
    sink.add({
      file: unit.file,
      line: 1,
      column: 1,
      severity: kindGate.severity,
      code: "unit/too-new",
      message: `.${unit.kind} files need podman ${kindSince}; podman ${kindGate.lacking} ignores ${unit.file}${
        aside(opts.target, kindGate.about)
      }`,
      fix: kindGate.declare || `upgrade podman to ${kindSince} or later`,
    });
  }
  checkSections(unit, opts, sink);
  const env = serviceEnv(unit);
  checkMainKeys(unit, env ? { ...opts, serviceEnv: env } : opts, sink);
  checkSystemdKeys(unit, sink);
  checkSpecifiers(unit, sink);
  checkRequired(unit, opts.target, sink);
}

/** Variables systemd always sets for a service, or the user manager has (systemd.exec(5), "Environment"). */
const MANAGER_ENV = ("PATH HOME USER LOGNAME SHELL LANG XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_DATA_HOME INVOCATION_ID " +
  "MAINPID MANAGERPID JOURNAL_STREAM NOTIFY_SOCKET SYSTEMD_EXEC_PID RUNTIME_DIRECTORY STATE_DIRECTORY " +
  "CACHE_DIRECTORY LOGS_DIRECTORY CONFIGURATION_DIRECTORY CREDENTIALS_DIRECTORY SERVICE_RESULT EXIT_CODE " +
  "EXIT_STATUS DBUS_SESSION_BUS_ADDRESS").split(" ");

/** Variables the unit's [Service] gives its command line; undefined when an EnvironmentFile= may set any. */
function serviceEnv(unit: LoadedUnit): Set<string> | undefined {
  if (listEntries(unit.merged, "Service", "EnvironmentFile").some((e) => e.value !== "")) return undefined;
  const out = new Set(MANAGER_ENV);
  for (const e of listEntries(unit.merged, "Service", "Environment")) {
    for (const w of splitWords(e.value, "args").words) out.add(w.split("=")[0]!);
  }
  for (const e of listEntries(unit.merged, "Service", "PassEnvironment")) {
    for (const w of e.value.split(/\s+/)) if (w) out.add(w);
  }
  return out;
}

function checkSections(unit: LoadedUnit, opts: UnitCheckOptions, sink: DiagnosticSink): void {
  const reported = new Set<string>();
  for (const s of unit.merged.sections) {
    const key = `${s.file}:${s.name}`;
    if (reported.has(key)) continue;
    if (s.name.startsWith("X-") || s.name === unit.section || ["Unit", "Service", "Install"].includes(s.name)) continue;
    const at = { file: s.file, line: s.line, column: 1 };
    if (s.name === "Quadlet") {
      const g = gate(opts.target, { since: "5.3" });
      if (g) {
        reported.add(key);
        sink.add({
          ...at,
          severity: g.severity,
          code: "section/too-new",
          message: `[Quadlet] needs podman 5.3; podman ${g.lacking} passes it to systemd, which ignores it${
            aside(opts.target, g.about)
          }`,
          fix: g.declare || "remove the [Quadlet] section or upgrade podman",
        });
      }
      continue;
    }
    reported.add(key);
    if (ALL_MAIN.has(s.name)) {
      sink.add({
        ...at,
        severity: "warning",
        code: "section/wrong-kind",
        message: `[${s.name}] does nothing in a .${unit.kind} file; the generator only reads [${unit.section}]`,
        fix: `move these keys to a .${s.name.toLowerCase()} file, or rename the section [${unit.section}]`,
      });
      continue;
    }
    const near = suggest(s.name, KNOWN_SECTIONS);
    sink.add({
      ...at,
      severity: "warning",
      code: "section/unknown",
      message: `unknown section [${s.name}]; systemd ignores it`,
      fix: near ? `did you mean [${near}]?` : "prefix private sections with X-",
    });
  }
}

function checkMainKeys(unit: LoadedUnit, opts: UnitCheckOptions, sink: DiagnosticSink): void {
  for (const section of [unit.section, "Quadlet"]) {
    const table = QUADLET_KEYS.get(section)!;
    const seenSingle = new Map<string, UnitEntry>();
    for (const s of unit.merged.sections) {
      if (s.name !== section) continue;
      for (const e of s.entries) {
        const spec = table.get(e.key);
        if (!spec) {
          const near = suggest(e.key, table.keys());
          const elsewhere = [...QUADLET_KEYS].filter(([n, t]) => n !== section && t.has(e.key)).map(([n]) => `[${n}]`);
          sink.at(
            e,
            "error",
            "key/unknown",
            `unsupported key '${e.key}' in [${section}]`,
            near
              ? `did you mean '${near}'?`
              : elsewhere.length
              ? `${e.key}= belongs in ${elsewhere.join(", ")}, not [${section}]`
              : `remove it, or pass raw podman flags with PodmanArgs=`,
          );
          continue;
        }
        const g = gate(opts.target, { since: spec.since });
        if (g) {
          sink.at(
            e,
            g.severity,
            "key/too-new",
            `${e.key}= in [${section}] needs podman ${spec.since}; ${g.about}`,
            g.declare || `upgrade podman to ${spec.since}, or use PodmanArgs= with the matching podman flag`,
          );
        }
        if (spec.deprecated) {
          sink.at(e, "warning", "key/deprecated", `${e.key}= is deprecated`, `use ${spec.deprecated} instead`);
        }
        if (!spec.list) {
          const prev = seenSingle.get(e.key);
          if (prev && prev.file === e.file && prev.value !== "" && e.value !== "") {
            sink.at(
              prev,
              "warning",
              "key/repeated",
              `${e.key}= is set again on line ${e.line}; only the last value counts`,
              `remove one of the ${e.key}= lines`,
            );
          }
          seenSingle.set(e.key, e);
        }
      }
    }
    for (const [key, spec] of table) {
      const counted = spec.list ? listEntries(unit.merged, section, key) : lastNonEmpty(unit, section, key);
      for (const e of counted) {
        if (hasInlineComment(e.value)) {
          sink.at(
            e,
            "warning",
            "syntax/inline-comment",
            `the value of ${e.key}= contains a comment: systemd and podman have no end-of-line comments, so "${e.value}" is the whole value`,
            "put the comment on its own line starting with #",
            true,
          );
          continue;
        }
        checkValue(e, spec, section, opts, sink);
      }
    }
  }
}

function lastNonEmpty(unit: LoadedUnit, section: string, key: string): UnitEntry[] {
  const all = entriesOf(unit.merged, section, key);
  const last = all[all.length - 1];
  return last && last.value !== "" ? [last] : [];
}

function checkSystemdKeys(unit: LoadedUnit, sink: DiagnosticSink): void {
  for (const s of unit.merged.sections) {
    const known = SYSTEMD_KEYS.get(s.name);
    if (!known) continue;
    for (const e of s.entries) {
      if (e.key.startsWith("X-")) continue;
      if (!known.has(e.key)) {
        const near = suggest(e.key, known);
        const home = [...SYSTEMD_KEYS].find(([n, keys]) => n !== s.name && keys.has(e.key))?.[0];
        sink.at(
          e,
          "warning",
          "key/unknown-systemd",
          `unknown key '${e.key}' in [${s.name}]; systemd ignores it`,
          home
            ? `${e.key}= belongs in [${home}]`
            : near
            ? `did you mean '${near}'?`
            : `see systemd.${s.name === "Service" ? "service" : "unit"}(5)`,
        );
        continue;
      }
      if (s.name === "Service" && UNSUPPORTED_SERVICE_KEYS.includes(e.key)) {
        sink.at(
          e,
          "warning",
          "service/unsupported-key",
          `${e.key}= in [Service] is not supported by quadlet units`,
          "install the set as that user (rootless) instead, or use User= in the quadlet section",
        );
      }
      if (s.name === "Install" && !INSTALL_APPLIED.includes(e.key)) {
        sink.at(e, "warning", "install/ignored", `the generator does not apply ${e.key}= in [Install]`, "remove it");
      }
      if (hasInlineComment(e.value)) {
        sink.at(
          e,
          "warning",
          "syntax/inline-comment",
          `the value of ${e.key}= contains a comment: systemd has no end-of-line comments, so "${e.value}" is the whole value`,
          "put the comment on its own line starting with #",
          true,
        );
        continue;
      }
      if (e.value !== "") checkValue(e, undefined, s.name, { rootless: false }, sink);
    }
  }
}

function checkSpecifiers(unit: LoadedUnit, sink: DiagnosticSink): void {
  const instanced = unit.file.includes("@");
  for (const s of unit.merged.sections) {
    if (s.name.startsWith("X-") || s.name === "Quadlet") continue;
    const main = s.name === unit.section;
    for (const e of s.entries) {
      if (main && e.key === "ServiceName") continue;
      for (const use of specifiersIn(e.value)) {
        if (!isKnownSpecifier(use.letter)) {
          sink.at(
            e,
            main ? "error" : "warning",
            "spec/unknown",
            `"%${use.letter}" in ${e.key}= is not a systemd specifier${
              main ? "; systemd refuses the generated command line" : ""
            }`,
            "write %% for a literal percent sign",
            true,
          );
        } else if (INSTANCE_SPECIFIERS.includes(use.letter) && !instanced) {
          sink.at(
            e,
            "warning",
            "spec/instance-outside-template",
            `%${use.letter} in ${e.key}= is empty: ${unit.file} is not a template`,
            "rename the file name@.kind to make it a template, or remove the specifier",
            true,
          );
        }
      }
    }
  }
}
