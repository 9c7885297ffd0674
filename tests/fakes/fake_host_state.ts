/**
 * The state of a fake host, kept as one JSON file in its folder so that
 * several processes (the in-test fakes and the `tests/fakes/bin` scripts)
 * share it. Every command runs as one transaction: take the flock, read,
 * change, write, release. Transactions are synchronous, so two calls in
 * one process cannot interleave either.
 *
 * @module
 */
import { join } from "node:path";
import type { Ini } from "./fake_host_ini.ts";

/** A systemd unit the fake manager knows. */
export interface UnitRecord {
  /** Unit name, e.g. `web.service`. */
  name: string;
  /** Quadlet file it was generated from at the last daemon-reload (absent: not loaded). */
  source?: string;
  /** Quadlet kind of the source. */
  kind?: string;
  /** Keys of the source (with drop-ins) as of the last daemon-reload. */
  def?: Ini;
  /** Template this instance comes from (`foo@.service`). */
  template?: string;
  /** ActiveState. */
  active: string;
  /** SubState. */
  sub: string;
  /** Result of the last run. */
  result: string;
  /** How often systemd restarted it. */
  nRestarts: number;
  /** MainPID (0 when not running). */
  mainPid: number;
  /** When it entered its ActiveState (ms). */
  since: number;
  /** The next thing that happens to it by itself. */
  next?: { at: number; event: "crash" | "restart" };
  /** Restarts in the current start-limit burst. */
  burst: number;
  /** FreezerState=frozen (`systemctl freeze`: systemd/freezer.ts). */
  frozen?: boolean;
}

/** One journal line. */
export interface JournalRecord {
  /** ms since the epoch. */
  t: number;
  /** Unit it belongs to ("" for the manager itself). */
  unit: string;
  /** Syslog identifier and pid, e.g. `podman[1234]`. */
  ident: string;
  /** The message. */
  msg: string;
}

/** A podman volume. Its content is a real folder (`Mountpoint`). */
export interface VolumeRecord {
  name: string;
  createdAt: string;
  labels: Record<string, string>;
  mountpoint: string;
}

/** A podman secret; the value is kept (base64) but no command prints it. */
export interface SecretRecord {
  id: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

/** A running container made by a unit. */
export interface ContainerRecord {
  id: string;
  name: string;
  image: string;
  unit: string;
  ports: string[];
  volumes: string[];
  secrets: string[];
  startedAt: string;
}

/** One command the host ran. */
export interface CallRecord {
  /** podman, systemctl or journalctl. */
  tool: string;
  /** Arguments after the tool name. */
  args: string[];
  /** Bytes received on stdin (never the bytes themselves). */
  stdinLength: number;
  /** ms since the epoch. */
  t: number;
}

/** Everything the fake host holds. */
export interface HostState {
  schema: 1;
  /** Which systemd manager the quadlets belong to. */
  scope: "user" | "system";
  podmanVersion: string;
  /** The folder the generator and `podman quadlet` use. */
  quadletDir: string;
  /** Where volumes keep their data. */
  volumeRoot: string;
  /** Images in the local store (normalised names). */
  images: string[];
  /** Images a pull can fetch (normalised); everything else fails as unreachable. */
  registry: string[];
  /** How long a crashing container stays up (ms). */
  crashAfterMs: number;
  /** Units that crash whatever their config. */
  crashUnits: string[];
  units: Record<string, UnitRecord>;
  journal: JournalRecord[];
  volumes: Record<string, VolumeRecord>;
  networks: Record<string, { id: string; createdAt: string }>;
  secrets: Record<string, SecretRecord>;
  containers: Record<string, ContainerRecord>;
  /** What the generator refused at the last daemon-reload. */
  generatorErrors: string[];
  calls: CallRecord[];
  nextPid: number;
  reloads: number;
}

/** File of the state inside a host folder. */
export function stateFile(dir: string): string {
  return join(dir, "state.json");
}

/** Reads, changes and writes the state under an exclusive flock. */
export function transact<T>(dir: string, fn: (state: HostState) => T): T {
  const lock = Deno.openSync(join(dir, "state.lock"), { read: true, write: true, create: true });
  try {
    lock.lockSync(true);
    const state = JSON.parse(Deno.readTextFileSync(stateFile(dir))) as HostState;
    const out = fn(state);
    const tmp = `${stateFile(dir)}.tmp-${Deno.pid}`;
    Deno.writeTextFileSync(tmp, JSON.stringify(state));
    Deno.renameSync(tmp, stateFile(dir));
    return out;
  } finally {
    try {
      lock.unlockSync();
    } finally {
      lock.close();
    }
  }
}

/** Reads the state without changing it (still under the lock). */
export function peek<T>(dir: string, fn: (state: HostState) => T): T {
  const lock = Deno.openSync(join(dir, "state.lock"), { read: true, write: true, create: true });
  try {
    lock.lockSync(false);
    return fn(JSON.parse(Deno.readTextFileSync(stateFile(dir))) as HostState);
  } finally {
    try {
      lock.unlockSync();
    } finally {
      lock.close();
    }
  }
}

/** A podman-like 64-hex-digit ID. */
export function newId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares "5.8.6" with major.minor. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split(".").map(Number);
  return a > major || (a === major && b >= minor);
}

// ---------------------------------------------------------------- a transaction

/** What a fake command answers (structurally lib/host/shell.ts's FakeResult). */
export interface Answer {
  code?: number;
  stdout?: string | Uint8Array;
  stderr?: string;
}

/** One transaction's view: the state, the clock, and which manager is asked. */
export interface Ctx {
  state: HostState;
  now: number;
}

const MANAGER_PID = 1187;

// ---------------------------------------------------------------- journal

/** Adds a journal line. */
export function log(ctx: Ctx, unit: string, ident: string, msg: string): void {
  ctx.state.journal.push({ t: ctx.now, unit, ident, msg });
  if (ctx.state.journal.length > 5000) ctx.state.journal.splice(0, ctx.state.journal.length - 5000);
}

export function manager(ctx: Ctx): string {
  return ctx.state.scope === "user" ? `systemd[${MANAGER_PID}]` : "systemd[1]";
}

export function nextPid(ctx: Ctx): number {
  return ctx.state.nextPid++;
}
