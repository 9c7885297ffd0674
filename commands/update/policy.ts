/**
 * `leger policy show|set|reset`: the host owner's override of a set's
 * unattended-update policy, kept in config.yaml (`updates.sets.<name>`).
 *
 * @module
 */
import type { Command } from "commander";
import type { PolicyChange, PolicyEdit, PolicyKey, PolicyRow } from "../../lib/policy/override.ts";
import { PolicyChangeJson, PolicyListJson, PolicyOneJson } from "../../lib/contract/host.ts";
import { versioned } from "../../lib/contract/versioned.ts";
import { type CliRuntime, contextFor, output } from "../common.ts";
import { table } from "../table.ts";

const seconds = (ms: number) =>
  ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;

function describe(r: PolicyRow): string {
  return `${r.policy}, following ${r.follow}, every ${seconds(r.intervalMs)}${r.window ? `, in ${r.window}` : ""}`;
}

function overrideText(o: PolicyRow["override"]): string {
  const parts = Object.entries(o).map(([k, v]) => `${k}: ${v}`);
  return parts.length ? parts.join(", ") : "none";
}

function changeText(c: PolicyChange, dryRun: boolean): string {
  const verb = !c.changed ? "unchanged" : dryRun ? "would change" : "changed";
  return [
    `${c.name}: ${describe(c)}${c.installed ? "" : " (not installed here yet)"}`,
    `  host override in ${c.file}: ${verb}${
      c.changed ? ` (${overrideText(c.before)} -> ${overrideText(c.override)})` : ` (${overrideText(c.override)})`
    }`,
    ...(c.from.length ? [`  from: ${c.from.join(", ")}`] : []),
  ].join("\n");
}

/** Registers `leger policy`. */
export function register(program: Command, runtime: CliRuntime): void {
  const policy = program
    .command("policy")
    .summary("show or set each set's unattended-update policy on this host");

  policy
    .command("show")
    .summary("the policy each set follows here, and where each part comes from")
    .argument("[name]", "one set (default: every installed set and every set config.yaml names)")
    .action(async (name, _o, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const { showPolicies } = await import("../../lib/policy/override.ts");
      const rows = await showPolicies(ctx.engine, name);
      output(
        ctx.opts,
        name === undefined
          ? versioned(PolicyListJson, { policies: rows })
          : versioned(PolicyOneJson, { policy: rows[0] }),
        () =>
          rows.length
            ? table(
              ["NAME", "POLICY", "FOLLOW", "INTERVAL", "WINDOW", "HOST OVERRIDE"],
              rows.map((r) => [
                r.installed ? r.name : `${r.name} (not installed)`,
                r.policy,
                r.follow,
                seconds(r.intervalMs),
                r.window ?? "-",
                overrideText(r.override),
              ]),
            )
            : "no sets installed",
      );
    });

  policy
    .command("set")
    .summary("override a set's policy on this host (config.yaml updates.sets.NAME)")
    .argument("<name>", "the set (it need not be installed yet)")
    .option("--policy <policy>", "off, notify (stage and report) or apply (stage and apply)")
    .option("--no-policy", "drop the host's policy: the set's .leger.yaml (or updates.default) applies")
    .option("--follow <what>", 'branch (the one installed from) or "tag:PATTERN" (newest matching tag)')
    .option("--no-follow", "drop the host's follow")
    .option("--interval <duration>", "how often to look, e.g. 15m")
    .option("--no-interval", "drop the host's interval")
    .option("--window <calendar>", 'apply only inside this window, e.g. "Sun *-*-* 03:00..05:00"')
    .option("--no-window", "drop the host's window")
    .option("--accept-risks <bool>", "true: apply unattended a version that adds risk findings (host access)")
    .option("--no-accept-risks", "drop the host's accept-risks (versions that add risks wait for leger apply)")
    .option("--allow-insecure-transport <bool>", "true: update unattended from an http:// or git:// source")
    .option("--no-allow-insecure-transport", "drop the host's allow-insecure-transport")
    .option("--dry-run", "say what would change; write nothing")
    .action(async (name, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const edit: PolicyEdit = {};
      const flags: Record<PolicyKey, string> = {
        policy: "policy",
        follow: "follow",
        interval: "interval",
        window: "window",
        "accept-risks": "acceptRisks",
        "allow-insecure-transport": "allowInsecureTransport",
      };
      for (const [key, flag] of Object.entries(flags) as Array<[PolicyKey, string]>) {
        const v = (options as Record<string, string | boolean | undefined>)[flag];
        if (typeof v === "string") edit[key] = v;
        else if (v === false) edit[key] = null;
      }
      const { editPolicy } = await import("../../lib/policy/override.ts");
      if (Object.keys(edit).length === 0) {
        const { UsageError } = await import("../../lib/core/errors.ts");
        throw new UsageError(
          "Nothing to set: give --policy, --follow, --interval, --window, --accept-risks or --allow-insecure-transport (or a --no- form to drop one)",
          "leger policy reset NAME drops the whole override.",
        );
      }
      const dryRun = options.dryRun === true;
      const change = await editPolicy(ctx.engine, name, edit, { dryRun });
      if (!change.installed && !dryRun && change.changed) {
        ctx.log.warn(`${name} is not installed here; the policy applies once it is`);
      }
      output(ctx.opts, versioned(PolicyChangeJson, change), () => changeText(change, dryRun));
    });

  policy
    .command("reset")
    .summary("drop the host's override of a set's policy")
    .argument("<name>", "the set")
    .option("--dry-run", "say what would change; write nothing")
    .action(async (name, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const { editPolicy } = await import("../../lib/policy/override.ts");
      const dryRun = options.dryRun === true;
      const change = await editPolicy(ctx.engine, name, "reset", { dryRun });
      output(ctx.opts, versioned(PolicyChangeJson, change), () => changeText(change, dryRun));
    });
}
