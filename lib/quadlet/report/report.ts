/**
 * Report formats: text for people, JSON for scripts (schema in
 * docs/VALIDATION.md, `version: 1`), and SARIF 2.1.0 for code-scanning
 * tools.
 *
 * @module
 */
import { ruleDescription } from "./rules.ts";
import { styleMark } from "../../core/escape.ts";
import type { Diagnostic, ValidationReport } from "../diagnostic.ts";

/** Options of {@linkcode formatText}. */
export interface TextOptions {
  /** Use ANSI colours. */
  color?: boolean;
}

// Style marks, not escape sequences: the printer (lib/core/escape.ts) turns them into color.
const COLORS = { error: styleMark("31"), warning: styleMark("33"), info: styleMark("36") };
const DIM = styleMark("2");
const RESET = styleMark("0");

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Formats a report for a terminal, one problem per line with its fix
 * below it, and a summary line.
 *
 * @example
 * ```ts
 * console.log(formatText(report, { color: Deno.stdout.isTerminal() }));
 * // web.container:7:1: error key/unknown: unsupported key 'Imag' in [Container]
 * //   fix: did you mean 'Image'?
 * ```
 */
export function formatText(report: ValidationReport, options: TextOptions = {}): string {
  const lines: string[] = [];
  for (const d of report.diagnostics) {
    const sev = options.color ? `${COLORS[d.severity]}${d.severity}${RESET}` : d.severity;
    const src = d.source === "generator" ? " (podman generator)" : "";
    lines.push(`${d.file}:${d.line}:${d.column}: ${sev} ${d.code}: ${d.message}${src}`);
    if (d.fix) lines.push(options.color ? `  ${DIM}fix: ${d.fix}${RESET}` : `  fix: ${d.fix}`);
  }
  const infos = report.diagnostics.length - report.errors - report.warnings;
  lines.push(
    report.diagnostics.length === 0
      ? "no problems found"
      : `${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}${infos ? `, ${infos} info` : ""}`,
  );
  return lines.join("\n");
}

/** The `--json` document (see docs/VALIDATION.md). */
export interface JsonReport {
  /** Schema version; bumped on incompatible change. */
  version: 1;
  /** True when nothing blocks (see ValidationReport.ok). */
  ok: boolean;
  /** Error count. */
  errors: number;
  /** Warning count. */
  warnings: number;
  /** Every diagnostic, keys in a fixed order. */
  diagnostics: Diagnostic[];
}

/** The report as a stable JSON document (keys always in the same order). */
export function toJsonObject(report: ValidationReport): JsonReport {
  return {
    version: 1,
    ok: report.ok,
    errors: report.errors,
    warnings: report.warnings,
    diagnostics: report.diagnostics.map((d) => {
      const o: Record<string, unknown> = { file: d.file, line: d.line, column: d.column };
      if (d.endLine !== undefined) o.endLine = d.endLine;
      if (d.endColumn !== undefined) o.endColumn = d.endColumn;
      o.severity = d.severity;
      o.code = d.code;
      if (d.key !== undefined) o.key = d.key;
      o.message = d.message;
      if (d.fix !== undefined) o.fix = d.fix;
      o.source = d.source;
      return o as unknown as Diagnostic;
    }),
  };
}

/** The report as JSON text (`leger validate --json`). */
export function toJson(report: ValidationReport): string {
  return JSON.stringify(toJsonObject(report), null, 2);
}

/** Where the code of every validation code is explained (SARIF rules' helpUri). */
export const VALIDATION_DOCS = "https://github.com/leger-dev/leger/blob/main/docs/VALIDATION.md";

/** Options of {@linkcode toSarif}. */
export interface SarifOptions {
  /**
   * Folder of the set relative to the repository root (forward slashes),
   * prefixed to file names so that code-scanning services can attach
   * results to files; the URIs are relative to `%SRCROOT%`.
   */
  root?: string;
  /** leger version shown as the tool version. */
  version?: string;
}

/** Percent-encodes each segment of a relative path for a SARIF URI. */
function relativeUri(path: string): string {
  return path.split("/").filter((s) => s !== "" && s !== ".").map(encodeURIComponent).join("/");
}

/** The report as a SARIF 2.1.0 log (`leger validate --sarif`), one rule per code. */
export function toSarif(report: ValidationReport, options: SarifOptions = {}): string {
  const codes = [...new Set(report.diagnostics.map((d) => d.code))].sort();
  const prefix = options.root ? relativeUri(options.root) : "";
  const level = (s: Diagnostic["severity"]) => (s === "info" ? "note" : s);
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "leger",
          informationUri: "https://github.com/leger-dev/leger",
          ...(options.version ? { version: options.version, semanticVersion: options.version } : {}),
          // A rule's text comes from the table of codes, not from whichever diagnostic came first; its level is
          // per result (one code can be an error in one place and a warning in another).
          rules: codes.map((code) => ({
            id: code,
            name: code.replace(/[/-](.)/g, (_, c: string) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase()),
            shortDescription: { text: ruleDescription(code) },
            helpUri: `${VALIDATION_DOCS}#codes`,
            help: {
              text: `${code}: ${
                ruleDescription(code)
              }. See docs/VALIDATION.md (${VALIDATION_DOCS}#codes) for how to fix it.`,
            },
            properties: { tags: [code.split("/")[0]!] },
          })),
        },
      },
      originalUriBaseIds: { "%SRCROOT%": { description: { text: "The root of the repository." } } },
      results: report.diagnostics.map((d) => ({
        ruleId: d.code,
        ruleIndex: codes.indexOf(d.code),
        level: level(d.severity),
        message: { text: d.fix ? `${d.message}. Fix: ${d.fix}` : d.message },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: [prefix, relativeUri(d.file)].filter(Boolean).join("/"), uriBaseId: "%SRCROOT%" },
            region: {
              startLine: Math.max(1, d.line),
              startColumn: Math.max(1, d.column),
              ...(d.endLine !== undefined ? { endLine: Math.max(d.endLine, d.line, 1) } : {}),
              ...(d.endColumn !== undefined ? { endColumn: Math.max(d.endColumn, 1) } : {}),
            },
          },
        }],
        properties: { source: d.source, ...(d.key ? { key: d.key } : {}) },
      })),
    }],
  };
  return JSON.stringify(log, null, 2);
}
