/**
 * Value checks of one entry, picked by the key's value type (see keys.ts),
 * and the systemd values of `[Service]` and `[Unit]` that are easy to get
 * wrong (time spans, `Restart=`).
 *
 * @module
 */
import type { DiagnosticSink } from "../diagnostic.ts";
import { type KeySpec, NOTIFY_HEALTHY_SINCE } from "../keys.ts";
import type { UnitEntry } from "../parse.ts";
import { splitWords, unquoteSingle } from "../split.ts";
import { checkExpansions, expandsAtStart } from "./expansion.ts";
import { gate, PODMAN_MINORS, type PodmanTarget } from "../target.ts";
import {
  checkAutoUpdate,
  checkBool,
  checkGoDuration,
  checkInt,
  checkSize,
  checkTimespan,
  checkUlimit,
  checkUserNS,
  checkVolumeOwner,
} from "../value/values.ts";
import type { ValueIssue } from "../value/value_issue.ts";
import { checkBuildSecret, checkMount, checkSecret, checkVolume } from "../value/storage.ts";
import { checkExposePort, checkPublishPort } from "../value/ports.ts";

/** Options the value checks need. */
export interface ValueCheckOptions {
  /** Rootless scope (privileged ports). */
  rootless: boolean;
  /** `net.ipv4.ip_unprivileged_port_start`, if known. */
  unprivilegedStart?: number;
  /** Target podman versions (checks whose verdict changed between releases); default: every supported one. */
  target?: PodmanTarget;
  /**
   * Variables the unit's `[Service]` sets for its command line; undefined
   * when it reads an `EnvironmentFile=` (any variable may be set).
   */
  serviceEnv?: ReadonlySet<string>;
}

/** Value types whose value the generator copies into `ExecStart=`, where systemd expands it at start. */
const COMMAND_LINE = new Set([
  "port",
  "volume",
  "mount",
  "secret",
  "userns",
  "ulimit",
  "size",
  "duration",
  "int",
  "enum",
  "autoupdate",
]);
/** Keys of those types the generator reads itself (no expansion reaches them). */
const GENERATOR_READS = new Set(["Notify", "RemapUidSize", "RemapUsers"]);

const SERVICE_TIMESPANS = new Set([
  "TimeoutSec",
  "TimeoutStartSec",
  "TimeoutStopSec",
  "TimeoutAbortSec",
  "RestartSec",
  "RestartMaxDelaySec",
  "RuntimeMaxSec",
  "RuntimeRandomizedExtraSec",
  "WatchdogSec",
]);
const UNIT_TIMESPANS = new Set(["StartLimitIntervalSec", "JobTimeoutSec", "JobRunningTimeoutSec"]);
const RESTART = ["no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"];

function emit(sink: DiagnosticSink, e: UnitEntry, issues: ValueIssue[]): void {
  for (const i of issues) sink.at(e, i.severity, i.code, `${e.key}=: ${i.message}`, i.fix, true);
}

function words(sink: DiagnosticSink, e: UnitEntry, mode: "strv" | "args"): string[] {
  const r = splitWords(e.value, mode);
  if (r.error) {
    sink.at(
      e,
      "warning",
      "value/quoting",
      `${e.key}=: ${r.error}; podman cannot split this value and drops it`,
      "balance the quotes, and escape a literal backslash as \\\\",
      true,
    );
    return [];
  }
  return r.words;
}

/** Checks one entry's value; `spec` undefined means a systemd section. */
export function checkValue(
  e: UnitEntry,
  spec: KeySpec | undefined,
  section: string,
  opts: ValueCheckOptions,
  sink: DiagnosticSink,
): void {
  if (!spec) {
    if ((section === "Service" && SERVICE_TIMESPANS.has(e.key)) || (section === "Unit" && UNIT_TIMESPANS.has(e.key))) {
      emit(sink, e, checkTimespan(e.value));
    }
    if (section === "Service" && e.key === "Restart" && !RESTART.includes(e.value)) {
      sink.at(
        e,
        "warning",
        "value/restart",
        `Restart=${e.value} is not a restart policy; systemd ignores it`,
        `use one of ${RESTART.join(", ")}`,
        true,
      );
    }
    return;
  }
  const single = unquoteSingle(e.value);
  if (COMMAND_LINE.has(spec.type) && !GENERATOR_READS.has(e.key) && spec.type !== "mount" && expandsAtStart(e.value)) {
    // Checked by systemd and podman once expanded; only the expansion itself can be judged here.
    emit(sink, e, checkExpansions(e.value, opts.serviceEnv));
    return;
  }
  if (COMMAND_LINE.has(spec.type) && /\$[A-Za-z_]/.test(e.value)) {
    // `$NAME` glued to other text reaches podman as is: say why next to the check that fails on it.
    emit(sink, e, checkExpansions(e.value, undefined));
  }
  if (["port", "volume", "expose"].includes(spec.type) && /^["']/.test(e.value)) {
    sink.at(
      e,
      "error",
      "value/quoted",
      `${e.key}=: podman keeps the quotes of ${e.value} as part of the value`,
      "remove the quotes",
      true,
    );
    return;
  }
  switch (spec.type) {
    case "port":
      emit(sink, e, checkPublishPort(e.value, opts).issues);
      break;
    case "expose":
      emit(sink, e, checkExposePort(e.value));
      break;
    case "volume":
      emit(sink, e, checkVolume(e.value));
      break;
    case "mount":
      for (const w of words(sink, e, "args")) {
        emit(sink, e, [
          ...checkMount(w, opts.target),
          ...(expandsAtStart(w) ? checkExpansions(w, opts.serviceEnv) : []),
        ]);
      }
      break;
    case "secret":
      for (const w of words(sink, e, "args")) emit(sink, e, section === "Build" ? checkBuildSecret(w) : checkSecret(w));
      break;
    case "owner":
      emit(sink, e, checkVolumeOwner(single, e.key));
      break;
    case "autoupdate":
      if (section === "Kube") { for (const w of words(sink, e, "strv")) emit(sink, e, checkAutoUpdate(w, true)); }
      else emit(sink, e, checkAutoUpdate(single, false));
      break;
    case "userns":
      emit(sink, e, checkUserNS(single));
      break;
    case "ulimit":
      emit(sink, e, checkUlimit(e.value));
      break;
    case "bool":
      emit(sink, e, checkBool(single));
      break;
    case "int":
      emit(sink, e, checkInt(single));
      break;
    case "size":
      emit(sink, e, checkSize(single));
      break;
    case "duration":
      emit(sink, e, checkGoDuration(single, e.key === "HealthInterval"));
      break;
    case "enum": {
      const values = spec.values ?? [];
      const ok = e.key === "Notify"
        ? values.includes(single.toLowerCase()) || checkBool(single).length === 0
        : values.includes(single.toLowerCase());
      const g = e.key === "Notify" && single.toLowerCase() === "healthy"
        ? gate(opts.target ?? { versions: [...PODMAN_MINORS], from: "unknown" }, { since: NOTIFY_HEALTHY_SINCE })
        : undefined;
      if (g) {
        sink.at(
          e,
          g.severity,
          "value/too-new",
          `Notify=healthy needs podman ${NOTIFY_HEALTHY_SINCE}: podman ${g.lacking} reads it as false, so the unit is ` +
            `started as soon as its container runs, healthy or not, and what waits for it does not wait; ${g.about}`,
          g.declare || `upgrade podman to ${NOTIFY_HEALTHY_SINCE}, or leave Notify= out`,
          true,
        );
      }
      if (!ok) {
        sink.at(
          e,
          e.key === "Notify" ? "warning" : "error",
          "value/enum",
          `${e.key}=${single} is not one of ${e.key === "Notify" ? "true, false, healthy" : values.join(", ")}`,
          e.key === "Notify" ? "podman reads it as false" : `use one of ${values.join(", ")}`,
          true,
        );
      }
      break;
    }
    case "keyval":
    case "args":
      words(sink, e, "args");
      break;
    case "file":
      words(sink, e, e.key === "EnvironmentFile" ? "args" : "strv");
      break;
    case "strv":
      words(sink, e, "strv");
      break;
    default:
      if (e.key === "Exec" || e.key === "ReloadCmd") words(sink, e, "args");
  }
}
