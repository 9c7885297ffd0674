/**
 * The size of the last archive of a volume, as the estimate of how big the
 * next one will be: a backup's progress can then show a time left without
 * reading the volume first (`du` of a 50 GiB volume is itself slow).
 *
 * @module
 */
import { join } from "node:path";
import { PARTIAL, readBackup } from "./info.ts";

/** The size of `volume`'s archive in the newest backup in `setDir` that has one (at most 5 looked at). */
export async function lastArchiveSize(
  setDir: string,
  volume: string,
): Promise<{ total?: number; estimated?: boolean }> {
  try {
    const ids = (await Array.fromAsync(Deno.readDir(setDir)))
      .filter((e) => e.isDirectory && !e.name.endsWith(PARTIAL))
      .map((e) => e.name)
      .sort()
      .reverse()
      .slice(0, 5);
    for (const id of ids) {
      const info = await readBackup(join(setDir, id)).catch(() => undefined);
      const v = info?.volumes.find((x) => x.name === volume);
      if (v) return { total: v.sizeBytes, estimated: true };
    }
  } catch { /* no backups yet: no estimate */ }
  return {};
}
