/**
 * Which images a version of a set will pull when its units start, as
 * podman decides it: a `.container`'s `Image=` under its `Pull=` policy
 * (default `missing`), an `.image` unit's `Image=` under its `Policy=`
 * (default `always`). `never` never pulls, so it is never pulled here.
 * Only what can be pulled exactly as the unit would pull it is listed:
 * a unit whose pull depends on options leger would have to copy (an
 * `.image` unit's credentials, TLS, platform or auth file; `GlobalArgs=`,
 * `PodmanArgs=` or `ContainersConfModule=`, which may change the storage
 * or the pull itself; a `REGISTRY_AUTH_FILE` or `CONTAINERS_*` setting in
 * `[Service]`), a template's `%` specifiers, and images another unit
 * builds or pulls (`x.image`, `x.build`) are left to the unit's own start.
 *
 * @module
 */
import type { CollectedFile } from "../../../source/collect.ts";
import { loadSet, lookup } from "../../../quadlet/set.ts";
import { listValues } from "../../../quadlet/parse.ts";

/** An image the units will need, and who needs it. */
export interface NeededImage {
  image: string;
  /** Unit files that name it. */
  units: string[];
}

/** Keys of an `.image` unit that change how podman pulls. */
const IMAGE_PULL_KEYS = [
  "AllTags",
  "Arch",
  "AuthFile",
  "CertDir",
  "Creds",
  "DecryptionKey",
  "OS",
  "TLSVerify",
  "Variant",
];
/** Keys that may change podman's storage or the pull, in any unit. */
const PODMAN_KEYS = ["GlobalArgs", "PodmanArgs", "ContainersConfModule"];

/** The images the set's units may pull at their start (see the module notes), in file order. */
export function neededImages(files: readonly CollectedFile[]): NeededImage[] {
  const set = loadSet(files.map((f) => ({ name: f.name, text: f.text })));
  const out = new Map<string, string[]>();
  for (const u of set.units.values()) {
    if (!u.loadable || u.template) continue;
    if (u.kind !== "container" && u.kind !== "image") continue;
    const section = u.section;
    const unit = u.merged;
    if (PODMAN_KEYS.some((k) => listValues(unit, section, k).length > 0)) continue;
    const env = listValues(unit, "Service", "Environment").join(" ");
    if (/REGISTRY_AUTH_FILE|CONTAINERS_/.test(env)) continue;
    let image: string | undefined;
    let policy: string;
    if (u.kind === "container") {
      if (lookup(unit, section, "Rootfs")) continue;
      image = lookup(unit, section, "Image");
      policy = lookup(unit, section, "Pull") ?? "missing";
    } else {
      if (IMAGE_PULL_KEYS.some((k) => lookup(unit, section, k) !== undefined)) continue;
      image = lookup(unit, section, "Image");
      policy = lookup(unit, section, "Policy") ?? "always";
    }
    if (!image || image.endsWith(".image") || image.endsWith(".build") || image.includes("%")) continue;
    if (policy === "never") continue;
    out.set(image, [...(out.get(image) ?? []), u.file]);
  }
  return [...out].map(([image, units]) => ({ image, units }));
}
