/**
 * Set names: which can be one, and finding an installed set by name, with
 * an error that lists what is installed. Its own small module so that reading commands (list, status,
 * logs) do not load the code that changes the host.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { NotFoundError, UsageError } from "../core/errors.ts";
import { listManifests, type Manifest, readManifest } from "../state/manifest.ts";
import { boundedList } from "../core/bounded_list.ts";

/** The manifest of an installed set; a NotFoundError (exit 5) naming the installed sets when there is none. */
export async function requireManifest(engine: Engine, name: string): Promise<Manifest> {
  const m = await readManifest(engine.paths, name);
  if (!m) {
    const names = (await listManifests(engine.paths)).map((x) => x.name);
    throw new NotFoundError(
      `Cannot find a set named "${name}" (${engine.scope} scope)`,
      names.length
        ? `Installed: ${boundedList(names)}.`
        : "Nothing is installed in this scope; see leger list, or --scope.",
    );
  }
  return m;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Refuses names that cannot be a set name. */
export function checkSetName(name: string): string {
  if (!NAME.test(name) || name === "all") {
    throw new UsageError(
      `Cannot use "${name}" as a set name`,
      'Use up to 63 letters, digits, "_", "." and "-", starting with a letter or digit ("all" is reserved).',
    );
  }
  return name;
}
