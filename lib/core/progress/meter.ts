/**
 * Progress of long work (a volume archived or restored, a large fetch):
 * bytes done, the rate over the last seconds and an estimate of the time
 * left, handed to the logger at most a few times a second. How it is shown
 * is the logger's business (lib/core/log.ts: a line updated in place on a
 * terminal, `--json` events on stderr, nothing when piped or `--quiet`).
 *
 * @module
 */

/** One progress report. */
export interface ProgressUpdate {
  /** What is being done ("back up volume web-data"). */
  task: string;
  /** Bytes done so far. */
  done: number;
  /** Bytes in all, when known or estimated. */
  total?: number;
  /** Whether `total` is an estimate (e.g. the size of the last archive). */
  estimated?: boolean;
  /** Bytes per second over the last few seconds. */
  rate: number;
  /** Seconds left at that rate, when a total is known. */
  etaSeconds?: number;
  /** The last report of this task. */
  finished: boolean;
}

/** Where progress goes: the logger's optional `progress` method. */
export interface ProgressSink {
  progress?(update: ProgressUpdate): void;
}

/** A task in progress. */
export interface ProgressTask {
  /** Bytes done so far (reports at most every `intervalMs`). */
  update(done: number): void;
  /** The task ended (reports once more, finished). */
  end(): void;
}

/** Options of {@linkcode startProgress}. */
export interface ProgressOptions {
  total?: number;
  estimated?: boolean;
  /** Least time between two reports (default 500 ms). */
  intervalMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** The rate is taken over this window, so a stall shows within seconds. */
const WINDOW_MS = 5_000;

/**
 * Starts reporting `task` to `sink`. Reports nothing at all when the sink
 * takes no progress (a logger without the method).
 */
export function startProgress(sink: ProgressSink, task: string, options: ProgressOptions = {}): ProgressTask {
  const report = sink.progress?.bind(sink);
  if (!report) return { update() {}, end() {} };
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 500;
  const samples: Array<[number, number]> = [[now(), 0]];
  let last = -Infinity;
  let done = 0;
  let ended = false;
  const emit = (finished: boolean) => {
    const t = now();
    while (samples.length > 2 && t - samples[1]![0] > WINDOW_MS) samples.shift();
    const [t0, d0] = samples[0]!;
    const rate = t > t0 ? Math.max(0, ((done - d0) * 1000) / (t - t0)) : 0;
    const total = options.total !== undefined ? Math.max(options.total, done) : undefined;
    const update: ProgressUpdate = { task, done, rate, finished };
    if (total !== undefined) {
      update.total = total;
      if (options.estimated) update.estimated = true;
      if (!finished && rate > 0) update.etaSeconds = Math.round((total - done) / rate);
    }
    report(update);
    last = t;
  };
  return {
    update(bytes: number) {
      if (ended) return;
      done = bytes;
      const t = now();
      samples.push([t, bytes]);
      if (t - last >= interval) emit(false);
    },
    end() {
      if (ended) return;
      ended = true;
      emit(true);
    },
  };
}

/** Bytes as people read them (`512 B`, `1.5 KiB`, `2.0 GiB`). */
export function humanSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** Seconds as people read them (`7 s`, `3 min 5 s`, `2 h 10 min`). */
export function shortDuration(s: number): string {
  if (s < 60) return `${Math.max(0, Math.round(s))} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** One line for people: `back up volume data: 412 MiB of ~1.0 GiB, 85 MiB/s, about 7 s left`. */
export function progressLine(u: ProgressUpdate): string {
  const of = u.total !== undefined ? ` of ${u.estimated ? "~" : ""}${humanSize(u.total)}` : "";
  const rate = u.rate > 0 ? `, ${humanSize(u.rate)}/s` : "";
  const eta = u.finished ? ", done" : u.etaSeconds !== undefined ? `, about ${shortDuration(u.etaSeconds)} left` : "";
  return `${u.task}: ${humanSize(u.done)}${of}${rate}${eta}`;
}
