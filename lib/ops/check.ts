/**
 * The checks every path that changes the host runs before touching it.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { ExitCode, LegerError } from "../errors.ts";
import { LEGER_YAML, type LegerYaml, parseLegerYaml } from "../leger_yaml.ts";
import { hostPortOf, quadletKind, summarizeSet, type SetSummary } from "../quadlet/model.ts";
import { parseUnit } from "../quadlet/parse.ts";
import type { CollectedFile } from "../source/collect.ts";
import { listManifests } from "../state/manifest.ts";

/** One finding. */
export interface Finding {
  severity: "error" | "warning";
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
  fix?: string;
}

/** What the checks found, and what they learnt about the set. */
export interface CheckResult {
  findings: Finding[];
  errors: number;
  warnings: number;
  legerYaml: LegerYaml | undefined;
  summary: SetSummary;
}

/** Runs the checks of a set about to be installed as `name`. */
export async function checkSet(engine: Engine, name: string, files: CollectedFile[]): Promise<CheckResult> {
  const findings: Finding[] = [];
  for (const f of files) {
    if (!quadletKind(f.name) || f.name.includes("/")) continue;
    for (const p of parseUnit(f.text, f.name).problems) {
      findings.push({ severity: "error", file: f.name, line: p.line, column: p.column, code: p.code, message: p.message });
    }
  }
  let legerYaml: LegerYaml | undefined;
  const meta = files.find((f) => f.name === LEGER_YAML);
  if (meta) {
    const parsed = parseLegerYaml(meta.text);
    if (parsed.ok) legerYaml = parsed.value;
    else {
      for (const p of parsed.problems) {
        findings.push({ severity: "error", file: LEGER_YAML, line: p.line, column: p.column, code: "leger-yaml/schema", message: `${p.key ? p.key + ": " : ""}${p.message}` });
      }
    }
  }
  const summary = summarizeSet(files);
  const others = (await listManifests(engine.paths)).filter((m) => m.name !== name);
  for (const m of others) {
    for (const unit of summary.units) {
      if (m.units.includes(unit)) {
        findings.push({
          severity: "error",
          file: unit,
          line: 0,
          column: 0,
          code: "conflict/unit-name",
          message: `unit ${unit} is already defined by the installed set "${m.name}"`,
          fix: "Rename the quadlet file, or remove the other set first.",
        });
      }
    }
    for (const port of summary.ports) {
      const mine = hostPortOf(port);
      if (!mine) continue;
      for (const theirs of m.ports) {
        const t = hostPortOf(theirs);
        if (t && t.port === mine.port && t.proto === mine.proto && (t.ip === mine.ip || !t.ip || !mine.ip)) {
          findings.push({
            severity: "error",
            file: "",
            line: 0,
            column: 0,
            code: "conflict/port",
            message: `host port ${mine.port}/${mine.proto} is already published by the installed set "${m.name}"`,
            fix: "Publish another host port, or remove the other set first.",
          });
        }
      }
    }
  }
  const declared = new Set((legerYaml?.secrets ?? []).map((s) => s["podman-secret"]));
  for (const s of summary.secrets) {
    if (!declared.has(s)) {
      findings.push({
        severity: "warning",
        file: "",
        line: 0,
        column: 0,
        code: "secret/undeclared",
        message: `Secret=${s} is not declared in .leger.yaml; it must exist in podman before the units start`,
        fix: `Declare it under secrets: in .leger.yaml, or create it with podman secret create ${s} -`,
      });
    }
  }
  return {
    findings,
    errors: findings.filter((f) => f.severity === "error").length,
    warnings: findings.filter((f) => f.severity === "warning").length,
    legerYaml,
    summary,
  };
}

/** Formats findings one per line: `file:line:col: severity code: message (fix)`. */
export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => {
    const where = f.file ? `${f.file}${f.line ? `:${f.line}:${f.column}` : ""}: ` : "";
    return `${where}${f.severity} ${f.code}: ${f.message}${f.fix ? `\n    fix: ${f.fix}` : ""}`;
  }).join("\n");
}

/** Throws when the checks found errors (or warnings without force). */
export function refuseOnErrors(result: CheckResult, what: string, force: boolean): void {
  if (result.errors > 0) {
    throw new LegerError(`Cannot ${what}: ${result.errors} error(s) found; nothing was changed\n${formatFindings(result.findings)}`, {
      exitCode: ExitCode.invalid,
      hint: "Fix the errors above (leger validate shows them all); --force does not skip errors.",
      details: { findings: result.findings },
    });
  }
  if (result.warnings > 0 && !force) {
    throw new LegerError(`Cannot ${what}: ${result.warnings} warning(s) found; nothing was changed\n${formatFindings(result.findings)}`, {
      exitCode: ExitCode.invalid,
      hint: "Fix them, or pass --force to go ahead despite warnings.",
      details: { findings: result.findings },
    });
  }
}
