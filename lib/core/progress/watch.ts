/**
 * Measuring work that other processes do, without touching their bytes:
 * the size of a file a compressor writes, how far a child process has
 * read a file (its position, from /proc/PID/fdinfo), and how many bytes the
 * children have read in all (an image pull: /proc/PID/io). Both poll a few times
 * a second and stop when told; a failed look is simply skipped (the work
 * goes on whether or not it can be watched).
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

/**
 * Bytes that this process's children and their children have read so far
 * (`rchar`: files and sockets alike), or undefined when none can be seen.
 * A pull reads the registry's answer through a socket: this is what it has
 * downloaded, give or take the files it reads besides.
 */
export function childrenReadBytes(): number | undefined {
  let total: number | undefined;
  const walk = (pids: number[], depth: number) => {
    for (const pid of pids) {
      try {
        const m = /^rchar:\s+(\d+)/m.exec(Deno.readTextFileSync(`/proc/${pid}/io`));
        if (m) total = (total ?? 0) + Number(m[1]);
      } catch { /* gone, or not ours to read */ }
      if (depth < 4) walk(children(pid), depth + 1);
    }
  };
  walk(children(), 0);
  return total;
}

/**
 * Reports the bytes the children read (see {@linkcode childrenReadBytes}),
 * never less than reported before (a child that ended takes its count along).
 */
export function watchChildrenRead(onBytes: (n: number) => void, everyMs = 250): Watch {
  let most = 0;
  return poll(
    () => {
      const n = childrenReadBytes();
      if (n === undefined || n < most) return undefined;
      most = n;
      return n;
    },
    onBytes,
    everyMs,
  );
}

/** How far a child of this process has read `path`: the position of the descriptor it has open on it. */
export function childReadPosition(path: string): number | undefined {
  for (const pid of children()) {
    let fds: Deno.DirEntry[];
    try {
      fds = [...Deno.readDirSync(`/proc/${pid}/fd`)];
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`);
      } catch {
        continue;
      }
      if (target !== path) continue;
      const info = Deno.readTextFileSync(`/proc/${pid}/fdinfo/${fd.name}`);
      const m = /^pos:\s+(\d+)/m.exec(info);
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
