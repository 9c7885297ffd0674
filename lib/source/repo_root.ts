/**
 * Where a validated folder sits inside its repository, for SARIF: code
 * scanning services attach a result to a file by its path relative to the
 * repository root, so absolute paths would attach nothing.
 *
 * @module
 */
import { dirname, relative, resolve } from "node:path";

function isRepoRoot(dir: string): boolean {
  try {
    Deno.statSync(`${dir}/.git`); // a folder, or a file in worktrees and submodules
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of `folder` relative to the root of the git repository holding
 * it (forward slashes, "" for the root itself); relative to `cwd` when it
 * is in no repository and under `cwd`; else undefined.
 */
export function repoRelative(folder: string, cwd = Deno.cwd()): string | undefined {
  const abs = resolve(cwd, folder);
  for (let dir = abs;; dir = dirname(dir)) {
    if (isRepoRoot(dir)) return relative(dir, abs).split("\\").join("/");
    if (dirname(dir) === dir) break;
  }
  const rel = relative(resolve(cwd), abs);
  return rel.startsWith("..") ? undefined : rel.split("\\").join("/");
}
