// The built-in install workflow: `leger install` runs it. Copy it with
// `leger workflow eject install` and edit the copy to change what install does.
import type { Assignment, InstallOptions, InstallResult, PreparedSet, WorkflowContext } from "../mod.ts";

export const description = "Fetch a quadlet set, check it, install it and start its units";

/** What installing from a repository with leger-hosts.yaml did, set by set. */
export interface AssignedInstall {
  host: Assignment["host"];
  file: string;
  commit?: string;
  sets: Array<{
    name: string;
    path: string;
    because: string[];
    /** installed (now), present (already installed from the same source: left alone), planned (--dry-run). */
    outcome: "installed" | "present" | "planned";
    result?: InstallResult;
  }>;
}

/** The flags `leger install` passes to this workflow (commands/sets/install.ts builds them with this type). */
export type InstallFlags = {
  name?: string;
  ref?: string;
  replace?: boolean;
  "accept-warnings"?: boolean;
  "no-start"?: boolean;
  "health-timeout-ms"?: string;
  "allow-unsigned"?: boolean;
  /** Look short names up in this catalog instead of the configured ones. */
  catalog?: string;
};

export default async function install(
  { leger, args, flags, log, dryRun }: WorkflowContext,
): Promise<InstallResult | AssignedInstall> {
  if (!args[0]) throw new Error("install needs a source: leger install <source>");
  const f = flags as InstallFlags;
  // A short name (web, CATALOG/web) becomes the full source a catalog offers it at; a path or URL stays as it is.
  const source = await leger.resolveSource(args[0], f.catalog ? { catalog: f.catalog } : {});
  // Two separate choices: replacing an installed set does not accept warnings, nor the other way round.
  const options = {
    replace: f.replace === true,
    acceptWarnings: f["accept-warnings"] === true,
    noStart: f["no-start"] === true,
    dryRun,
    healthTimeoutMs: typeof f["health-timeout-ms"] === "string" ? Number(f["health-timeout-ms"]) : undefined,
  } satisfies InstallOptions;
  const warnAccepted = (prepared: PreparedSet) => {
    // Errors stop the install (the error lists them); warnings only with --accept-warnings.
    if (prepared.check.errors > 0 || !options.acceptWarnings) return;
    for (const x of prepared.check.findings.filter((x) => x.severity === "warning")) {
      log.warn(`${prepared.name}: ${x.file}:${x.line}: ${x.code}: ${x.message} (going ahead: --accept-warnings)`);
    }
  };

  // 0. A repository with leger-hosts.yaml at the top: install the sets meant for this host.
  // A commit the trust rule refuses (config.yaml trust:) is taken only with --allow-unsigned, and recorded so.
  const allowUnsigned = f["allow-unsigned"] === true;
  const assigned = await leger.assignment(source, { ref: f.ref, allowUnsigned });
  if (assigned) {
    if (f.name) {
      throw new Error(`--name does not apply to ${assigned.file}: it names each set (name: in the file)`);
    }
    const installed = new Map((await leger.list()).map((row) => [row.name, row]));
    const done: AssignedInstall["sets"] = [];
    for (const set of assigned.sets) {
      const prepared = await leger.prepare(set.source, { name: set.name, allowUnsigned });
      const base = { name: prepared.name, path: set.path, because: set.because };
      if (installed.get(prepared.name)?.source === set.source && !options.replace) {
        log.info(`${prepared.name}: already installed from ${set.source} (leger update ${prepared.name} updates it)`);
        done.push({ ...base, outcome: "present" });
        continue;
      }
      warnAccepted(prepared);
      const result = await leger.installPrepared(prepared, options);
      done.push({ ...base, outcome: dryRun ? "planned" : "installed", result });
    }
    return {
      host: assigned.host,
      file: assigned.file,
      ...(assigned.commit ? { commit: assigned.commit } : {}),
      sets: done,
    };
  }

  // 1. Fetch and check; nothing on the host changes here.
  const prepared = await leger.prepare(source, { name: f.name, ref: f.ref, allowUnsigned });
  warnAccepted(prepared);

  // 2. Install: files in place, systemd reloaded, units started and checked.
  //    A failure puts the host back as it was.
  return await leger.installPrepared(prepared, options);
}
