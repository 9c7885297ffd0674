/**
 * Commands about installed sets: list, inspect, status, logs, start, stop,
 * restart, remove.
 *
 * @module
 */
import type { Command } from "commander";
import { ask } from "../../lib/core/escape.ts";
import { LegerError, UsageError } from "../../lib/core/errors.ts";
import { escapingSink } from "../../lib/core/log.ts";
import type { SetDetails } from "../../mod.ts";
import { formatUpdateStatus } from "../../lib/policy/status.ts";
import { describeTrust } from "../../lib/trust/record.ts";
import type { UnitState } from "../../lib/host/systemd_state.ts";
import { versioned } from "../../lib/contract/versioned.ts";
import { InspectJson, ListJson, LogsJson, RemoveJson, UnitsJson } from "../../lib/contract/sets.ts";
import { type CliRuntime, contextFor, output } from "../common.ts";
import { listText } from "../list.ts";

function unitLines(states: UnitState[]): string {
  return states.map((s) =>
    `  ${s.unit.padEnd(28)} ${s.active}/${s.sub}${s.restarts ? ` (restarted ${s.restarts}x)` : ""}`
  ).join("\n");
}

function details(d: SetDetails): string {
  const m = d.manifest;
  const lines = [
    `${m.name}  ${d.state}  (${m.scope} scope, ${m.backend} backend)`,
    ...(d.backendNote ? [`  backend:  files, because ${d.backendNote}`] : []),
    `  source:   ${m.source.input}`,
    ...(m.source.commit ? [`  commit:   ${m.source.commit}${m.source.ref ? ` (${m.source.ref})` : ""}`] : []),
    `  trust:    ${
      m.trust ? describeTrust(m.trust) : "not recorded (installed before leger checked signatures, or restored)"
    }`,
    ...(m.version ? [`  version:  ${m.version}`] : []),
    `  updated:  ${m.updatedAt}`,
    `units:`,
    unitLines(d.units),
    `files:`,
    ...m.files.map((f) => `  ${f.name.padEnd(28)} ${f.kind.padEnd(8)} ${f.path || "(kept by leger)"}`),
  ];
  if (m.volumes.length) {
    lines.push(
      "volumes:",
      ...m.volumes.map((v) => `  ${v.name}${v.unitFile ? ` (${v.unitFile})` : ""}`),
    );
  }
  if (m.secrets.length) lines.push("secrets:", ...m.secrets.map((s) => `  ${s.podmanSecret} <- setec ${s.name}`));
  if (m.ports.length) lines.push(`ports:    ${m.ports.join(", ")}`);
  if (d.risks.length) lines.push("host access (risks):", ...d.risks.map((r) => `  ${r}`));
  lines.push(...formatUpdateStatus(d.updates));
  if (d.drift.length) {
    lines.push("changed by hand since install:", ...d.drift.map((x) => `  ${x.name}: ${x.change} (${x.path})`));
  }
  return lines.join("\n");
}

/** Registers the set commands. */
export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("list")
    .alias("ls")
    .summary("list installed sets and the state of their units")
    .option("--all", "also list the quadlets no set owns, grouped as podman groups them (leger adopt takes them)")
    .action(async (o, cmd) => {
      // As commands/list.ts, which main.ts runs for a plain `leger list`: config.yaml is not read.
      const ctx = await contextFor(cmd, runtime, { readConfig: false });
      const rows = await ctx.leger.list();
      const unowned = o.all ? await ctx.leger.unowned() : undefined;
      output(
        ctx.opts,
        versioned(ListJson, { sets: rows, ...(unowned ? { unowned } : {}) }),
        () => listText(rows, ctx.opts.scope, unowned),
      );
    });

  for (
    const [name, summary] of [["inspect", "show everything leger knows about a set"], [
      "status",
      "show a set's units, source and hand edits",
    ]] as const
  ) {
    const command = program
      .command(name)
      .summary(summary)
      .argument(
        name === "inspect" ? "<name|source>" : "<name>",
        name === "inspect" ? "installed set, or a source or catalog name to look at" : "installed set",
      );
    if (name === "inspect") {
      command.option(
        "--catalog <source>",
        "look NAME up in this catalog (Git URL or folder), not among installed sets",
      ).option(
        "--allow-unsigned",
        "look at a source the trust rule refuses (config.yaml trust:); nothing is installed",
      );
    }
    command
      .action(async (setName, o: { catalog?: string; allowUnsigned?: boolean }, cmd) => {
        const ctx = await contextFor(cmd, runtime);
        // A set that is not installed (a source, a catalog name) is fetched and checked: lib/catalog/preview.ts.
        let notInstalled: LegerError | undefined;
        const d = name === "inspect" && o.catalog ? undefined : await ctx.leger.inspect(setName).catch((e) => {
          if (name !== "inspect" || !(e instanceof LegerError) || (e.exitCode !== 5 && e.exitCode !== 2)) throw e;
          notInstalled = e;
        });
        if (!d) return await (await import("../catalog.ts")).inspectNotInstalled(ctx, setName, o, notInstalled);
        output(ctx.opts, versioned(InspectJson, { set: d }), () => details(d));
      });
  }

  program
    .command("logs")
    .summary("show the journal of a set's units")
    .argument("<name>", "installed set")
    .option("-f, --follow", "keep printing new lines")
    .option("-n, --lines <n>", "how many lines", "50")
    .action(async (setName, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const lines = Number(options.lines);
      if (!Number.isInteger(lines) || lines < 0) {
        throw new UsageError(`Cannot show ${options.lines} lines`, "Give -n a whole number.");
      }
      if (options.follow) {
        if (ctx.opts.json) {
          // Journal lines as they come are not one JSON document: refused rather than printed as text.
          throw new UsageError(
            "Cannot follow logs as JSON",
            `Drop --follow for a JSON document (leger logs ${setName} --json -n ${lines}), or drop --json.`,
          );
        }
        const d = await ctx.leger.inspect(setName);
        const argv = ctx.engine.systemd.journalArgs(d.manifest.units, lines, true);
        // Journal lines are text from outside: printed line by line through the escaping printer.
        await ctx.engine.$`${argv}`.stdout(escapingSink("stdout")).stderr(escapingSink("stderr")).noThrow();
        return;
      }
      const text = await ctx.leger.logs(setName, lines);
      output(
        ctx.opts,
        versioned(LogsJson, { name: setName, lines: text ? text.split("\n") : [] }),
        () => text || "(no journal lines)",
      );
    });

  for (const action of ["start", "stop", "restart"] as const) {
    program
      .command(action)
      .summary(`${action} all units of a set`)
      .argument("<name>", "installed set")
      .action(async (setName, _o, cmd) => {
        const ctx = await contextFor(cmd, runtime);
        const states = await ctx.leger[action](setName);
        output(
          ctx.opts,
          versioned(UnitsJson, { name: setName, units: states }),
          () => `${setName}:\n${unitLines(states)}`,
        );
      });
  }

  program
    .command("remove")
    .alias("rm")
    .summary("stop a set's units and remove its files")
    .argument("<name>", "installed set")
    .option("--purge-volumes", "also delete the set's podman volumes (data is lost)")
    .option("--dry-run", "show what would be removed")
    .action(async (setName, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      if (options.purgeVolumes && !ctx.opts.yes && !options.dryRun) {
        const d = await ctx.leger.inspect(setName);
        await ctx.ops.requireHostReady(); // before asking: a question that cannot be acted on is not asked
        const vols = d.manifest.volumes.map((v) => v.name).join(", ") || "none";
        if (!Deno.stdin.isTerminal()) {
          throw new UsageError(
            `Cannot remove ${setName} with --purge-volumes without confirmation (volumes: ${vols})`,
            "Pass --yes to confirm in scripts.",
          );
        }
        if (!ask(`Delete the data in volumes ${vols}?`)) throw new UsageError("Cancelled; nothing was removed.");
      }
      const r = await ctx.leger.remove(setName, {
        purgeVolumes: options.purgeVolumes === true,
        dryRun: options.dryRun === true,
      });
      output(ctx.opts, versioned(RemoveJson, r), () =>
        [
          `${
            r.dryRun ? "would remove" : "removed"
          } ${r.name}: ${r.stopped.length} unit(s), ${r.removedFiles.length} file(s)`,
          ...(r.removedVolumes.length ? [`volumes deleted: ${r.removedVolumes.join(", ")}`] : []),
          ...(r.keptVolumes.length
            ? [`volumes kept: ${r.keptVolumes.join(", ")} (leger remove --purge-volumes deletes them)`]
            : []),
          ...(r.removedSecrets.length ? [`podman secrets removed: ${r.removedSecrets.join(", ")}`] : []),
        ].join("\n"));
    });
}
