/**
 * `leger validate REPO`: a folder whose subfolders are sets (the layout of
 * most public quadlet repositories) is validated set by set in one run.
 * Each set (read by lib/source/validate_path.ts) is validated on its own, with
 * references to units of the repository's other sets resolved (reported
 * as `ref/other-set`), but no conflicts between them: the sets of a
 * repository are a catalogue, not one host.
 *
 * @module
 */
import type { ValidateOptions, ValidationReport } from "./diagnostic.ts";
import type { SetFile } from "./kinds.ts";
import { type LoadedUnit, loadSet } from "./set.ts";
import { formatText, toJsonObject } from "./report/report.ts";
import { makeReport, validateSet } from "./validate.ts";
import { printable } from "../core/escape.ts";
import { parseLegerYaml } from "../meta/leger_yaml.ts";

/** One set of a repository and its report. */
export interface RepositorySet {
  /** Folder relative to the repository (`quadlets/web`), also the name shown. */
  path: string;
  /** The set's name (`.leger.yaml` `name:`, else the folder's name). */
  name: string;
  /** Its report. */
  report: ValidationReport;
}

/** The result of validating a repository. */
export interface RepositoryReport {
  /** Sets in path order. */
  sets: RepositorySet[];
  /** Errors over all sets. */
  errors: number;
  /** Warnings over all sets. */
  warnings: number;
  /** True when every set is ok. */
  ok: boolean;
}

function setNameOf(files: readonly SetFile[], path: string): string {
  const meta = files.find((f) => f.name === ".leger.yaml");
  const parsed = meta ? parseLegerYaml(meta.text) : undefined;
  return (parsed?.ok ? parsed.value.name : undefined) ?? path.slice(path.lastIndexOf("/") + 1);
}

/** One set of a repository as read from its folder (lib/source/validate_path.ts reads them). */
export interface RepositoryFolder {
  /** Folder relative to the repository. */
  path: string;
  files: SetFile[];
  /** Entries the set loader refused. */
  refused: NonNullable<ValidateOptions["refused"]>;
}

/** Validates every set of a repository; `options.setName` is ignored. */
export async function validateRepository(
  folders: readonly RepositoryFolder[],
  options: ValidateOptions,
): Promise<RepositoryReport> {
  const loaded = folders.map((f) => ({ ...f, name: setNameOf(f.files, f.path) }));
  // Units of every set, keyed by file name, for references across sets (first set wins on a clash).
  const repository = new Map<string, { set: string; unit: LoadedUnit }>();
  for (const s of loaded) {
    for (const [file, unit] of loadSet(s.files).units) {
      if (!repository.has(file)) repository.set(file, { set: s.name, unit });
    }
  }
  const sets: RepositorySet[] = [];
  for (const s of loaded) {
    const report = await validateSet(s.files, { ...options, setName: s.name, repository, refused: s.refused });
    sets.push({ path: s.path, name: s.name, report });
  }
  const errors = sets.reduce((n, s) => n + s.report.errors, 0);
  const warnings = sets.reduce((n, s) => n + s.report.warnings, 0);
  return { sets, errors, warnings, ok: sets.every((s) => s.report.ok) };
}

/** The repository report as one flat report, file names prefixed with each set's folder. */
export function flatten(report: RepositoryReport, strict = false): ValidationReport {
  return makeReport(
    report.sets.flatMap((s) => s.report.diagnostics.map((d) => ({ ...d, file: `${s.path}/${d.file}` }))),
    strict,
  );
}

/** The repository report for a terminal: one line per set, the problems of the sets that have any, a total. */
export function formatRepositoryText(report: RepositoryReport, options: { color?: boolean } = {}): string {
  const lines: string[] = [];
  for (const s of report.sets) {
    if (s.report.diagnostics.length === 0) {
      lines.push(`${printable(s.path)}: ok`);
      continue;
    }
    const text = formatText(s.report, options).split("\n");
    lines.push(`${printable(s.path)}: ${s.report.ok ? "ok" : "INVALID"}, ${text[text.length - 1]}`);
    for (const l of text.slice(0, -1)) lines.push(`  ${l}`);
  }
  const bad = report.sets.filter((s) => !s.report.ok).length;
  lines.push(
    `${report.sets.length} sets: ${
      report.sets.length - bad
    } ok, ${bad} invalid; ${report.errors} errors, ${report.warnings} warnings`,
  );
  return lines.join("\n");
}

/** The repository report as JSON (`leger validate REPO --json`; schema in docs/VALIDATION.md). */
export function toRepositoryJson(report: RepositoryReport): string {
  return JSON.stringify(
    {
      version: 1,
      ok: report.ok,
      errors: report.errors,
      warnings: report.warnings,
      sets: report.sets.map((s) => {
        const { version: _v, ...rest } = toJsonObject(s.report);
        return { path: s.path, name: s.name, ...rest };
      }),
    },
    null,
    2,
  );
}
