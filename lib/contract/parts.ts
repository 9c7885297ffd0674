/**
 * zod schemas of the pieces several `--json` outputs share (unit states,
 * commit points, health, unit impact, diagnostics). The outputs themselves
 * are in the other files of lib/contract/.
 *
 * @module
 */
import { z } from "zod";

/** One unit's state as systemd reports it. */
export const UnitStateJson = z.strictObject({
  unit: z.string(),
  active: z.string().describe("ActiveState: active, inactive, failed, activating, ..."),
  sub: z.string().describe("SubState: running, dead, exited, auto-restart, ..."),
  load: z.string().describe("LoadState: loaded, not-found, ..."),
  result: z.string().describe("result of the last run: success, exit-code, ..."),
  restarts: z.number().int().min(0),
});

/** A version of a set: its commit and `.leger.yaml` version, when known. */
export const PointJson = z.strictObject({ commit: z.string().optional(), version: z.string().optional() });

/** A unit that did not come up, with what systemd and the journal say. */
export const UnitFailureJson = z.strictObject({ unit: z.string(), state: z.string(), journal: z.string() });

/** The units' health after a start. */
export const HealthJson = z.strictObject({
  ok: z.boolean(),
  states: z.array(UnitStateJson),
  failed: z.array(UnitFailureJson),
});

/** Units to stop, start and restart. */
export const UnitImpactJson = z.strictObject({
  stop: z.array(z.string()),
  start: z.array(z.string()),
  restart: z.array(z.string()),
});

/** One validation finding (the same fields as in `leger validate --json`). */
export const DiagnosticJson = z.strictObject({
  file: z.string().describe("file name inside the set (drop-ins as web.container.d/10-x.conf)"),
  line: z.number().int().min(0),
  column: z.number().int().min(0),
  endLine: z.number().int().min(0).optional(),
  endColumn: z.number().int().min(0).optional(),
  severity: z.enum(["error", "warning", "info"]),
  code: z.string().describe("stable code, explained in docs/VALIDATION.md"),
  key: z.string().optional(),
  message: z.string(),
  fix: z.string().optional(),
  source: z.enum(["leger", "generator"]),
});

/** An installed file edited or deleted by hand since install. */
export const DriftJson = z.strictObject({
  name: z.string(),
  path: z.string(),
  change: z.enum(["changed", "missing"]),
});

/** The version field every `--json` output starts with. */
export function versionField<const N extends number>(n: N) {
  return z.literal(n).describe("the output's schema version: bumped on an incompatible change (docs/ARCHITECTURE.md)");
}
