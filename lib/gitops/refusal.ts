/**
 * A version the trust rule refused, as the daemon remembers and reports
 * it: the record's entry (so that commit is not fetched again while the
 * rule stays the same) and the one line for the journal and hooks.
 *
 * @module
 */
import type { UnverifiedError } from "../trust/gate.ts";
import type { RefusedCommit } from "../state/update_record.ts";

/** The refused commit's entry and its line: `web: 1a2b3c4d5e6f (main) refused: the commit is not signed; ...`. */
export function refusalOf(
  name: string,
  error: UnverifiedError,
  at: { commit: string; ref?: string; at: string; digest: string },
): { entry: RefusedCommit; message: string } {
  const t = error.record;
  const entry: RefusedCommit = {
    commit: at.commit,
    ...(at.ref ? { ref: at.ref } : {}),
    at: at.at,
    rule: t.rule,
    problem: t.problem ?? "not verified",
    ...(t.signer ? { signer: t.signer } : {}),
    ...(t.tag ? { tag: t.tag } : {}),
    digest: at.digest,
  };
  const by = t.signer ? ` (signed by ${t.signer.name ?? t.signer.key})` : "";
  const message = `${name}: ${at.commit.slice(0, 12)}${at.ref ? ` (${at.ref})` : ""} refused: ${entry.problem}${by}; ` +
    `${t.rule} allows only versions signed by its keys, so ${name} keeps what it runs`;
  return { entry, message };
}
