/**
 * Host folders a backup never archives and a restore never writes, whatever
 * a set's bind mounts say. A restore extracts a bind's archive into the
 * bind's host path, as root in system scope; the backup's own quadlet files
 * say which host paths those are (lib/ops/backup/trust.ts), and a backup
 * folder may come from anywhere. A forged backup whose unit binds
 * `/etc/cron.d` would have restore install a cron job as root; one that
 * binds `~/.config/systemd` would add a user service. So:
 *
 * - **never at or below**: the system's code and configuration (`/etc`,
 *   `/usr`, `/bin`, `/sbin`, `/lib*`, `/boot`), kernel and runtime file
 *   systems (`/proc`, `/sys`, `/dev`, `/run`), root's home, cron's and
 *   systemd's state, container storage (`/var/lib/containers`), and
 *   leger's own folders (config, state, cache, runtime, the quadlet
 *   folder); for a user, what runs as them: `~/.config` (systemd user
 *   units, quadlets, autostart), `~/.local/bin`, `~/.local/share/containers`,
 *   `~/.local/share/systemd`, `~/.ssh`, `~/.gnupg`, and shell start-up
 *   files;
 * - **never exactly**: folders too wide to be one service's data (`/`,
 *   `/home`, `/var`, `/var/lib`, `/srv`, `/opt`, `/mnt`, `/media`, `/tmp`,
 *   `/var/tmp`, the user's home and `~/.local`, `~/.local/share`); their
 *   subfolders are fine (`/srv/app`).
 *
 * A set that binds such a path still runs and backs up its volumes; the
 * bind is left out of the backup with a warning, and a backup that holds
 * one is refused by restore.
 *
 * @module
 */
import { join, normalize } from "node:path";
import type { ScopePaths } from "../core/paths.ts";

const SYSTEM_TREES = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/usr",
  "/var/lib/containers",
  "/var/lib/systemd",
  "/var/spool/cron",
];
const WIDE_FOLDERS = ["/", "/home", "/var", "/var/lib", "/srv", "/opt", "/mnt", "/media", "/tmp", "/var/tmp"];
const HOME_TREES = [
  ".config",
  ".local/bin",
  ".local/share/containers",
  ".local/share/systemd",
  ".ssh",
  ".gnupg",
  ".bashrc",
  ".bash_profile",
  ".bash_login",
  ".profile",
  ".zshrc",
  ".zprofile",
  ".zshenv",
  ".pam_environment",
];
const HOME_WIDE = ["", ".local", ".local/share"];

function atOrBelow(path: string, tree: string): boolean {
  return path === tree || path.startsWith(tree.endsWith("/") ? tree : tree + "/");
}

/** Where a bind may not be archived or restored. */
export interface SystemPathContext {
  /** The scope's folders (leger's own are off limits). */
  paths: ScopePaths;
  /** The user's home (user scope), if known. */
  home?: string;
}

/** Why `hostPath` (absolute) is a system folder a backup must not archive nor a restore write; undefined if not. */
export function systemPathProblem(hostPath: string, ctx: SystemPathContext): string | undefined {
  const path = normalize(hostPath).replace(/(.)\/+$/, "$1");
  const own = [ctx.paths.configDir, ctx.paths.stateDir, ctx.paths.cacheDir, ctx.paths.runtimeDir, ctx.paths.quadletDir];
  const trees = [...SYSTEM_TREES, ...own, ...(ctx.home ? HOME_TREES.map((t) => join(ctx.home!, t)) : [])];
  const tree = trees.find((t) => atOrBelow(path, normalize(t)));
  if (tree) return `${path} is ${path === tree ? "" : "inside "}${tree}, a system folder or one of leger's own`;
  const wide = [...WIDE_FOLDERS, ...(ctx.home ? HOME_WIDE.map((w) => normalize(join(ctx.home!, w))) : [])];
  if (wide.includes(path)) return `${path} is a whole system or home folder, not one service's data`;
  return undefined;
}
