/**
 * A set's risks from its files, without a validation run: what install,
 * inspect, diff and the unattended-update gate show and compare.
 *
 * @module
 */
import { expandBundles } from "../bundle.ts";
import type { SetFile } from "../kinds.ts";
import { loadSet } from "../set.ts";
import { findRisks, riskId } from "./check_risk.ts";

/** One risk of a set, as summaries show it. */
export interface RiskLine {
  /** `risk/...` (docs/VALIDATION.md). */
  code: string;
  /** The unit file (or drop-in) that grants it. */
  file: string;
  line: number;
  message: string;
}

/** The risks of a set's files (bundles read as the units they hold). */
export function risksOf(files: readonly SetFile[]): RiskLine[] {
  const set = loadSet(expandBundles(files).files);
  return findRisks(set).map((r) => ({ code: r.code, file: r.entry.file, line: r.entry.line, message: r.message }));
}

/** One line for people: `web.container: shares the host's network ... (risk/host-namespace)`. */
export function riskText(r: RiskLine): string {
  return `${r.file}: ${r.message} (${r.code})`;
}

/** The risks `after` has that `before` did not (the same risk moved to another line is not new). */
export function addedRisks(before: readonly RiskLine[], after: readonly RiskLine[]): RiskLine[] {
  const had = new Set(before.map(riskId));
  return after.filter((r) => !had.has(riskId(r)));
}
