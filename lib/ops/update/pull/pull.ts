/**
 * Pulling a new version's images before its old units stop. Without it
 * systemd pulls inside the unit's start: the set is down for the whole
 * download and nothing moves on screen. Here each image the new version's
 * units would pull (lib/ops/update/pull/plan.ts) and that is not in the
 * local store is pulled first, with a progress line (the bytes its
 * connections have downloaded, their rate: ./received.ts); a pull that fails stops the
 * apply before anything is stopped or changed. Images already present
 * are left to the units' own policy (`always` and `newer` still ask the
 * registry at start, as they would without leger).
 *
 * @module
 */
import type { Engine } from "../../../engine.ts";
import { LegerError } from "../../../core/errors.ts";
import { operand } from "../../../core/argv.ts";
import { run } from "../../../host/shell.ts";
import { watching } from "../../../core/progress/watch.ts";
import type { CollectedFile } from "../../../source/collect.ts";
import { neededImages } from "./plan.ts";
import { watchReceived } from "./received.ts";

/** Whether the local store has `image` (`podman image exists`). */
async function present(engine: Engine, image: string): Promise<boolean> {
  const r = await run(engine.$, ["podman", "image", "exists", "--", operand(image, "image name")]);
  if (r.code === 0) return true;
  if (r.code === 1) return false;
  throw new LegerError(`Cannot tell whether ${image} is present: podman said: ${lastLine(r.stderr || r.stdout)}`);
}

function lastLine(text: string): string {
  return text.trim().split("\n").filter(Boolean).pop() ?? "";
}

/**
 * `podman pull` of one image, showing the bytes downloaded as it goes; throws a
 * LegerError with podman's last line when it fails.
 */
export async function pullShowing(engine: Engine, image: string): Promise<void> {
  const argv = ["podman", "pull", "--quiet", "--", operand(image, "image name")];
  const r = await watching(
    engine.log,
    `pull ${image}`,
    {},
    (on) => watchReceived(engine.$, on),
    () => run(engine.$, argv),
  );
  if (r.code !== 0) throw new LegerError(`Cannot pull ${image}: ${lastLine(r.stderr) || `exit ${r.code}`}`);
}

/**
 * Pulls the images `files` need that the local store lacks (see the
 * module notes); returns those pulled. `what` names the work for the
 * error (e.g. "apply web").
 */
export async function pullMissing(engine: Engine, files: readonly CollectedFile[], what: string): Promise<string[]> {
  const pulled: string[] = [];
  for (const need of neededImages(files)) {
    if (await present(engine, need.image)) continue;
    engine.log.step(`Pulling ${need.image} (for ${need.units.join(", ")}) before anything stops`);
    try {
      await pullShowing(engine, need.image);
    } catch (error) {
      throw new LegerError(`Cannot ${what}: ${(error as Error).message}`, {
        cause: error,
        hint:
          `Nothing was stopped or changed. Check the image name in ${need.units.join(", ")}, the registry and your ` +
          `login (podman login), then run the command again.`,
        details: { image: need.image, units: need.units },
      });
    }
    pulled.push(need.image);
  }
  return pulled;
}
