/**
 * The fake host's `systemctl [--user] enable [--now] UNIT...`, as systemd
 * answers it: the unit file must be in the manager's unit folder
 * (`~/.config/systemd/user/` or `/etc/systemd/system/` under the host's
 * root), enabling says which link it created, and `--now` starts the unit
 * too.
 *
 * @module
 */
import { join } from "node:path";

/** What a systemctl verb answers. */
export interface EnableAnswer {
  code?: number;
  stdout?: string | Uint8Array;
  stderr?: string;
}

/** The manager's unit folder, beside the quadlet folder (`.config/containers/systemd` -> `.config/systemd/user`). */
export function unitFolder(quadletDir: string, scope: "user" | "system"): string {
  return join(quadletDir, "../../systemd", scope === "user" ? "user" : "system");
}

/** Enables units whose files exist; `start` starts each one (for --now). */
export function enableUnits(
  quadletDir: string,
  scope: "user" | "system",
  units: string[],
  start: ((unit: string) => EnableAnswer) | undefined,
): EnableAnswer {
  if (units.length === 0) return { code: 1, stderr: "Too few arguments.\n" };
  const dir = unitFolder(quadletDir, scope);
  let stderr = "";
  for (const unit of units) {
    const file = join(dir, unit);
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      return { code: 1, stderr: `Failed to enable unit: Unit file ${unit} does not exist.\n` };
    }
    const wanted = /^WantedBy=(\S+)/m.exec(text)?.[1];
    if (!wanted) {
      stderr += `The unit files have no installation config (WantedBy=, RequiredBy=, ...).\n`;
      continue;
    }
    stderr += `Created symlink ${join(dir, `${wanted}.wants`, unit)} → ${file}.\n`;
    if (start) {
      const r = start(unit);
      if (r.code) return { code: r.code, stderr: stderr + (r.stderr ?? "") };
    }
  }
  return { stderr };
}
