/**
 * What the long-lived daemon (lib/daemon/supervisor.ts) asks of a cycle and
 * what a cycle answers. A cycle is one secrets sync or one update check; in
 * production each runs in a short-lived `leger daemon cycle` child
 * (lib/daemon/spawn_runner.ts), which loads the libraries the work needs and
 * gives their memory back when it exits. Everything here is plain JSON.
 *
 * @module
 */
import type { SyncReport } from "../secrets/sync.ts";
import type { SecretStatus } from "../secrets/sync_state.ts";
import type { FleetResult } from "../fleet/pull.ts";

/** How a child's answer line starts: anything else it prints (a user's hook may) is not the answer. */
export const ANSWER_MARK = "leger-cycle-answer ";

/** A secrets cycle: a poll, or a sync asked for on the control socket. */
export interface SecretsRequest {
  /** Only this Setec secret (asked syncs). */
  only?: string;
  /** Change nothing (asked syncs). */
  dryRun?: boolean;
  /**
   * Asked for on the socket (by `leger secrets sync`, or by install while it
   * holds the scope lock): runs without the lock; the restarts then wait
   * for it. A poll (false) runs only with the lock and is deferred without.
   */
  asked?: boolean;
}

/** What a secrets cycle answers. */
export interface SecretsReply {
  /** A Setec server is configured or a set declares a secret: the daemon syncs secrets. */
  enabled: boolean;
  /** The Setec server (empty when none). */
  server: string;
  /** daemon.poll-interval in ms, as config.yaml says now. */
  pollIntervalMs: number;
  /** A poll found the scope lock held by another leger run: nothing was done. */
  deferred?: boolean;
  /** The sync's report (absent when deferred or not enabled). */
  report?: SyncReport;
  /**
   * Each secret the installed sets declare, with what the cache holds for it (version, fetch time, never the
   * value), read after the sync, or without one when deferred; the daemon adds what its cycles saw.
   */
  secrets: SecretStatus[];
  /** Units whose restart waits for the scope lock (asked syncs while another run holds it). */
  waiting?: string[];
}

/** An update cycle: a tick (due sets only), or `leger update --now`. */
export interface UpdatesRequest {
  /** Check these sets now, whatever their interval (all sets when empty). Absent: a tick. */
  now?: string[];
}

/** One set's outcome in an update cycle. */
export interface UpdateCycleResult {
  name: string;
  result: string;
  commit?: string;
}

/** What an update cycle answers. */
export interface UpdatesReply {
  /** Some set has a git source and a policy other than off, or config.yaml names a fleet repository. */
  followed: boolean;
  /** When the cycle ended (ISO); absent when nothing was followed. */
  at?: string;
  /** Per set. */
  results: UpdateCycleResult[];
  /** Why the cycle failed as a whole. */
  error?: string;
  /** The fleet sync's last result (`fleet:` in config.yaml). */
  fleet?: FleetResult;
  /** How long until a set (or the fleet repository) may be due again, in ms. */
  nextDueMs?: number;
}

/** Runs cycles: in short-lived children in production, in-process in tests. */
export interface CycleRunner {
  secrets(request: SecretsRequest): Promise<SecretsReply>;
  updates(request: UpdatesRequest): Promise<UpdatesReply>;
  /** Ends what still runs (children finishing their restarts); the daemon stops. */
  close(): Promise<void>;
}
