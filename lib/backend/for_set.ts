/**
 * Which backend a set's files go through, and the files it gets.
 *
 * - `.quadlets` bundles are split into their unit files by leger for every
 *   backend: the generator ignores bundles (files backend), podman before
 *   5.8 refuses them, and podman 5.8 splits them the same way itself (seen
 *   on 5.8.6: `bundle.quadlets` installed as its `# FileName=` parts, listed
 *   in the app). So every backend gets plain unit files and leger knows
 *   each installed path.
 * - Sets with templates (`web@.container`) use the files backend while
 *   podman is older than 6: on 5.8 `podman quadlet list` and `podman
 *   quadlet rm` fail while a template is installed ("Unit name web@.service
 *   is missing the instance name"), so the native backend could neither
 *   find nor remove the files.
 *
 * @module
 */
import type { PodmanCapabilities } from "../host/podman.ts";
import { isBundle, splitBundle } from "../quadlet/bundle.ts";
import { isTemplate, quadletKind } from "../quadlet/kinds.ts";
import type { CollectedFile } from "../source/collect.ts";
import type { Backend } from "./backend.ts";
import { filesBackend } from "./files.ts";

/** The set's files as a backend gets them: each bundle replaced by its parts. */
export function filesToInstall(files: readonly CollectedFile[]): CollectedFile[] {
  const out: CollectedFile[] = [];
  for (const f of files) {
    if (f.name.includes("/") || !isBundle(f.name)) {
      out.push(f);
      continue;
    }
    for (const part of splitBundle(f.text).parts) {
      out.push({ name: part.name, text: part.text, bytes: new TextEncoder().encode(part.text) });
    }
  }
  return out;
}

/** True when a set with these (installed) file names has a template unit. */
export function hasTemplate(names: readonly string[]): boolean {
  return names.some((n) => !n.includes("/") && quadletKind(n) !== undefined && isTemplate(n));
}

/** Why this podman cannot manage template units natively, or undefined when it can. */
export function nativeTemplateLimit(caps: PodmanCapabilities): string | undefined {
  return caps.quadletCommand && caps.version.major < 6
    ? `podman ${caps.version.text} cannot list or remove template units (podman quadlet list fails while one is installed)`
    : undefined;
}

/**
 * The backend for a set: the scope's backend, except the files backend
 * for a set with templates where the native one cannot manage them.
 */
export function backendFor(
  scopeBackend: Backend,
  caps: PodmanCapabilities,
  quadletDir: string,
  installedNames: readonly string[],
): Backend {
  if (scopeBackend.kind !== "native" || !hasTemplate(installedNames) || !nativeTemplateLimit(caps)) {
    return scopeBackend;
  }
  return filesBackend(quadletDir);
}
