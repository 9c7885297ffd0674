/**
 * One line for `leger doctor`: which path this scope's volumes take in a
 * backup (frozen for a reflink copy where they clone, decision 79; stopped
 * while archived elsewhere). With volumes, each is probed (lib/backup/storage/probe.ts);
 * without any yet, podman's volumes folder is (`podman info`'s graph root).
 *
 * @module
 */
import { join } from "node:path";
import type { Shell } from "../../host/shell.ts";
import { listVolumes, probeVolumes, reflinkWorks } from "./probe.ts";

/** What doctor shows: never a failure (the stream path is today's), only which path and why. */
export async function describeStorage($: Shell): Promise<string> {
  const rows = await listVolumes($);
  if (rows.length === 0) {
    const r = await $`podman info --format {{.Store.GraphRoot}}`.stdout("piped").stderr("null").noThrow();
    const dir = join(r.stdout.trim(), "volumes");
    if (r.code !== 0 || !r.stdout.trim()) return "no volumes yet; podman did not say where it keeps them";
    await Deno.mkdir(dir, { recursive: true }).catch(() => {});
    return (await reflinkWorks($, dir))
      ? `no volumes yet; ${dir} clones: backups will freeze a set only for a reflink copy`
      : `no volumes yet; ${dir} does not clone: backups stop a set while its volumes are archived`;
  }
  const data = await probeVolumes($, rows);
  const fast = data.filter((d) => d.path === "reflink");
  const slow = data.filter((d) => d.path === "stream");
  const parts: string[] = [];
  if (fast.length) {
    parts.push(
      `${fast.length} volume(s) on ${
        [...new Set(fast.map((d) => d.fs))].join(", ")
      } clone: a backup freezes their units only for a reflink copy (--stop: stops them), a restore moves their data aside`,
    );
  }
  if (slow.length) {
    const whys = [...new Set(slow.map((d) => d.why))];
    parts.push(`${slow.length} volume(s) are archived while their units are stopped (${whys.join("; ")})`);
  }
  return parts.join("; ");
}
