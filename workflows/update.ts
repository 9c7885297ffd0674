// The built-in update workflow: `leger update` runs it. Copy it with
// `leger workflow eject update` and edit the copy to change what update does
// (e.g. notify someone, or apply only at night).
import type { WorkflowContext } from "../mod.ts";

export const description = "Stage, show the diff, confirm, then apply (backup first, rollback on failure)";

/** The flags `leger update` passes to this workflow (commands/update/update.ts builds them with this type). */
export type UpdateFlags = {
  ref?: string;
  "no-backup"?: boolean;
  "overwrite-edits"?: boolean;
  "accept-warnings"?: boolean;
  "health-timeout-ms"?: string;
  "allow-unsigned"?: boolean;
};

export default async function update({ leger, args, flags, log, confirm, dryRun }: WorkflowContext) {
  const f = flags as UpdateFlags;
  const results = [];
  for (const target of args.length ? args : ["all"]) {
    const ref = typeof f.ref === "string" ? f.ref : undefined;
    // A dry run stages nothing: it fetches, checks and shows the diff only.
    const acceptWarnings = f["accept-warnings"] === true;
    // A commit the trust rule (config.yaml trust:) refuses is taken only with --allow-unsigned.
    const allowUnsigned = f["allow-unsigned"] === true;
    for (const staged of await leger.stage(target, { ref, acceptWarnings, allowUnsigned, dryRun })) {
      if (!staged.changed) {
        log.info(`${staged.name}: up to date`);
        continue;
      }
      log.print(staged.diff ? await leger.formatDiff(staged.diff) : await leger.diffText(staged.name));
      if (dryRun) continue;
      if (!(await confirm(`Apply ${staged.name}?`))) {
        log.info(`${staged.name}: left staged (leger apply ${staged.name} applies it later)`);
        continue;
      }
      results.push(
        ...await leger.apply(staged.name, {
          noBackup: f["no-backup"] === true,
          overwriteEdits: f["overwrite-edits"] === true,
          acceptWarnings,
          allowUnsigned,
          healthTimeoutMs: typeof f["health-timeout-ms"] === "string" ? Number(f["health-timeout-ms"]) : undefined,
        }),
      );
    }
  }
  return results;
}
