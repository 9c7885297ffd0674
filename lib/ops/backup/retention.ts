/**
 * Retention: config `backup-retention` `{ count, age }` limits the backups
 * kept per set. Both limits apply when both are given: a backup goes when
 * it is not among the newest `count`, or when it is older than `age`.
 * Every reason counts (manual, before-apply, before-restore). The newest
 * good backup of a set (its files all present with their recorded sizes)
 * is never pruned, nor is one the caller protects. Unreadable backup
 * folders are left alone (and reported); unfinished `.partial` folders are
 * removed.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../../engine.ts";
import { parseDuration } from "../../core/duration.ts";
import { removeIfExists } from "../../core/fs.ts";
import { type BackupInfo, backupsRoot, PARTIAL, scanBackups, verifyBackup } from "../../backup/info.ts";
import { boundedList } from "../../core/bounded_list.ts";

/** Options of pruning backups (`leger prune`, {@linkcode applyRetention}). */
export interface PruneOptions {
  /** Only this set's backups (all sets when left out). */
  name?: string;
  /** Say what would go; remove nothing. */
  dryRun?: boolean;
}

/** What a prune removed and kept, as `<set>/<id>`. */
export interface PruneResult {
  removed: string[];
  kept: string[];
}

/** The retention limits, read from the config. */
export interface RetentionRules {
  count?: number;
  ageMs?: number;
}

/** Reads `backup-retention` from the engine's config. */
export function retentionRules(engine: Engine): RetentionRules {
  const r = engine.config["backup-retention"];
  return {
    ...(r.count !== undefined ? { count: r.count } : {}),
    ...(r.age !== undefined ? { ageMs: parseDuration(r.age, "backup-retention.age") } : {}),
  };
}

/**
 * Decides which of one set's backups (newest first) go. `good` is the id
 * of the newest good backup; it and `protect` always stay.
 */
export function selectPrunable(
  backups: BackupInfo[],
  rules: RetentionRules,
  good: string | undefined,
  protect: string[] = [],
  now = Date.now(),
): BackupInfo[] {
  return backups.filter((b, i) => {
    if (b.id === good || protect.includes(b.id)) return false;
    if (rules.count !== undefined && i >= rules.count) return true;
    if (rules.ageMs !== undefined && now - Date.parse(b.createdAt) > rules.ageMs) return true;
    return false;
  });
}

async function newestGood(backups: BackupInfo[]): Promise<string | undefined> {
  for (const b of backups) if ((await verifyBackup(b, { quick: true })).ok) return b.id;
  return undefined;
}

/** Applies retention without taking the lock (the caller holds it). */
export async function applyRetention(
  engine: Engine,
  options: PruneOptions & { protect?: string[] } = {},
): Promise<PruneResult> {
  const root = backupsRoot(engine);
  const rules = retentionRules(engine);
  const scan = await scanBackups(root, options.name);
  const removed: string[] = [];
  const kept: string[] = [];
  const bySet = new Map<string, BackupInfo[]>();
  for (const b of scan.backups) bySet.set(b.name, [...(bySet.get(b.name) ?? []), b]);
  for (const [set, backups] of bySet) {
    const good = await newestGood(backups);
    const prunable = new Set(selectPrunable(backups, rules, good, options.protect).map((b) => b.id));
    for (const b of backups) {
      const label = `${set}/${b.id}`;
      if (!prunable.has(b.id)) {
        kept.push(label);
        continue;
      }
      removed.push(label);
      if (!options.dryRun) await removeIfExists(b.dir);
    }
  }
  for (const u of scan.unreadable) {
    const label = u.dir.slice(root.length + 1);
    if (u.dir.endsWith(PARTIAL)) {
      removed.push(label);
      if (!options.dryRun) await removeIfExists(u.dir);
    } else engine.log.warn(`${join(u.dir)}: ${u.problem}; left alone`);
  }
  if (removed.length) {
    engine.log.info(
      `${options.dryRun ? "would prune" : "pruned"} ${removed.length} backup(s): ${boundedList(removed)}`,
    );
  }
  return { removed, kept };
}
