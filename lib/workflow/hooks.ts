/**
 * Update events for people: each goes to the journal through the logger
 * (the updater does that) and, when the user has written one, to a
 * workflow file in their workflow folder: `on-update.ts` (a version was
 * staged, deferred or applied), `on-rollback.ts` (a version did not come
 * up and was rolled back) and `on-failure.ts` (a check, fetch, validation
 * or apply failed, or the trust rule refused a commit). The workflow gets the event as `ctx.event`.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../engine.ts";
import { exists } from "../core/fs.ts";
import type { Leger } from "../leger_api.ts";
import type { UpdateEvent } from "../gitops/updater.ts";

/** The hook file each event kind runs. */
export function hookFileFor(kind: UpdateEvent["kind"]): string {
  if (kind === "rolled-back") return "on-rollback.ts";
  // A version the trust rule refused is a failure to update, whoever pushed it.
  return kind === "failed" || kind === "refused" ? "on-failure.ts" : "on-update.ts";
}

/**
 * Runs the user's hook for an event, if there is one. A failing hook is
 * logged as a warning and never stops the updater.
 */
export async function runHook(engine: Engine, leger: Leger, event: UpdateEvent): Promise<boolean> {
  const file = join(engine.paths.workflowDir, hookFileFor(event.kind));
  if (!(await exists(file))) return false;
  const { resolveWorkflow, runWorkflow } = await import("./run.ts");
  try {
    // A hook is always the user's file: no built-in workflow is named here.
    await runWorkflow(await resolveWorkflow(engine, file, {}), {
      engine,
      leger,
      builtins: {},
      args: [event.set],
      flags: {},
      yes: true,
      event,
    });
  } catch (error) {
    engine.log.warn(`${hookFileFor(event.kind)} failed for ${event.set}: ${(error as Error).message.split("\n")[0]}`);
  }
  return true;
}
