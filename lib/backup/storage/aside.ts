/**
 * Keeping a volume's current data safe during a restore by moving it, not
 * copying it: the volume's folder (`volumes/NAME`) is renamed to
 * `volumes/.leger-aside-TAG-NAME` beside it (one rename(2): the same folder,
 * so the same file system, whatever the data's size), and renamed back
 * when the restore fails or is interrupted. podman keeps its volume records
 * in its database, not in that folder: with the folder moved away,
 * `podman volume rm` still removes the record (seen on 5.8.6), and no
 * podman volume can be named with a leading dot, so an aside never meets
 * a volume. Both folders belong to the user who runs podman, so the
 * renames need no user namespace even when the data belongs to sub-uids.
 *
 * Every step is safe to repeat, so the journal can replay it after a kill:
 * {@linkcode moveAside} and {@linkcode putBack} look at what is on disk and
 * do only what is left.
 *
 * @module
 */
import { join } from "node:path";
import type { Shell } from "../../host/shell.ts";
import { LegerError } from "../../core/errors.ts";
import { syncDir } from "../../core/fs.ts";
import { lastLines } from "../fifo.ts";

/** Asides and discarded folders start so: no podman volume name can. */
export const ASIDE_PREFIX = ".leger-aside-";

/** One volume's data moved aside. */
export interface Aside {
  /** The volume. */
  volume: string;
  /** Its folder (`.../volumes/NAME`). */
  folder: string;
  /** Where its data waits (`.../volumes/.leger-aside-TAG-NAME`). */
  aside: string;
}

/** Where `volume`'s folder goes aside for the run `tag` (e.g. a journal entry id). */
export function asideOf(volume: string, folder: string, tag: string): Aside {
  const dir = folder.slice(0, folder.lastIndexOf("/"));
  return { volume, folder, aside: join(dir, `${ASIDE_PREFIX}${tag}-${volume}`) };
}

async function present(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/**
 * Renames the volume's folder aside. Done already (the aside exists) is
 * fine; neither existing is an error (nothing to keep safe would be a
 * surprise the caller must hear of).
 */
export async function moveAside(a: Aside): Promise<void> {
  if (await present(a.aside)) return;
  try {
    await Deno.rename(a.folder, a.aside);
  } catch (error) {
    throw new LegerError(`Cannot move the data of volume ${a.volume} aside: ${(error as Error).message}`, {
      cause: error,
    });
  }
  await syncDir(parentOf(a.folder));
}

/**
 * Puts the aside back as the volume's folder. Whatever is at the folder
 * now (the restored data, or the empty folder podman just made for the
 * volume) is renamed to a discard folder first, which is returned for
 * removal. Nothing to do (the aside is gone: put back already) returns
 * undefined.
 */
export async function putBack(a: Aside): Promise<string | undefined> {
  if (!(await present(a.aside))) return undefined;
  let discard: string | undefined;
  if (await present(a.folder)) {
    discard = `${a.aside}.discard`;
    if (await present(discard)) {
      throw new LegerError(`Cannot put the data of volume ${a.volume} back: ${discard} is in the way`, {
        hint: `Look at ${discard} and remove it (podman unshare rm -rf for rootless volumes), then run leger recover.`,
      });
    }
    await Deno.rename(a.folder, discard);
  }
  await Deno.rename(a.aside, a.folder);
  await syncDir(parentOf(a.folder));
  return discard;
}

/** Whether the aside is still waiting (not put back, not dropped). */
export function waiting(a: Aside): Promise<boolean> {
  return present(a.aside);
}

/**
 * Removes a folder of volume data. Rootless data may hold sub-uid files
 * the user cannot delete: then `podman unshare rm -rf` does it. Only
 * folders leger made beside podman's volumes (asides, discards) are ever
 * passed here.
 */
export async function removeData($: Shell, path: string, rootless: boolean): Promise<void> {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (!name.startsWith(ASIDE_PREFIX)) throw new Error(`refusing to remove ${path}: not an aside of leger's`);
  if (!(await present(path))) return;
  // By its path: dax has an `rm` of its own.
  const rm = $.whichSync("rm") ?? "/bin/rm";
  const argv = [...(rootless ? ["podman", "unshare"] : []), rm, "-rf", "--one-file-system", "--", path];
  const r = await $`${argv}`.stdout("null").stderr("piped").noThrow();
  if (r.code !== 0 || await present(path)) {
    throw new LegerError(`Cannot remove ${path}: ${lastLines(r.stderr) || `exit ${r.code}`}`);
  }
}
