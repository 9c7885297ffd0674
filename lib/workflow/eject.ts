/**
 * `leger workflow eject NAME`: copies a built-in workflow into the user's
 * workflow folder, with what `deno check` and editors need beside it: the
 * workflow API's declarations (`leger.d.ts`, carried as text in the
 * program) and a `deno.json` mapping "leger" to them. At run time leger
 * imports the file by URL and its `import type` lines are erased, so the
 * mapping matters only to the type checker. `leger workflow types [PATH]`
 * writes the same two files beside any workflow file or into any folder.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import type { Engine } from "../engine.ts";
import { LegerError, NotFoundError, UsageError } from "../core/errors.ts";
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

/** What {@linkcode writeWorkflowTypes} wrote into a folder. */
export interface TypesResult {
  /** The folder. */
  folder: string;
  /** The API's declarations (rewritten each time, so they follow this leger). */
  types: string;
  /** The deno.json that maps "leger" to the declarations. */
  config: string;
  /** written: leger wrote it now; kept: it maps "leger" already; yours: it is yours and does not (see notes). */
  configState: "written" | "kept" | "yours";
  /** How to type-check a workflow of the folder from anywhere (Deno reads the deno.json of the working folder). */
  check: string;
  /** Things the user should still do, each a sentence. */
  notes: string[];
}

/** The first line of the declarations leger writes: a leger.d.ts that starts otherwise is someone else's. */
const TYPES_HEAD = WORKFLOW_TYPES.slice(0, WORKFLOW_TYPES.indexOf("\n"));

/**
 * Writes the workflow API's declarations (`leger.d.ts`) and a `deno.json`
 * mapping "leger" to them into `folder`, for `deno check` and editors. A
 * `deno.json` of the user's own is left alone (a note says what to add); a
 * `leger.d.ts` that leger did not write is refused unless `force`.
 */
export async function writeWorkflowTypes(folder: string, force = false): Promise<TypesResult> {
  const types = join(folder, TYPES_FILE);
  const mine = await readTextIfExists(types);
  if (mine !== undefined && !mine.startsWith(TYPES_HEAD) && !force) {
    throw new LegerError(`Cannot write ${types}: a file of that name is there, not written by leger`, {
      hint: "Move it away, or pass --force to replace it.",
    });
  }
  await ensureDir(folder);
  await atomicWrite(types, WORKFLOW_TYPES);
  const config = join(folder, "deno.json");
  const notes: string[] = [];
  const current = await readTextIfExists(config);
  let configState: TypesResult["configState"] = "written";
  if (current === undefined) {
    await atomicWrite(config, workflowDenoJson());
  } else {
    configState = mapsLeger(current) ? "kept" : "yours";
    if (configState === "yours") {
      notes.push(`Add "leger": "./${TYPES_FILE}" to "imports" in ${config} so that deno check finds the types.`);
    }
  }
  return { folder, types, config, configState, check: `deno check --config ${config}`, notes };
}

/**
 * The folder `leger workflow types PATH` writes into: PATH's own folder for
 * a file, PATH for a folder (made when missing; its parent must exist).
 */
export async function typesFolder(path: string, cwd = Deno.cwd()): Promise<string> {
  const full = resolve(cwd, path);
  let st: Deno.FileInfo | undefined;
  try {
    st = await Deno.stat(full);
  } catch {
    st = undefined;
  }
  if (st?.isFile) return dirname(full);
  if (st?.isDirectory) return full;
  if (st) throw new UsageError(`Cannot write types for ${path}: it is neither a file nor a folder`);
  if (full.endsWith(".ts")) {
    throw new NotFoundError(
      `Cannot write types for ${path}: no such file`,
      "Name an existing workflow file, or its folder.",
    );
  }
  if (!(await exists(dirname(full)))) {
    throw new NotFoundError(`Cannot write types into ${path}: its parent folder does not exist`);
  }
  return full;
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
  const { types, config, configState, notes } = await writeWorkflowTypes(dir, force);
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
