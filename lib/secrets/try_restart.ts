/**
 * Restarting the users of a rotated secret the way a rotation must:
 * `systemctl try-restart`, which restarts running units and leaves stopped
 * ones stopped (a unit the user stopped with `leger stop`, or one a backup
 * stopped for a consistent copy, is never started by a rotation).
 *
 * @module
 */
import { LegerError } from "../core/errors.ts";
import { type Systemd, unitArgs } from "../host/systemd.ts";

/** Restarts the running units among `units`; stopped ones stay stopped. */
export async function tryRestartUnits(systemd: Systemd, units: string[]): Promise<void> {
  if (!units.length) return;
  const r = await systemd.systemctl(unitArgs("try-restart", units));
  if (r.code !== 0) {
    throw new LegerError(
      `Cannot restart ${units.join(" ")} after a secret rotation: systemctl said: ${
        (r.stderr || r.stdout).trim() || `exit ${r.code}`
      }`,
      { hint: "Check `leger list` and `systemctl status` of the units; restart them with `leger restart SET`." },
    );
  }
}
