/**
 * The podman part of `leger doctor`: the version, whether leger supports
 * and tests it, the backend it gets, and the sets still in the layout of
 * an older podman (installed under 5.x, now on 6.x) with what will happen
 * to them.
 *
 * @module
 */
import { layoutOf } from "../backend/layout.ts";
import { supportFor, supportSummary } from "../backend/support.ts";
import type { Engine } from "../engine.ts";
import { listManifests } from "../state/manifest.ts";
import type { DoctorCheck } from "./doctor.ts";

/** podman, backend and layout checks (throws when podman is missing or too old). */
export async function podmanChecks(engine: Engine): Promise<DoctorCheck[]> {
  const caps = await engine.podman();
  const backend = await engine.backend();
  const line = supportFor(caps);
  const tested = line?.tested === caps.version.text;
  const checks: DoctorCheck[] = [{
    name: "podman",
    ok: true,
    detail: `podman ${caps.version.text} (${line?.versions ?? "?"}: ${
      tested ? "tested" : `supported, tested on ${line?.tested}`
    }; ${supportSummary()})`,
  }];
  checks.push({
    name: "backend",
    ok: true,
    detail: backend.kind === "files"
      ? `files (writes into ${engine.paths.quadletDir}/<set>/${
        caps.quadletCommand ? ", chosen in the config" : `; podman ${caps.version.text} has no podman quadlet`
      })`
      : caps.quadletApplication
      ? `native (podman ${caps.version.text}: one folder per set, podman quadlet install --application)`
      : `native (podman quadlet${caps.quadletReplace ? " with --replace" : ""}${
        caps.replaceKeepsTail ? `; not used: podman ${caps.version.text} keeps an old file's tail` : ""
      })`,
  });
  if (backend.kind === "native" && caps.quadletApplication) {
    const flat = (await listManifests(engine.paths))
      .filter((m) => m.backend === "native" && layoutOf(engine.paths.quadletDir, m.files) === "flat")
      .map((m) => m.name);
    checks.push({
      name: "layout",
      ok: true,
      detail: flat.length === 0
        ? "every set is in podman 6's layout (one folder per set)"
        : `${
          flat.join(", ")
        } still in podman 5's layout (files at the top of ${engine.paths.quadletDir}): they run and are managed as they are; the next install, apply or restore of each moves it into ${engine.paths.quadletDir}/<set>/, restarting its units at most`,
    });
  }
  return checks;
}
