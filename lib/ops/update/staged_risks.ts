/**
 * The risks a staged version adds over the installed one (lib/quadlet/risk/):
 * what the unattended updater asks before it applies (lib/gitops/risk_gate.ts).
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { addedRisks, risksOf, riskText } from "../../quadlet/risk/risks_of.ts";
import { loadSetFiles } from "../../state/store.ts";
import { readStaged } from "./stage.ts";

/** The risks the staged version of `name` adds over the installed one, as lines; [] when none is staged. */
export async function stagedRisks(engine: Engine, name: string): Promise<string[]> {
  const staged = await readStaged(engine, name);
  if (!staged) return [];
  const installed = await loadSetFiles(engine.paths, name);
  return addedRisks(risksOf(installed), risksOf(staged.files)).map(riskText);
}
