/**
 * The end-to-end tier's hosts and workers. The runner boots one host per
 * suite while the other tiers run ({@linkcode HostPool.preboot}); each
 * file then borrows a host of its suite, and gives it back to be put back
 * as it was (tests/e2e/shared_host.ts) for the next file. A file waits for
 * a host of its suite, or gets one booted when fewer than `max` hosts run;
 * a host whose suite has no file left is stopped at once. A host that
 * died, or that its reset could not clean, is stopped and replaced, after
 * saying what it saw.
 *
 * @module
 */
import { bootHost } from "../../tests/host/host.ts";
import type { Host } from "../../tests/host/guest.ts";
import type { Suite } from "../../tests/host/rootfs.ts";
import { prepareShared, resetShared } from "../../tests/e2e/shared_host.ts";
import type { E2eJob } from "./e2e_plan.ts";

/** A host booted and prepared for sharing (stopped again when the setup fails). */
async function bootShared(suite: Suite): Promise<Host> {
  const host = await bootHost({ suite });
  try {
    await prepareShared(host);
  } catch (e) {
    await host.stop();
    throw e;
  }
  return host;
}

/** Seconds since `started`, one decimal. */
const since = (started: number) => ((Date.now() - started) / 1000).toFixed(1);

/** Booted hosts of each suite, lent to one file at a time. */
export class HostPool {
  readonly #idle: Host[] = [];
  readonly #live = new Set<Host>();
  /** Boots started ahead of time and not handed out yet, by suite. */
  readonly #coming = new Map<Suite, number>();
  #booting = 0;
  #waiters: (() => void)[] = [];
  readonly #max: number;
  readonly #log: (line: string) => void;
  readonly #left: (suite: Suite) => number;
  readonly #bootOne: (suite: Suite) => Promise<Host>;
  readonly #reset: (host: Host) => Promise<void>;
  /** Seconds each boot took (with the shared setup), for the closing report. */
  readonly boots: { suite: Suite; seconds: number }[] = [];
  /** Set by {@linkcode HostPool.close}: the run is being interrupted. */
  closed = false;

  /**
   * `left(suite)`: how many files of the suite have not started yet.
   * `boot` and `reset` default to a real boot with the shared setup, and
   * the shared host's reset.
   */
  constructor(opts: {
    max: number;
    log: (line: string) => void;
    left: (suite: Suite) => number;
    boot?: (suite: Suite) => Promise<Host>;
    reset?: (host: Host) => Promise<void>;
  }) {
    this.#max = opts.max;
    this.#log = opts.log;
    this.#left = opts.left;
    this.#bootOne = opts.boot ?? bootShared;
    this.#reset = opts.reset ?? resetShared;
  }

  async #boot(suite: Suite): Promise<Host> {
    const started = Date.now();
    this.#booting++;
    try {
      const host = await this.#bootOne(suite);
      this.#live.add(host);
      this.boots.push({ suite, seconds: (Date.now() - started) / 1000 });
      this.#log(`booted the shared ${suite} host leger-${host.id} in ${since(started)} s`);
      return host;
    } finally {
      this.#booting--;
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    waiters.forEach((w) => w());
  }

  async #retire(host: Host): Promise<void> {
    this.#live.delete(host);
    const at = this.#idle.indexOf(host);
    if (at >= 0) this.#idle.splice(at, 1);
    await host.stop();
    this.#wake();
  }

  /** Boots one host of each suite, one after another, while the other tiers run. Failures are only logged here. */
  async preboot(suites: readonly Suite[]): Promise<void> {
    for (const suite of suites) this.#coming.set(suite, (this.#coming.get(suite) ?? 0) + 1);
    for (const suite of suites) {
      try {
        if (this.closed) continue;
        const host = await this.#boot(suite);
        this.#idle.push(host);
      } catch (e) {
        this.#log(`could not boot the shared ${suite} host ahead: ${e instanceof Error ? e.message : e}`);
      } finally {
        this.#coming.set(suite, this.#coming.get(suite)! - 1);
        this.#wake();
      }
    }
  }

  /** Whether a file of `suite` could get a host now without waiting for another file to end. */
  ready(suite: Suite): boolean {
    return this.#idle.some((h) => h.suite === suite) || (this.#coming.get(suite) ?? 0) > 0 ||
      this.#live.size + this.#booting < this.#max || this.#idle.some((h) => this.#left(h.suite) === 0);
  }

  /** Waits until a host is given back, retired or booted. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** A host of `suite` for one file: an idle one, one booting ahead, or a new one. */
  async acquire(suite: Suite): Promise<Host> {
    while (true) {
      const at = this.#idle.findIndex((h) => h.suite === suite);
      if (at >= 0) {
        const [host] = this.#idle.splice(at, 1);
        if (host!.alive()) return host!;
        this.#log(`the shared ${suite} host leger-${host!.id} died while idle:\n${await host!.consoleTail()}`);
        await this.#retire(host!);
        continue;
      }
      if ((this.#coming.get(suite) ?? 0) > 0) {
        await this.changed();
        continue;
      }
      const spare = this.#idle.find((h) => this.#left(h.suite) === 0);
      if (spare) {
        await this.#retire(spare);
        continue;
      }
      if (this.#live.size + this.#booting < this.#max) {
        const host = await this.#boot(suite);
        return host;
      }
      await this.changed();
    }
  }

  /** No more files: hosts are neither lent nor reset any more (the runner stops them on its way out). */
  close(): void {
    this.closed = true;
    this.#wake();
  }

  /** Takes a host back after a file: put back as it was for the next file, or stopped when none is left. */
  async release(host: Host): Promise<void> {
    if (this.closed) return;
    if (!host.alive()) {
      this.#log(`the shared ${host.suite} host leger-${host.id} died during the file:\n${await host.consoleTail()}`);
      await this.#retire(host);
      return;
    }
    if (this.#left(host.suite) === 0) {
      await this.#retire(host);
      return;
    }
    const started = Date.now();
    try {
      await this.#reset(host);
      this.#log(`reset the shared ${host.suite} host leger-${host.id} in ${since(started)} s`);
      this.#idle.push(host);
      this.#wake();
    } catch (e) {
      this.#log(`${e instanceof Error ? e.message : e}\nstopping it; the next file gets a new host`);
      await this.#retire(host);
    }
  }

  /** Stops every host. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#live].map((h) => this.#retire(h)));
  }
}

/**
 * Runs `jobs` with `workers` at a time: each worker takes the first job
 * that can start now (a file with its own hosts, or one whose suite has a
 * host free or can get one), so a file waiting for a busy host does not
 * hold back one of another suite.
 */
export async function runJobs(
  jobs: E2eJob[],
  workers: number,
  pool: HostPool,
  run: (job: E2eJob, host: Host | undefined) => Promise<void>,
): Promise<void> {
  const worker = async () => {
    while (jobs.length && !pool.closed) {
      const at = jobs.findIndex((j) => !j.shared || pool.ready(j.suite));
      if (at < 0) {
        await pool.changed();
        continue;
      }
      if (pool.closed) break;
      const [job] = jobs.splice(at, 1);
      if (!job!.shared) {
        await run(job!, undefined);
        continue;
      }
      let host: Host | undefined;
      try {
        host = await pool.acquire(job!.suite);
      } catch (e) {
        // The file then boots a host of its own, and fails saying why if that cannot boot either.
        console.log(`no shared ${job!.suite} host for ${job!.file}: ${e instanceof Error ? e.message : e}`);
        await run(job!, undefined);
        continue;
      }
      try {
        await run(job!, host);
      } finally {
        await pool.release(host);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, worker));
}
