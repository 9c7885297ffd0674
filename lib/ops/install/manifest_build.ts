/**
 * Building a manifest from a set's files and where they came from.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { LEGER_YAML } from "../../meta/set_meta.ts";
import { summarizeSet } from "../../quadlet/model.ts";
import type { CollectedFile } from "../../source/collect.ts";
import type { FileRecord, Manifest, SourceRecord } from "../../state/manifest.ts";
import type { TrustRecord } from "../../trust/record.ts";

/**
 * The manifest of `files` installed as `name`. The YAML reader is loaded
 * only for a set that has a `.leger.yaml` (a restore of a set without one
 * stays under its memory goal: docs/BENCHMARKS.md).
 */
export async function buildManifest(
  engine: Engine,
  input: {
    name: string;
    source: SourceRecord;
    files: readonly CollectedFile[];
    records: FileRecord[];
    backend: "native" | "files";
    previous?: Manifest;
    /** The signature check of the version installed. */
    trust?: TrustRecord;
  },
): Promise<Manifest> {
  const s = summarizeSet(input.files);
  const meta = input.files.find((f) => f.name === LEGER_YAML);
  const parsed = meta ? (await import("../../meta/leger_yaml.ts")).parseLegerYaml(meta.text) : undefined;
  const legerYaml = parsed?.ok ? parsed.value : undefined;
  const now = new Date().toISOString();
  return {
    schema: 1,
    name: input.name,
    scope: engine.scope,
    backend: input.backend,
    source: input.source,
    ...(legerYaml?.version ? { version: legerYaml.version } : {}),
    files: input.records,
    units: s.units,
    volumes: s.volumes.map((v) => (v.unitFile ? { name: v.name, unitFile: v.unitFile } : { name: v.name })),
    secrets: (legerYaml?.secrets ?? []).map((x) => ({
      name: x.name,
      podmanSecret: x["podman-secret"],
      ...(x.env ? { env: x.env } : {}),
      ...(x.restart !== undefined ? { restart: x.restart } : {}),
    })),
    ports: s.ports,
    installedAt: input.previous?.installedAt ?? now,
    updatedAt: now,
    ...(input.trust ? { trust: input.trust } : {}),
  };
}
