/**
 * `--json` outputs of the catalogs (lib/catalog/): `leger search` (and its
 * alias `available`), and `leger inspect` of a set that is not installed.
 *
 * @module
 */
import { z } from "zod";
import { DiagnosticJson, versionField } from "./parts.ts";

/** How reading one catalog went. */
export const CatalogStatusJson = z.strictObject({
  name: z.string(),
  source: z.string(),
  commit: z.string().optional(),
  fetched: z.boolean().describe("whether this run fetched it (false: one git ls-remote found the cache current)"),
  sets: z.number().int().min(0),
  error: z.string().optional().describe("why it could not be read (the other catalogs still answer)"),
  hint: z.string().optional(),
});

/** One set a catalog offers. */
export const CatalogSetJson = z.strictObject({
  name: z.string().describe("what leger install NAME takes (CATALOG/NAME picks a catalog)"),
  catalog: z.string(),
  source: z.string().describe("the full source leger install records"),
  description: z.string().optional(),
  version: z.string().optional(),
  podman: z.array(z.string()).optional(),
  images: z.array(z.string()),
  problem: z.string().optional().describe("what is wrong with the set, when it cannot be installed as it is"),
  installed: z.strictObject({
    name: z.string(),
    sameSource: z.boolean().describe("installed from this folder (false: another source uses the name)"),
    update: z.boolean().optional().describe("the catalog's files differ from the installed ones"),
  }).optional(),
});

/** `leger search --json` (and `leger available --json`). */
export const SearchJson = z.strictObject({
  version: versionField(1),
  catalogs: z.array(CatalogStatusJson),
  sets: z.array(CatalogSetJson),
});

/** A set that is not installed, as `leger inspect` shows it (fetched and checked; the host unchanged). */
export const SetPreviewJson = z.strictObject({
  name: z.string().describe("the name install would give it"),
  source: z.strictObject({
    input: z.string().describe("the full source (a catalog name resolved)"),
    url: z.string(),
    ref: z.string().optional(),
    commit: z.string().optional(),
    subpath: z.string(),
  }),
  description: z.string().optional(),
  version: z.string().optional(),
  files: z.array(z.strictObject({ name: z.string(), kind: z.enum(["quadlet", "meta", "asset"]) })),
  units: z.array(z.strictObject({ unit: z.string(), file: z.string(), kind: z.string() })),
  images: z.array(z.string()),
  ports: z.array(z.strictObject({
    port: z.string().describe("PublishPort= as written"),
    usedBy: z.array(z.string()).describe("installed sets that publish the same host port"),
  })),
  volumes: z.array(z.strictObject({ name: z.string(), unitFile: z.string().optional() })),
  binds: z.array(z.strictObject({ hostPath: z.string(), file: z.string() })),
  secrets: z.array(z.strictObject({
    podmanSecret: z.string(),
    setec: z.string().optional().describe("the Setec secret .leger.yaml fills it from"),
    inPodman: z.boolean().optional().describe("podman has a secret of that name (absent: podman not asked)"),
    inSetec: z.boolean().optional().describe("Setec has it (absent: no Setec server, or not declared)"),
  })),
  dependencies: z.array(z.strictObject({ unit: z.string(), needs: z.array(z.string()) })),
  verdict: z.strictObject({
    ok: z.boolean(),
    errors: z.number().int().min(0),
    warnings: z.number().int().min(0),
    findings: z.array(DiagnosticJson),
  }),
  wouldStart: z.array(z.string()).describe("the units leger install would start, in order"),
});

/** `leger inspect --json` of a set that is not installed: the preview under `preview`. */
export const InspectPreviewJson = z.strictObject({ version: versionField(1), preview: SetPreviewJson });
