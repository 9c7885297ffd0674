/**
 * Finding an installed set by name, with an error that lists what is
 * installed. Its own small module so that reading commands (list, status,
 * logs) do not load the code that changes the host.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { NotFoundError } from "../errors.ts";
import { listManifests, type Manifest, readManifest } from "../state/manifest.ts";

/** The manifest of an installed set; a NotFoundError (exit 5) naming the installed sets when there is none. */
export async function requireManifest(engine: Engine, name: string): Promise<Manifest> {
  const m = await readManifest(engine.paths, name);
  if (!m) {
    const names = (await listManifests(engine.paths)).map((x) => x.name);
    throw new NotFoundError(
      `Cannot find a set named "${name}" (${engine.scope} scope)`,
      names.length
        ? `Installed: ${names.join(", ")}.`
        : "Nothing is installed in this scope; see leger list, or --scope.",
    );
  }
  return m;
}
