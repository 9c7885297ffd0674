/**
 * The `--help` prose of one group of commands (commands/help/text.ts
 * gathers the groups). Workflows: run, workflow list|eject|types.
 *
 * @module
 */
import type { HelpProse } from "./prose.ts";

/** Each command's prose, keyed by its path. */
export const WORKFLOWS_HELP: Record<string, HelpProse> = {
  run: {
    description:
      "Run a TypeScript workflow: a file whose default export receives { $, leger, podman, systemd, log, args, flags, dryRun, yes, scope, confirm }. A name (e.g. install) finds your copy in the workflow folder first, then the built-in. Arguments after the workflow go to it.",
    examples: [
      ["leger run ./backup-and-notify.ts web --topic homelab", "run a file with arguments"],
      ["leger run update --dry-run", "run the update workflow by name"],
    ],
    notes: ["leger workflow eject NAME copies a built-in workflow into your workflow folder to start from."],
  },
  workflow: {
    description:
      "List the built-in workflows and yours, copy a built-in one into your workflow folder (~/.config/leger/workflows) to change it (your copy then runs instead of the built-in), or write the API's types beside workflows kept elsewhere.",
    examples: [
      ["leger workflow list", "built-in and your workflows"],
      ["leger workflow eject update", "copy update.ts to edit it"],
      ["leger workflow types ./ops", "types for the workflows in ./ops"],
    ],
  },
  "workflow list": {
    description:
      "List the built-in workflows and yours, with their descriptions and which of yours override a built-in.",
    examples: [["leger workflow list", "every workflow"]],
  },
  "workflow eject": {
    description:
      'Copy a built-in workflow into your workflow folder to change it. leger runs your copy from then on; delete it to go back to the built-in. Beside it go the workflow API\'s types (leger.d.ts) and a deno.json that maps "leger" to them, so deno check and editors know the API; a deno.json of your own is left alone.',
    examples: [
      ["leger workflow eject install", "copy install.ts to ~/.config/leger/workflows/"],
      ["leger workflow eject update --force", "overwrite your earlier copy"],
    ],
    notes: [
      "Type-check your copy, offline (Deno reads the deno.json of the folder it runs in, or the one --config names): deno check --config ~/.config/leger/workflows/deno.json ~/.config/leger/workflows/install.ts",
    ],
  },
  "workflow types": {
    description:
      'Write the workflow API\'s types (leger.d.ts) and a deno.json that maps "leger" to them beside a workflow file, or into a folder (your workflow folder when none is named), so that deno check and editors with Deno\'s language server know leger.*, log.*, $ and the rest for workflows kept anywhere, e.g. in a Git repository. leger.d.ts is rewritten each time, so it follows the version of leger in use; a deno.json of your own is left alone (the output says what to add to it). The files matter only to the type checker: nothing is loaded from "leger" when a workflow runs.',
    examples: [
      ["leger workflow types ./ops/notify.ts", "types beside a workflow file of your repository"],
      ["leger workflow types ./ops", "into a folder of workflows"],
      ["leger workflow types", "into your workflow folder (~/.config/leger/workflows)"],
    ],
    notes: ["Then: deno check --config ./ops/deno.json ./ops/notify.ts (or cd ops && deno check notify.ts)."],
  },
};
