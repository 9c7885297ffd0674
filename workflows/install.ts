// The built-in install workflow: `leger install` runs it. Copy it with
// `leger workflow eject install` and edit the copy to change what install does.
import type { WorkflowContext } from "../mod.ts";

export const description = "Fetch a quadlet set, check it, install it and start its units";

export default async function install({ leger, args, flags, log, dryRun }: WorkflowContext) {
  const source = args[0];
  if (!source) throw new Error("install needs a source: leger install <source>");
  const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);

  // 1. Fetch and check; nothing on the host changes here.
  const prepared = await leger.prepare(source, { name: str(flags.name), ref: str(flags.ref) });
  // Errors stop the install (the error lists them); warnings only with --force.
  if (prepared.check.errors === 0 && flags.force === true) {
    for (const f of prepared.check.findings.filter((x) => x.severity === "warning")) {
      log.warn(`${f.file}:${f.line}: ${f.code}: ${f.message} (going ahead: --force)`);
    }
  }

  // 2. Install: files in place, systemd reloaded, units started and checked.
  //    A failure puts the host back as it was.
  return await leger.installPrepared(prepared, {
    force: flags.force === true,
    noStart: flags["no-start"] === true,
    dryRun,
    healthTimeoutMs: typeof flags["health-timeout-ms"] === "string" ? Number(flags["health-timeout-ms"]) : undefined,
  });
}
