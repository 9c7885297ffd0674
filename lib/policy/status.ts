/**
 * A set's unattended-update status for `leger status`/`inspect` (and
 * `--json`): its policy and where it comes from, the last check, what is
 * staged, the last apply, and the commits that were rolled back and why.
 * Read from the updater's records: no daemon needs to run.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { policyOf } from "./policy.ts";
import { type BadCommit, readUpdateRecord, type UpdateRecord } from "../state/update_record.ts";

/** What `leger status` shows about a set's updates. */
export interface UpdateStatus {
  policy: "off" | "notify" | "apply";
  follow: string;
  intervalMs: number;
  window?: string;
  /** The config and set files the policy was read from. */
  policyFrom: string[];
  /** Why the policy cannot be read, when it cannot. */
  policyError?: string;
  lastCheck?: string;
  lastResult?: UpdateRecord["lastResult"];
  lastError?: string;
  staged?: UpdateRecord["staged"];
  lastApply?: UpdateRecord["lastApply"];
  rolledBack: BadCommit[];
}

/** The update status of an installed set. */
export async function updateStatusOf(engine: Engine, name: string): Promise<UpdateStatus> {
  const record = await readUpdateRecord(engine.paths, name);
  const base = {
    ...(record.lastCheck ? { lastCheck: record.lastCheck } : {}),
    ...(record.lastResult ? { lastResult: record.lastResult } : {}),
    ...(record.lastError ? { lastError: record.lastError } : {}),
    ...(record.staged ? { staged: record.staged } : {}),
    ...(record.lastApply ? { lastApply: record.lastApply } : {}),
    rolledBack: record.bad,
  };
  try {
    const p = await policyOf(engine.paths, engine.config, name);
    return {
      policy: p.policy,
      follow: p.follow === "tag" ? `tag:${p.tagPattern}` : "branch",
      intervalMs: p.intervalMs,
      ...(p.window ? { window: p.window.text } : {}),
      policyFrom: p.from,
      ...base,
    };
  } catch (error) {
    return {
      policy: "off",
      follow: "branch",
      intervalMs: 0,
      policyFrom: [],
      policyError: (error as Error).message,
      ...base,
    };
  }
}

/** Human lines for a set's update status (empty when updates are off and nothing was ever done). */
export function formatUpdateStatus(s: UpdateStatus): string[] {
  if (s.policy === "off" && !s.lastCheck && s.rolledBack.length === 0 && !s.policyError) return [];
  const lines = [
    `updates:  ${s.policy}, following ${s.follow}, every ${Math.round(s.intervalMs / 1000)} s${
      s.window ? `, applied in ${s.window}` : ""
    }${s.policyFrom.length ? ` (from ${s.policyFrom.join(", ")})` : ""}`,
  ];
  if (s.policyError) lines.push(`  policy error: ${s.policyError}`);
  if (s.lastCheck) lines.push(`  last check: ${s.lastCheck} (${s.lastResult ?? "-"})`);
  if (s.lastError) lines.push(`  last error: ${s.lastError.split("\n")[0]}`);
  if (s.staged) lines.push(`  staged:     ${s.staged.commit.slice(0, 12)}${s.staged.ref ? ` (${s.staged.ref})` : ""}`);
  if (s.lastApply) {
    lines.push(
      `  last apply: ${s.lastApply.from?.slice(0, 12) ?? "-"} -> ${s.lastApply.to.slice(0, 12)} at ${s.lastApply.at}`,
    );
  }
  for (const b of s.rolledBack) {
    lines.push(`  rolled back: ${b.commit.slice(0, 12)}${b.ref ? ` (${b.ref})` : ""} at ${b.at}: ${b.reason}`);
    for (const f of b.failed) {
      lines.push(
        `    ${f.unit}: ${f.state}`,
        ...f.journal.split("\n").filter(Boolean).slice(-5).map((l) => `      ${l}`),
      );
    }
  }
  return lines;
}
