/**
 * Measuring work that other processes do, without touching their bytes:
 * the size of a file a compressor writes, and how far a child process has
 * read a file (its position, from /proc/PID/fdinfo). Both poll a few times
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

/** The direct children of this process (every thread's), from /proc. */
function children(): number[] {
  const pids: number[] = [];
  for (const task of Deno.readDirSync("/proc/self/task")) {
    try {
      const text = Deno.readTextFileSync(`/proc/self/task/${task.name}/children`);
      for (const p of text.split(/\s+/)) if (p) pids.push(Number(p));
    } catch { /* thread ended */ }
  }
  return pids;
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
