/**
 * A consistent copy of volumes in the time it takes to clone their files:
 * each volume's data folder is copied with `cp -a --reflink=always` (the
 * copy shares the blocks, so it costs metadata, not a read of every byte)
 * into a temporary podman volume, `leger-snapshot-NAME`. The backup then
 * archives that volume with `podman volume export`, exactly as it archives
 * the original: on the sid test host (btrfs and xfs, rootless and root) the
 * export of such a copy was byte-identical to the export of the original,
 * owners, modes, xattrs, hard links, sparse files, FIFOs and links included,
 * so the archive format and its checks are unchanged and old leger versions
 * restore it. `podman volume rm` removes the copy afterwards, sub-uid files
 * included.
 *
 * Rootless podman keeps files of sub-uids in a volume, which the user
 * cannot read outside podman's user namespace: the copy runs under
 * `podman unshare`, which takes about 0.3 s to set up. So the copier is
 * started before the units stop and waits for one word on its stdin:
 * only the copy itself (about 0.1 s for 1 GiB in 16 files, seen) falls in
 * the time the service is down. If leger dies before the word, the copier
 * reads end-of-file and copies nothing.
 *
 * @module
 */
import type { Shell } from "../../host/shell.ts";
import { LegerError } from "../../core/errors.ts";
import { operands } from "../../core/argv.ts";
import { lastLines } from "../fifo.ts";
import type { VolumeData } from "./probe.ts";

/** Names of the temporary volumes start so; podman labels them too. */
export const SNAPSHOT_PREFIX = "leger-snapshot-";
/** The label on a temporary copy: the volume it copies. */
export const SNAPSHOT_LABEL = "io.leger.snapshot-of";

/** One volume's copy. */
export interface Snapshot {
  /** The volume copied. */
  volume: string;
  /** Its data folder. */
  source: string;
  /** The temporary podman volume holding the copy. */
  copy: string;
  /** The copy's data folder (made by podman, replaced by the copy). */
  target: string;
}

/** The temporary volume that holds a copy of `volume`. */
export function snapshotName(volume: string): string {
  return SNAPSHOT_PREFIX + volume;
}

async function podmanOk($: Shell, args: string[], what: string): Promise<string> {
  const r = await $`podman ${args}`.stdout("piped").stderr("piped").noThrow();
  if (r.code !== 0) throw new LegerError(`Cannot ${what}: podman said: ${lastLines(r.stderr) || `exit ${r.code}`}`);
  return r.stdout;
}

/**
 * Makes the empty temporary volumes the copies go into (before the units
 * stop: about half a second each). `existing` names the volumes podman has
 * now: a left-over copy of a killed run is removed first. The copy's data
 * folder must be a sibling of the original's (the same file system).
 */
export async function prepareSnapshots(
  $: Shell,
  volumes: VolumeData[],
  existing: ReadonlySet<string>,
): Promise<Snapshot[]> {
  const stale = volumes.map((v) => snapshotName(v.name)).filter((n) => existing.has(n));
  if (stale.length) {
    await podmanOk(
      $,
      ["volume", "rm", "--force", "--", ...operands(stale, "volume name")],
      "remove an old snapshot volume",
    );
  }
  const snaps: Snapshot[] = [];
  for (const v of volumes) {
    const copy = snapshotName(v.name);
    await podmanOk($, [
      "volume",
      "create",
      "--label",
      `${SNAPSHOT_LABEL}=${v.name}`,
      "--",
      ...operands([copy], "volume name"),
    ], `create ${copy}`);
    snaps.push({ volume: v.name, source: v.mountpoint, copy, target: "" });
  }
  if (snaps.length === 0) return snaps;
  const out = await podmanOk(
    $,
    ["volume", "inspect", "--format", "{{.Mountpoint}}", "--", ...operands(snaps.map((s) => s.copy), "volume name")],
    "find the snapshot volumes",
  );
  const mounts = out.split("\n").map((l) => l.trim()).filter(Boolean);
  for (const [i, s] of snaps.entries()) {
    const target = mounts[i] ?? "";
    const want = `${volumes[i]!.volumesDir}/${s.copy}/_data`;
    if (target !== want) {
      throw new LegerError(
        `Cannot copy volume ${s.volume}: podman put ${s.copy} at ${target || "(nowhere)"}, not beside it (${want})`,
      );
    }
    s.target = target;
  }
  return snaps;
}

/** A copier waiting for its word (see the module's notes). */
export interface Copier {
  /** Copies now; resolves when every copy is made, throws when one failed. */
  go(): Promise<void>;
  /** Copies nothing and ends the copier. */
  cancel(): Promise<void>;
}

/** The copier's script: one word on stdin, then `rmdir TARGET && cp -a --reflink=always SOURCE TARGET` per pair. */
const COPIER = 'read -r word || exit 3; [ "$word" = go ] || exit 3; ' +
  'while [ $# -gt 1 ]; do rmdir -- "$2" && cp -a --reflink=always -- "$1" "$2" || exit 1; shift 2; done';

/**
 * Starts the copier for `snaps`: under `podman unshare` when `rootless`
 * (the files may belong to sub-uids), else as is. It copies when
 * {@linkcode Copier.go} is called.
 */
export function startCopier($: Shell, snaps: Snapshot[], rootless: boolean): Copier {
  const word = new TransformStream<Uint8Array, Uint8Array>();
  const say = word.writable.getWriter();
  const argv = [
    ...(rootless ? ["podman", "unshare"] : []),
    "sh",
    "-c",
    COPIER,
    "sh",
    ...snaps.flatMap((s) => [s.source, s.target]),
  ];
  const child = $`${argv}`.stdin(word.readable).stdout("null").stderr("piped").noThrow().spawn();
  const result = child.then((r) => ({ code: r.code, stderr: r.stderr }), (e) => ({
    code: -1,
    stderr: (e as Error).message,
  }));
  let said = false;
  return {
    async go() {
      said = true;
      await say.write(new TextEncoder().encode("go\n"));
      await say.close();
      const r = await result;
      if (r.code !== 0) {
        throw new LegerError(
          `Cannot make a reflink copy of ${snaps.map((s) => s.volume).join(", ")}: ${
            lastLines(r.stderr) || `exit ${r.code}`
          }`,
          { hint: "Run the backup again: without a copy, the volume is archived while its units are stopped." },
        );
      }
    },
    async cancel() {
      if (!said) await say.close().catch(() => {});
      said = true;
      await result;
    },
  };
}

/** Removes temporary copies (podman removes sub-uid files too); volumes already gone are passed over. */
export async function dropSnapshots($: Shell, names: string[]): Promise<void> {
  if (names.length) {
    await podmanOk(
      $,
      ["volume", "rm", "--force", "--", ...operands(names, "volume name")],
      `remove ${names.join(", ")}`,
    );
  }
}
