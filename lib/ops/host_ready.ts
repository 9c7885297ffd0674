/**
 * The host check every host-changing operation makes before it changes
 * anything: podman with quadlet (and the backend) usable, systemd reachable.
 * A host that is not ready is exit code 6, and nothing was written: install
 * used to place files and only then find systemd unreachable.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { notReachable } from "../host/systemd_state.ts";

/** Throws exit code 6 (with `leger doctor` in the hint) unless podman and systemd are usable. */
export async function requireHostReady(engine: Engine): Promise<void> {
  await engine.backend();
  const sd = await engine.systemd.reachable();
  if (!sd.ok) throw notReachable(engine.scope, { code: 1, stdout: "", stderr: sd.detail });
}
