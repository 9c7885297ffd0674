/**
 * Measuring work that other processes do, without touching their bytes:
 * the size of a file a compressor writes, how far a child process has
 * read a file (its position, from /proc/PID/fdinfo), and which sockets the
 * children hold (what an image pull downloads through:
 * lib/ops/update/pull/received.ts).
 * Each polls a few times a second and stops when told; a failed look is
 * simply skipped (the work goes on whether or not it can be watched).
 *
 * @module
 */
import { type ProgressOptions, type ProgressSink, startProgress } from "./meter.ts";

/** A watch that polls until stopped. */
export interface Watch {
  stop(): void;
}

/** Polls `look` every `everyMs` and hands each number it finds to `onBytes`. */
function poll(look: () => number | undefined, onBytes: (n: number) => void, everyMs: number): Watch {
  const timer = setInterval(() => {
    try {
      const n = look();
      if (n !== undefined) onBytes(n);
    } catch { /* the file or process went: nothing to report this time */ }
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}

/**
 * Like {@linkcode poll} for a look that takes time (it runs a program): the
 * next look starts `everyMs` after the last one ended, never two at once.
 */
export function pollAsync(
  look: () => Promise<number | undefined>,
  onBytes: (n: number) => void,
  everyMs: number,
): Watch {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const next = () => {
    timer = setTimeout(async () => {
      try {
        const n = await look();
        if (n !== undefined && !stopped) onBytes(n);
      } catch { /* nothing to report this time */ }
      if (!stopped) next();
    }, everyMs);
  };
  next();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** Reports the size of `path` as it grows (a compressor writing an archive). */
export function watchFileSize(path: string, onBytes: (n: number) => void, everyMs = 250): Watch {
  return poll(() => Deno.statSync(path).size, onBytes, everyMs);
}

/** The direct children of a process (every thread's; this one by default), from /proc. */
function children(of: number | "self" = "self"): number[] {
  const pids: number[] = [];
  let tasks: Deno.DirEntry[];
  try {
    tasks = [...Deno.readDirSync(`/proc/${of}/task`)];
  } catch {
    return pids; // the process ended
  }
  for (const task of tasks) {
    try {
      const text = Deno.readTextFileSync(`/proc/${of}/task/${task.name}/children`);
      for (const p of text.split(/\s+/)) if (p) pids.push(Number(p));
    } catch { /* thread ended */ }
  }
  return pids;
}

/** This process's children and theirs, five generations down (podman re-runs itself in a user namespace). */
function descendants(): number[] {
  const out: number[] = [];
  const walk = (pids: number[], depth: number) => {
    for (const pid of pids) {
      out.push(pid);
      if (depth < 4) walk(children(pid), depth + 1);
    }
  };
  walk(children(), 0);
  return out;
}

/** What the open descriptors of `pid` point to: [descriptor, target] pairs (none when it is gone or not ours). */
function descriptors(pid: number): Array<[string, string]> {
  let fds: Deno.DirEntry[];
  try {
    fds = [...Deno.readDirSync(`/proc/${pid}/fd`)];
  } catch {
    return [];
  }
  const out: Array<[string, string]> = [];
  for (const fd of fds) {
    try {
      out.push([fd.name, Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`)]);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/**
 * The inodes of the sockets this process's children and their children
 * hold open (the `socket:[N]` their descriptors link to): what `ss -e`
 * shows as `ino:N`.
 */
export function childrenSockets(): Set<string> {
  const inodes = new Set<string>();
  for (const pid of descendants()) {
    for (const [, target] of descriptors(pid)) {
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m) inodes.add(m[1]!);
    }
  }
  return inodes;
}

/** How far a child of this process has read `path`: the position of the descriptor it has open on it. */
export function childReadPosition(path: string): number | undefined {
  for (const pid of children()) {
    for (const [fd, target] of descriptors(pid)) {
      if (target !== path) continue;
      const m = /^pos:\s+(\d+)/m.exec(Deno.readTextFileSync(`/proc/${pid}/fdinfo/${fd}`));
      if (m) return Number(m[1]);
    }
  }
  return undefined;
}

/** Reports how far a child process (a decompressor) has read `path`. */
export function watchChildRead(path: string, onBytes: (n: number) => void, everyMs = 250): Watch {
  // A descriptor's link names the file by its real path (a backup folder reached through a link).
  let real = path;
  try {
    real = Deno.realPathSync(path);
  } catch { /* not there yet: watched by the name given */ }
  return poll(() => childReadPosition(real), onBytes, everyMs);
}

/**
 * Runs `work` while `watch` reports its bytes to `sink` as the task `task`
 * (see lib/core/progress/meter.ts); the watch stops and the task ends however
 * `work` ends.
 */
export async function watching<T>(
  sink: ProgressSink,
  task: string,
  options: ProgressOptions,
  watch: (onBytes: (n: number) => void) => Watch,
  work: () => Promise<T>,
): Promise<T> {
  if (!sink.progress) return await work();
  const meter = startProgress(sink, task, options);
  const w = watch((n) => meter.update(n));
  try {
    return await work();
  } finally {
    w.stop();
    meter.end();
  }
}
