/**
 * A one-container set that uses Podman secrets, written as leger would
 * leave it after an install (its unit file and its manifest), for tests of
 * the secrets code that need an installed set but not an install.
 *
 * @module
 */
import { join } from "node:path";
import type { ScopePaths } from "../../lib/core/paths.ts";
import { type Manifest, writeManifest } from "../../lib/state/manifest.ts";

/**
 * Writes `<dir>/<name>.container` (one `Secret=` per secret, as env KEY) and
 * the set's manifest; `dir` is the quadlet folder unless given.
 */
export async function writeSecretSet(
  paths: ScopePaths,
  name: string,
  secrets: { name: string; podmanSecret: string }[],
  options: { dir?: string; image?: string; source?: string } = {},
): Promise<void> {
  const dir = options.dir ?? paths.quadletDir;
  await Deno.mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.container`);
  const lines = secrets.map((s) => `Secret=${s.podmanSecret},type=env,target=KEY\n`).join("");
  await Deno.writeTextFile(file, `[Container]\nImage=${options.image ?? "docker.io/library/nginx"}\n${lines}`);
  const now = new Date().toISOString();
  const source = options.source ?? dir;
  const manifest: Manifest = {
    schema: 1,
    name,
    scope: "user",
    backend: "files",
    source: { kind: "local", input: source, url: source, subpath: "" },
    files: [{ name: `${name}.container`, sha256: "0", path: file, kind: "quadlet" }],
    units: [`${name}.service`],
    volumes: [],
    secrets,
    ports: [],
    installedAt: now,
    updatedAt: now,
  };
  await writeManifest(paths, manifest);
}
