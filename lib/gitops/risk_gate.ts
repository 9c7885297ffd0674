/**
 * What an unattended update may not do without the host owner's word: apply
 * a version that grants the set more of the host than the installed one
 * (new risk findings, lib/quadlet/risk/), or fetch over a plain-text
 * transport (lib/source/transport.ts). The staged version then waits for a
 * person (`leger diff NAME` calls the new risks out, `leger apply NAME`
 * applies it), unless config.yaml says `accept-risks: true` for the set.
 * The set's own `.leger.yaml` cannot say so: its author is who the check
 * is about. The risks themselves are an operation's answer (`UnattendedOps.stagedRisks`,
 * lib/ops/update/staged_risks.ts).
 *
 * @module
 */
/** The event message for a version held back for its risks. */
export function heldMessage(name: string, commit: string, risks: string[]): string {
  return `${name}: ${commit.slice(0, 12)} staged, not applied: it adds ${risks.length} risk(s): ${risks.join("; ")}. ` +
    `Review it (leger diff ${name}) and apply it by hand (leger apply ${name}), or allow such versions with ` +
    `leger policy set ${name} --accept-risks true`;
}
