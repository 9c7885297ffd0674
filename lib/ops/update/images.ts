/**
 * Image updates with a whole-set rollback. For a set whose containers have
 * `AutoUpdate=`, podman's own check (`podman auto-update --dry-run`) says
 * which of the set's units have a newer image (`local`: the tag moved in
 * the local store; `registry`: the registry has a new digest). leger then
 * does for those units what `podman auto-update` would (pull for
 * `registry`, restart), but gated like an apply: a backup first, leger's
 * health check on every unit of the set, and when a unit comes up
 * unhealthy the whole set goes back: the old images re-tagged, then files
 * and volume data from the backup. A new image that failed is remembered
 * and not tried again (the updater keeps those in its record).
 *
 * `podman auto-update` itself is not run: it updates every unit of the
 * user (or of the system) at once, other sets' too, and rolls back only
 * the unit whose start fails.
 *
 * @module
 */
import { z } from "zod";
import type { Engine } from "../../engine.ts";
import { LegerError } from "../../core/errors.ts";
import type { Manifest } from "../../state/manifest.ts";
import { run } from "../../host/shell.ts";
import { loadSetFiles } from "../../state/store.ts";
import { describeFailures, gateOptions, waitHealthy } from "../health.ts";
import { parseDuration } from "../../core/duration.ts";
import type { Guard } from "../guard.ts";
import { unitArgs } from "../../host/systemd.ts";
import { operand } from "../../core/argv.ts";
import { pullShowing } from "./pull/pull.ts";

const AutoUpdateRow = z.object({
  Unit: z.string(),
  ContainerID: z.string().optional().default(""),
  ContainerName: z.string().optional().default(""),
  Container: z.string().optional().default(""),
  Image: z.string(),
  Policy: z.string(),
  Updated: z.string(),
});

/** A unit of the set whose image podman reports as newer. */
export interface PendingImage {
  unit: string;
  container: string;
  image: string;
  policy: string;
}

/** The set's units with a newer image, as `podman auto-update --dry-run` sees them. */
export async function pendingImages(engine: Engine, units: readonly string[]): Promise<PendingImage[]> {
  const r = await run(engine.$, ["podman", "auto-update", "--dry-run", "--format", "json"]);
  if (r.code !== 0) {
    throw new LegerError(
      `Cannot check for image updates: podman said: ${(r.stderr || r.stdout).trim().split("\n").pop()}`,
    );
  }
  const text = r.stdout.trim();
  if (text === "" || text === "null") return [];
  const rows = z.array(AutoUpdateRow).safeParse(JSON.parse(text));
  if (!rows.success) throw new LegerError(`Cannot read podman auto-update's answer: ${rows.error.issues[0]?.message}`);
  return rows.data.filter((row) => units.includes(row.Unit) && row.Updated === "pending").map((row) => ({
    unit: row.Unit,
    container: row.ContainerName || row.Container || row.ContainerID,
    image: row.Image,
    policy: row.Policy,
  }));
}

/** The image id a container runs, or an image name points at. */
export async function imageId(engine: Engine, what: "container" | "image", ref: string): Promise<string> {
  const args = what === "container"
    ? ["podman", "container", "inspect", "--format", "{{.Image}}", "--", operand(ref, "container name")]
    : ["podman", "image", "inspect", "--format", "{{.Id}}", "--", operand(ref, "image name")];
  const r = await run(engine.$, args);
  const id = r.stdout.trim();
  if (r.code !== 0 || !/^[0-9a-f]{12,64}$/.test(id)) {
    throw new LegerError(`Cannot read the image of ${ref}: ${(r.stderr || r.stdout).trim()}`);
  }
  return id;
}

/** Puts the name `image` back on the image `id`. */
export async function tagImage(engine: Engine, id: string, image: string): Promise<void> {
  await run(engine.$, ["podman", "tag", "--", id, operand(image, "image name")]);
}

/** What an image update did. */
export interface ImageUpdateResult {
  outcome: "applied" | "rolled-back" | "known-bad";
  units: string[];
  /** New image ids by image name. */
  images: Record<string, string>;
  error?: string;
  failed?: Array<{ unit: string; state: string; journal: string }>;
}

/**
 * Updates the pending images of a set, gated by the health check; rolls
 * the whole set back when it does not come up (the caller holds the scope
 * lock). Images in `knownBad` (rolled back from before) are not tried again.
 */
export async function updateImages(
  engine: Engine,
  guard: Guard,
  manifest: Manifest,
  pending: PendingImage[],
  knownBad: readonly string[],
): Promise<ImageUpdateResult> {
  const name = manifest.name;
  const old = new Map<string, string>(); // image name -> id the containers run now
  for (const p of pending) old.set(p.image, await imageId(engine, "container", p.container));
  for (const p of pending) {
    if (p.policy === "registry") await pullShowing(engine, p.image);
  }
  const images: Record<string, string> = {};
  for (const image of old.keys()) images[image] = await imageId(engine, "image", image);
  const units = [...new Set(pending.map((p) => p.unit))];
  if (Object.values(images).every((id) => knownBad.includes(id))) {
    return { outcome: "known-bad", units, images };
  }
  const { backup } = await import("../backup/create.ts");
  const saved = await backup(engine, guard, name, { reason: "before-apply", note: "before an image update" });
  engine.log.step(`Restarting ${units.join(", ")} on the new image${units.length > 1 ? "s" : ""}`);
  for (const unit of units) await engine.systemd.systemctl(unitArgs("restart", [unit]));
  const timeoutMs = parseDuration(engine.config["health-timeout"], "health-timeout");
  const health = await waitHealthy(
    engine,
    manifest.units,
    gateOptions(engine, await loadSetFiles(engine.paths, name), timeoutMs),
  );
  if (health.ok) return { outcome: "applied", units, images };
  // The whole set goes back: old images under their names, then files and volumes from the backup.
  engine.log.error(`${name} did not come up on the new image:\n${describeFailures(health.failed)}`);
  for (const [image, id] of old) await tagImage(engine, id, image);
  const { restore } = await import("../backup/restore.ts");
  await restore(engine, guard, name, saved.id, { skipPreBackup: true, healthTimeoutMs: timeoutMs });
  return {
    outcome: "rolled-back",
    units,
    images,
    error: `${health.failed.map((f) => f.unit).join(", ")} did not come up on the new image`,
    failed: health.failed,
  };
}
