/**
 * The quadlet validator: everything leger checks before it changes the
 * host. `validateSet` takes a set's files; it reads no disk (a folder, a
 * unit file or a bundle on disk is read by lib/source/validate_path.ts).
 *
 * @example
 * ```ts
 * const report = await validateSet([{ name: "web.container", text }], { rootless: true });
 * if (!report.ok) console.log(formatText(report));
 * ```
 *
 * @module
 */
import { expandBundles } from "./bundle.ts";
import { checkRefs, type ForeignUnits } from "./check/check_refs.ts";
import { checkSecrets } from "./check/check_secrets.ts";
import { checkRisks } from "./risk/check_risk.ts";
import { checkTemplates } from "./check/check_templates.ts";
import { checkUnit } from "./check/check_unit.ts";
import { checkConflicts } from "./conflicts.ts";
import { type Diagnostic, DiagnosticSink, type ValidateOptions, type ValidationReport } from "./diagnostic.ts";
import { isDropinDir } from "./dropins.ts";
import { foldGenerator } from "./generator.ts";
import { parseLegerYaml } from "../meta/leger_yaml.ts";
import { quadletKind, type SetFile } from "./kinds.ts";
import type { ParseProblem } from "./parse.ts";
import { loadSet } from "./set.ts";
import { parseTargets, type PodmanTarget, resolveTarget } from "./target.ts";

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };
// Code-point order, the same on every machine and locale.
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sorts, de-duplicates and counts diagnostics. */
export function makeReport(diagnostics: Diagnostic[], strict = false): ValidationReport {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const id = `${d.file}\0${d.line}\0${d.column}\0${d.code}\0${d.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  unique.sort((a, b) =>
    cmp(a.file, b.file) || a.line - b.line || a.column - b.column ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || cmp(a.code, b.code)
  );
  const errors = unique.filter((d) => d.severity === "error").length;
  const warnings = unique.filter((d) => d.severity === "warning").length;
  return { diagnostics: unique, errors, warnings, ok: errors === 0 && (!strict || warnings === 0) };
}

/** Reports the parser's own problems of one file. */
function addParseProblems(sink: DiagnosticSink, file: string, problems: readonly ParseProblem[]): void {
  for (const p of problems) {
    sink.add({
      file,
      line: p.line,
      column: p.column,
      severity: p.fatal ? "error" : "warning",
      code: p.code,
      message: p.message,
      ...(p.fix ? { fix: p.fix } : {}),
    });
  }
}

/** The podman versions a run checks against: the host's or the flag's, else the set's or the config's declaration. */
export function targetOf(files: readonly SetFile[], options: ValidateOptions): PodmanTarget {
  const meta = files.find((f) => f.name === ".leger.yaml");
  const parsed = meta ? parseLegerYaml(meta.text) : undefined;
  const fromSet = parsed?.ok && parsed.value.podman ? parseTargets(parsed.value.podman) : undefined;
  const fromConfig = options.configTargets ? parseTargets(options.configTargets) : undefined;
  return resolveTarget({
    podmanVersion: options.podmanVersion,
    fromFlag: options.podmanVersionFromFlag,
    declared: fromSet
      ? { versions: fromSet, from: "set" }
      : fromConfig
      ? { versions: fromConfig, from: "config" }
      : undefined,
  });
}

/** Validates a set given as files (names relative to the set folder). */
export async function validateSet(files: SetFile[], options: ValidateOptions): Promise<ValidationReport> {
  const sink = new DiagnosticSink();
  for (const d of refusalDiagnostics(options.refused ?? [])) sink.add(d);
  const expanded = expandBundles(files);
  for (const p of expanded.problems) {
    sink.add({
      file: p.file,
      line: p.line,
      column: 1,
      severity: "error",
      code: p.code,
      message: p.message,
      fix: p.fix,
    });
  }
  const set = loadSet(expanded.files);
  const target = targetOf(files, options);
  const unprivilegedStart = await options.host?.unprivilegedPortStart?.();

  for (const unit of set.units.values()) {
    addParseProblems(sink, unit.file, unit.own.problems);
  }
  for (const [name, parsed] of set.dropins) {
    addParseProblems(sink, name, parsed.problems);
  }
  checkLayout(set.files, set.orphanDirs, set.ignoredDropins, set.shadowed, sink);
  for (const unit of set.units.values()) {
    checkUnit(unit, {
      target,
      rootless: options.rootless,
      ...(unprivilegedStart !== undefined ? { unprivilegedStart } : {}),
    }, sink);
  }
  checkTemplates(set, sink);
  const foreign: ForeignUnits = new Map();
  for (const [file, f] of options.repository ?? []) {
    if (f.set !== options.setName) foreign.set(file, { ...f, repository: true });
  }
  for (const other of options.others ?? []) {
    if (other.name === options.setName) continue;
    for (const [file, unit] of loadSet(other.files).units) foreign.set(file, { set: other.name, unit });
  }
  await checkRefs(set, foreign, options.host, sink);
  await checkSecrets(set, options.host, sink);
  checkRisks(set, sink);
  await checkConflicts(options.setName, set, options.others ?? [], options.host, sink);
  if (options.host?.generator) {
    const leger = makeReport([...sink.items]).diagnostics;
    for (const d of await foldGenerator(expanded.files, set, leger, options.host, options.rootless)) sink.add(d);
  }
  const mapped = sink.items.map((d) => {
    const origin = expanded.origins.get(d.file);
    if (!origin) return d;
    const out: Diagnostic = {
      ...d,
      file: origin.bundle,
      line: d.line + origin.lineOffset,
      message: `${d.file}: ${d.message}`,
    };
    if (d.endLine !== undefined) out.endLine = d.endLine + origin.lineOffset;
    return out;
  });
  return makeReport(mapped, options.strict ?? false);
}

function checkLayout(
  files: Map<string, string>,
  orphanDirs: string[],
  ignored: string[],
  shadowed: Array<{ unit: string; file: string; by: string }>,
  sink: DiagnosticSink,
): void {
  const firstIn = (dir: string) => [...files.keys()].find((n) => n.startsWith(dir + "/")) ?? dir;
  for (const dir of orphanDirs) {
    sink.add({
      file: firstIn(dir),
      line: 1,
      column: 1,
      severity: "warning",
      code: "dropin/orphan",
      message: `drop-in folder ${dir}/ matches no unit of the set`,
      fix: `rename it after a unit (${dir.replace(/\.d$/, "")} does not exist), or remove it`,
    });
  }
  const typeLevel = new Set<string>();
  for (const name of files.keys()) {
    const dir = name.includes("/") ? name.slice(0, name.indexOf("/")) : "";
    if (
      dir && isDropinDir(dir) && !dir.slice(0, -2).includes(".") && !orphanDirs.includes(dir) && !typeLevel.has(dir)
    ) {
      typeLevel.add(dir);
      sink.add({
        file: name,
        line: 1,
        column: 1,
        severity: "warning",
        code: "dropin/global",
        message: `${dir}/ applies to every .${dir.slice(0, -2)} in the quadlet folder, including other sets' units`,
        fix: `move the file to NAME.${dir.slice(0, -2)}.d/ to limit it to one unit`,
      });
    }
    if (dir && !isDropinDir(dir) && quadletKind(name.slice(name.lastIndexOf("/") + 1))) {
      sink.add({
        file: name,
        line: 1,
        column: 1,
        severity: "warning",
        code: "set/nested-unit",
        message: `${name} is in a subfolder: podman quadlet install only installs the top level of a folder`,
        fix: "move it to the top of the set",
      });
    }
  }
  for (const name of ignored) {
    sink.add({
      file: name,
      line: 1,
      column: 1,
      severity: "warning",
      code: "dropin/ignored-file",
      message: `${name} does not end in .conf; podman ignores it`,
      fix: "rename it to end in .conf",
    });
  }
  for (const s of shadowed) {
    sink.add({
      file: s.file,
      line: 1,
      column: 1,
      severity: "info",
      code: "dropin/shadowed",
      message: `for ${s.unit}, ${s.by} replaces ${s.file} (same name, more specific folder)`,
      fix: "rename one of them if both should apply",
    });
  }
}

/** Diagnostics for entries the set loader refused. */
export function refusalDiagnostics(refused: NonNullable<ValidateOptions["refused"]>): Diagnostic[] {
  return refused.map((r) => ({
    file: r.file,
    line: 1,
    column: 1,
    severity: "error" as const,
    code: r.code,
    message: r.message,
    fix: r.fix,
    source: "leger" as const,
  }));
}
