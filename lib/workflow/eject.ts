/**
 * `leger workflow eject NAME`: copies a built-in workflow into the user's
 * workflow folder, with what `deno check` and editors need beside it: the
 * workflow API's declarations (`leger.d.ts`, carried as text in the
 * program) and a `deno.json` mapping "leger" to them. At run time leger
 * imports the file by URL and its `import type` lines are erased, so the
 * mapping matters only to the type checker.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../engine.ts";
import { LegerError, NotFoundError } from "../core/errors.ts";
import { atomicWrite, ensureDir, exists, readTextIfExists } from "../core/fs.ts";
import type { Builtins } from "./run.ts";
import { WORKFLOW_TYPES } from "./declarations.ts";

/** The declarations' file name beside ejected workflows. */
export const TYPES_FILE = "leger.d.ts";

/** What {@linkcode ejectWorkflow} wrote. */
export interface EjectResult {
  /** The workflow file. */
  path: string;
  /** The API's declarations (rewritten at every eject, so they follow this leger). */
  types: string;
  /** The deno.json that maps "leger" to the declarations. */
  config: string;
  /** written: leger wrote it now; kept: it maps "leger" already; yours: it is yours and does not (see notes). */
  configState: "written" | "kept" | "yours";
  /** Things the user should still do, each a sentence. */
  notes: string[];
}

/** The deno.json leger writes beside ejected workflows. */
export function workflowDenoJson(): string {
  return JSON.stringify({ imports: { leger: `./${TYPES_FILE}` } }, null, 2) + "\n";
}

/** Copies a built-in workflow (of `builtins`) into the user's folder for editing, with its types. */
export async function ejectWorkflow(
  engine: Engine,
  builtins: Builtins,
  name: string,
  force = false,
): Promise<EjectResult> {
  const b = Object.hasOwn(builtins, name) ? builtins[name] : undefined;
  if (!b) {
    throw new NotFoundError(
      `Cannot eject "${name}": no such built-in workflow`,
      `Built-in: ${Object.keys(builtins).join(", ")}.`,
    );
  }
  const dir = engine.paths.workflowDir;
  const path = join(dir, `${name}.ts`);
  if ((await exists(path)) && !force) {
    throw new LegerError(`Cannot eject ${name}: ${path} exists`, { hint: "Pass --force to overwrite it." });
  }
  await ensureDir(dir);
  await atomicWrite(path, b.source.replace(/from "\.\.\/mod\.ts"/g, 'from "leger"'));
  const types = join(dir, TYPES_FILE);
  await atomicWrite(types, WORKFLOW_TYPES);
  const config = join(dir, "deno.json");
  const notes: string[] = [];
  const current = await readTextIfExists(config);
  let configState: EjectResult["configState"] = "written";
  if (current === undefined) {
    await atomicWrite(config, workflowDenoJson());
  } else {
    configState = mapsLeger(current) ? "kept" : "yours";
    if (configState === "yours") {
      notes.push(`Add "leger": "./${TYPES_FILE}" to "imports" in ${config} so that deno check finds the types.`);
    }
  }
  return { path, types, config, configState, notes };
}

function mapsLeger(text: string): boolean {
  try {
    const doc = JSON.parse(text) as { imports?: Record<string, unknown> };
    return doc.imports?.leger === `./${TYPES_FILE}`;
  } catch {
    return false; // a deno.json leger cannot read is the user's to fix
  }
}
