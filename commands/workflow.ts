/**
 * `leger run` and `leger workflow list|eject`.
 *
 * @module
 */
import type { Command } from "commander";
import { listWorkflows, resolveWorkflow, runWorkflow } from "../lib/workflow/run.ts";
import { ejectWorkflow, typesFolder, writeWorkflowTypes } from "../lib/workflow/eject.ts";
import { BUILTIN_WORKFLOWS } from "./builtin_workflows.ts";
import { RunJson, WorkflowEjectJson, WorkflowListJson, WorkflowTypesJson } from "../lib/contract/misc.ts";
import { versioned } from "../lib/contract/versioned.ts";
import { type CliRuntime, contextFor, output } from "./common.ts";
import { table } from "./table.ts";

/** Registers the workflow commands. */
export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("run")
    .summary("run a workflow file or a named workflow")
    .argument("<workflow>", "a .ts file or a workflow name")
    .argument("[args...]", "arguments for the workflow")
    .option("--dry-run", "ask the workflow to change nothing")
    .allowUnknownOption(true)
    .action(async (workflow, args, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const ref = await resolveWorkflow(ctx.engine, workflow, BUILTIN_WORKFLOWS);
      const result = await runWorkflow(ref, {
        engine: ctx.engine,
        leger: ctx.leger,
        builtins: BUILTIN_WORKFLOWS,
        argv: args,
        dryRun: options.dryRun === true,
        yes: ctx.opts.yes,
      });
      if (result !== undefined || ctx.opts.json) {
        output(
          ctx.opts,
          versioned(RunJson, { workflow, result }),
          () => (typeof result === "string" ? result : JSON.stringify(result, null, 2)),
        );
      }
    });

  const wf = program.command("workflow").summary("list built-in and your workflows, or copy one to edit");
  wf.command("list")
    .summary("list workflows")
    .action(async (_o, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const all = await listWorkflows(ctx.engine, BUILTIN_WORKFLOWS);
      output(ctx.opts, versioned(WorkflowListJson, { workflows: all }), () =>
        table(
          ["NAME", "KIND", "DESCRIPTION", "LOCATION"],
          all.map((
            w,
          ) => [
            w.name,
            w.kind + (w.overrides ? " (overrides built-in)" : ""),
            w.description,
            w.kind === "builtin" ? "(built in)" : w.location,
          ]),
        ) + `\n\nYour workflows live in ${ctx.engine.paths.workflowDir}`);
    });
  wf.command("eject")
    .summary("copy a built-in workflow into your workflow folder for editing")
    .argument("<name>", "built-in workflow")
    .option("--force", "overwrite your copy")
    .action(async (name, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const r = await ejectWorkflow(ctx.engine, BUILTIN_WORKFLOWS, name, options.force === true);
      output(ctx.opts, versioned(WorkflowEjectJson, { name, ...r }), () =>
        [
          `copied ${name} to ${r.path}; leger now runs your copy. Delete it to go back to the built-in.`,
          `  types: ${r.types} (${
            r.configState === "yours" ? "see the note" : `"leger" mapped in ${r.config}`
          }): deno check --config ${r.config} ${r.path}`,
          ...r.notes.map((n) => `  note: ${n}`),
        ].join("\n"));
    });
  wf.command("types")
    .summary("write the workflow API's types (leger.d.ts, deno.json) beside a workflow file or into a folder")
    .argument("[path]", "a workflow file or a folder (default: your workflow folder)")
    .option("--force", "replace a leger.d.ts not written by leger")
    .action(async (path, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const folder = path === undefined ? ctx.engine.paths.workflowDir : await typesFolder(path);
      const r = await writeWorkflowTypes(folder, options.force === true);
      output(ctx.opts, versioned(WorkflowTypesJson, r), () =>
        [
          `wrote ${r.types}${
            r.configState === "written"
              ? ` and ${r.config}`
              : r.configState === "kept"
              ? ` (${r.config} maps "leger")`
              : ""
          }`,
          `  check a workflow there: ${r.check} FILE.ts (or deno check FILE.ts inside ${r.folder})`,
          ...r.notes.map((n) => `  note: ${n}`),
        ].join("\n"));
    });
}
