/**
 * `--json` of adopting what a host already runs: the unowned groups `leger
 * list --all` adds, `leger adopt` and `leger export`.
 *
 * @module
 */
import { z } from "zod";
import { UnitStateJson, versionField } from "./parts.ts";

const Grouping = z.enum(["app", "folder", "dependencies"]).describe(
  "app: a podman 5.x application (.NAME.app); folder: a podman 6 application folder; dependencies: a unit and what it reaches through Volume=, Network=, Pod=, Image= and [Unit] dependencies",
);

/** One file of an unowned group. */
export const FoundFileJson = z.strictObject({
  name: z.string().describe("name inside the group, e.g. web.container.d/10-env.conf"),
  path: z.string(),
  kind: z.enum(["quadlet", "asset"]),
});

/** One group of quadlets no set owns (`leger list --all`). */
export const UnownedJson = z.strictObject({
  name: z.string().describe("the set name leger adopt gives it"),
  grouping: Grouping,
  dir: z.string().describe("the folder its files are in"),
  state: z.string().describe("active, failed, inactive, partial or none, as for a set"),
  units: z.array(UnitStateJson),
  files: z.array(FoundFileJson),
});

/** `leger adopt --json`. */
export const AdoptJson = z.strictObject({
  version: versionField(1),
  dryRun: z.boolean().describe("true: nothing was written, the sets are what would be made"),
  sets: z.array(z.strictObject({
    name: z.string(),
    grouping: Grouping,
    dir: z.string(),
    files: z.array(z.strictObject({
      name: z.string(),
      sha256: z.string(),
      path: z.string(),
      kind: z.enum(["quadlet", "asset", "meta"]),
    })),
    units: z.array(z.string()).describe("systemd units of the set; none was restarted"),
  })),
});

/** `leger export --json`. */
export const ExportJson = z.strictObject({
  version: versionField(1),
  name: z.string(),
  dir: z.string().describe("the folder written"),
  files: z.array(z.string()).describe("files written, relative to dir"),
  secrets: z.array(z.string()).describe("Podman secrets the units use, declared in the .leger.yaml written"),
  keptLegerYaml: z.boolean().describe("the set had a .leger.yaml of its own, written as it was"),
});
