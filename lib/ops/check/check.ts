/**
 * The checks every path that changes the host runs before touching it:
 * the full validator, against the other installed sets and this host.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { ExitCode, LegerError } from "../../core/errors.ts";
import { hostProbe } from "./host_probe.ts";
import { type LegerYaml, parseLegerYaml } from "../../meta/leger_yaml.ts";
import { LEGER_YAML } from "../../meta/set_meta.ts";
import { hostPortOf, type SetSummary, summarizeSet } from "../../quadlet/model.ts";
import type { SetFile } from "../../quadlet/kinds.ts";
import { formatText } from "../../quadlet/report/report.ts";
import { makeReport, validateSet } from "../../quadlet/validate.ts";
import type { Diagnostic, OtherSet } from "../../quadlet/diagnostic.ts";
import { secretScopeFindings } from "../../secrets/scope.ts";
import { listManifests, readManifest } from "../../state/manifest.ts";
import { loadSetFiles } from "../../state/store.ts";

/** One finding (a validator diagnostic). */
export type Finding = Diagnostic;

/** What the checks found, and what they learnt about the set. */
export interface CheckResult {
  findings: Finding[];
  errors: number;
  warnings: number;
  legerYaml: LegerYaml | undefined;
  summary: SetSummary;
}

/** `.leger.yaml` of a set, when present and valid (the validator reports it otherwise). */
export function legerYamlOf(files: readonly SetFile[]): LegerYaml | undefined {
  const meta = files.find((f) => f.name === LEGER_YAML);
  const parsed = meta ? parseLegerYaml(meta.text) : undefined;
  return parsed?.ok ? parsed.value : undefined;
}

/** The other installed sets of the engine's scope, with their files. */
export async function otherSets(engine: Engine, except: string): Promise<OtherSet[]> {
  const out: OtherSet[] = [];
  for (const m of await listManifests(engine.paths)) {
    if (m.name !== except) out.push({ name: m.name, files: await loadSetFiles(engine.paths, m.name) });
  }
  return out;
}

/** podman's "major.minor", or undefined when podman cannot be asked. */
export async function podmanMinor(engine: Engine): Promise<string | undefined> {
  try {
    const v = (await engine.podman()).version;
    return `${v.major}.${v.minor}`;
  } catch {
    return undefined;
  }
}

/** Host ports the installed set `name` publishes itself: not "in use" for a new version of it. */
export async function ownPorts(engine: Engine, name: string): Promise<Set<number>> {
  const own = name ? await readManifest(engine.paths, name).catch(() => undefined) : undefined;
  return new Set((own?.ports ?? []).map((p) => Number(hostPortOf(p)?.port)).filter(Number.isFinite));
}

/** Validates a set about to be installed (or replaced) as `name`. */
export async function checkSet(engine: Engine, name: string, files: SetFile[]): Promise<CheckResult> {
  const podmanVersion = await podmanMinor(engine);
  const validated = await validateSet(files, {
    ...(name ? { setName: name } : {}),
    ...(podmanVersion ? { podmanVersion } : {}),
    rootless: engine.scope === "user",
    others: await otherSets(engine, name),
    host: hostProbe(engine, await ownPorts(engine, name)),
  });
  const report = name ? makeReport([...validated.diagnostics, ...await scopeFindings(engine, name, files)]) : validated;
  return {
    findings: report.diagnostics,
    errors: report.errors,
    warnings: report.warnings,
    legerYaml: legerYamlOf(files),
    summary: summarizeSet(files),
  };
}

/**
 * Says what a set asks of the host (its `risk/` findings), one warning each:
 * a person installing or staging it reads them; they never refuse.
 */
export function logRisks(engine: Engine, name: string, findings: readonly Finding[]): void {
  const risks = findings.filter((f) => f.code.startsWith("risk/"));
  if (risks.length === 0) return;
  engine.log.warn(`${name} asks for host access (${risks.length} risk finding${risks.length === 1 ? "" : "s"}):`);
  for (const r of risks) engine.log.warn(`  ${r.file}:${r.line}: ${r.message} (${r.code})`);
}

/** The secret-scope rules (lib/secrets/scope.ts) for a set about to be installed as `name`. */
async function scopeFindings(engine: Engine, name: string, files: SetFile[]): Promise<Finding[]> {
  const declared = (legerYamlOf(files)?.secrets ?? []).map((s) => ({ name: s.name, podmanSecret: s["podman-secret"] }));
  const used: Array<{ podmanSecret: string; file: string }> = [];
  for (const f of files.filter((f) => !f.name.includes("/"))) {
    for (const podmanSecret of summarizeSet([f]).secrets) {
      if (!used.some((u) => u.podmanSecret === podmanSecret)) used.push({ podmanSecret, file: f.name });
    }
  }
  const others = (await listManifests(engine.paths)).filter((m) => m.name !== name).map((m) => ({
    set: m.name,
    secrets: m.secrets.map((s) => ({ name: s.name, podmanSecret: s.podmanSecret })),
  }));
  const { daemon } = engine.config;
  return secretScopeFindings({
    set: name,
    declared,
    used,
    others,
    prefix: daemon["secret-prefix"],
    shared: daemon["shared-secrets"],
  });
}

/** Formats findings as the validator's text report. */
export function formatFindings(findings: Finding[]): string {
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.filter((f) => f.severity === "warning").length;
  return formatText({ diagnostics: findings, errors, warnings, ok: errors === 0 });
}

/** Throws when the checks found errors (or warnings, unless they are accepted). */
export function refuseOnErrors(result: CheckResult, what: string, acceptWarnings: boolean): void {
  const shown = result.findings.filter((f) => f.severity !== "info");
  if (result.errors > 0) {
    throw new LegerError(
      `Cannot ${what}: ${result.errors} error(s) found; nothing was changed\n${formatFindings(shown)}`,
      {
        exitCode: ExitCode.invalid,
        hint: "Fix the errors above (leger validate shows them all); --accept-warnings does not skip errors.",
        details: { findings: result.findings },
      },
    );
  }
  if (result.warnings > 0 && !acceptWarnings) {
    throw new LegerError(
      `Cannot ${what}: ${result.warnings} warning(s) found; nothing was changed\n${formatFindings(shown)}`,
      {
        exitCode: ExitCode.invalid,
        hint: "Fix them, or pass --accept-warnings to go ahead despite warnings.",
        details: { findings: result.findings },
      },
    );
  }
}
