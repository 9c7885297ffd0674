/**
 * The shape of the daemon's status, as `GET /status` answers it and
 * `leger secrets status` prints it.
 *
 * @module
 */
import type { SecretStatus } from "../secrets/sync_state.ts";
import type { FleetResult } from "../fleet/pull.ts";

/** The daemon's status. */
export interface DaemonStatus {
  /** Process id of the daemon. */
  pid: number;
  /** When it started (ISO). */
  startedAt: string;
  /** Time since start in ms. */
  uptimeMs: number;
  /** The Setec server it polls. */
  server: string;
  /** daemon.poll-interval in ms. */
  pollIntervalMs: number;
  /** When the next poll is due (ISO), if scheduled. */
  nextPollAt?: string;
  /** When the last sync cycle ended (ISO). */
  lastSyncAt?: string;
  /** Cycles in a row that could not reach Setec (or failed outright). */
  consecutiveFailures: number;
  /** Why the last cycle failed as a whole, if it did. */
  lastCycleError?: string;
  /** One entry per declared secret. */
  secrets: SecretStatus[];
  /** Unattended updates: when the last cycle ran and what it did per set. */
  updates?: {
    lastCycleAt?: string;
    lastError?: string;
    sets: Array<{ name: string; result: string; commit?: string }>;
    /** The last look at the fleet repository (`fleet:` in config.yaml): what it assigns here and what was done. */
    fleet?: FleetResult;
  };
}
