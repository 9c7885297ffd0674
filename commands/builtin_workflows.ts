/**
 * leger's built-in workflows (workflows/), found by name: loaded lazily
 * (literal imports, so `deno compile` and `deno bundle` carry them), with
 * their source text for `leger workflow eject` (text imports: nothing is
 * read from the source tree at run time). The table lives up here with the
 * commands that run them and is handed to lib/workflow/run.ts, so the engine
 * never imports the workflows that import its public API (mod.ts).
 *
 * @module
 */
import type { Builtins, WorkflowModule } from "../lib/workflow/run.ts";
import installSource from "../workflows/install.ts" with { type: "text" };
import backupSource from "../workflows/backup.ts" with { type: "text" };
import updateSource from "../workflows/update.ts" with { type: "text" };

/** The built-in workflows by name. */
export const BUILTIN_WORKFLOWS: Builtins = {
  install: { load: () => import("../workflows/install.ts") as Promise<WorkflowModule>, source: installSource },
  backup: { load: () => import("../workflows/backup.ts") as Promise<WorkflowModule>, source: backupSource },
  update: { load: () => import("../workflows/update.ts") as Promise<WorkflowModule>, source: updateSource },
};
