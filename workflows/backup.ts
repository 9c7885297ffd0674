// The built-in backup workflow: `leger backup` runs it. Copy it with
// `leger workflow eject backup` and edit the copy to change what backup does
// (e.g. copy each backup to another machine, or notify someone).
import type { WorkflowContext } from "../mod.ts";

export const description = "Back up sets (or all): files, manifest and volume data; apply retention";

const REASONS = ["manual", "before-apply", "before-restore"] as const;

/** The flags `leger backup` passes to this workflow (commands/backup.ts builds them with this type). */
export type BackupFlags = {
  reason?: string;
  live?: boolean;
  /** Where volumes clone: stop the units for the reflink copy instead of freezing them. */
  stop?: boolean;
  "include-binds"?: boolean;
};

export default async function backup({ leger, args, flags, log, dryRun }: WorkflowContext) {
  const f = flags as BackupFlags;
  const targets = args.length ? args : ["all"];
  const rows = targets.includes("all") ? await leger.list() : [];
  for (const row of rows.filter((r) => r.state === "broken")) log.warn(`${row.name}: not backed up: ${row.problem}`);
  const names = targets.includes("all") ? rows.filter((r) => r.state !== "broken").map((r) => r.name) : targets;
  if (names.length === 0) log.info("no sets installed: nothing to back up");
  // --reason is one of the reasons above, or free text kept as the backup's note.
  const text = typeof f.reason === "string" ? f.reason : undefined;
  const reason = REASONS.find((r) => r === text) ?? "manual";
  const note = text && !REASONS.some((r) => r === text) ? text : undefined;
  const results = [];
  for (const name of names) {
    if (dryRun) {
      // Which volumes pause the set only for a reflink copy (btrfs, xfs) and which stop it for the whole archive.
      const paths = f.live ? [] : await leger.backupPaths(name);
      const said = paths.map((p) =>
        `\n  volume ${p.volume}: ${
          p.path === "reflink"
            ? f.stop ? "stopped only for a reflink copy" : "frozen for a reflink copy"
            : p.path === "stream"
            ? "stopped while archived"
            : "skipped"
        } (${p.why})`
      ).join("");
      log.info(`${name}: would back up${said}`);
      continue;
    }
    results.push(
      await leger.backup(name, {
        reason,
        ...(note ? { note } : {}),
        live: f.live === true,
        stop: f.stop === true,
        includeBinds: f["include-binds"] === true,
      }),
    );
  }
  return results;
}
