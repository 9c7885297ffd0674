/**
 * Which podman versions leger supports, which of them the end-to-end tier
 * runs on, and which backend each gets. README's table and `leger doctor`
 * say the same thing from here.
 *
 * @module
 */
import type { PodmanCapabilities } from "../host/podman.ts";

/** One line of the support table. */
export interface PodmanSupport {
  /** Versions, e.g. "6.x". */
  versions: string;
  /** The backend `auto` picks. */
  backend: string;
  /** The version the end-to-end tier runs on ("" when none). */
  tested: string;
}

/** Every supported podman line, newest first. */
export const PODMAN_SUPPORT: readonly PodmanSupport[] = [
  {
    versions: "6.x",
    backend: "native, one folder per set (podman quadlet install --application)",
    tested: "6.1.1",
  },
  {
    versions: "5.6-5.8",
    backend: "native, flat (podman quadlet install, .<set>.app); no --replace on 5.7.0-5.8.5",
    tested: "5.8.6",
  },
  { versions: "4.4-5.5", backend: "files (one folder per set, systemctl daemon-reload)", tested: "5.4.2" },
];

/** The support line a podman falls in (undefined before 4.4: no quadlet). */
export function supportFor(caps: PodmanCapabilities): PodmanSupport | undefined {
  if (!caps.generator) return undefined;
  if (caps.quadletApplication) return PODMAN_SUPPORT[0];
  return caps.quadletCommand ? PODMAN_SUPPORT[1] : PODMAN_SUPPORT[2];
}

/** One sentence: supported and tested versions. */
export function supportSummary(): string {
  return `supported: podman ${PODMAN_SUPPORT.map((s) => s.versions).join(", ")}; tested on ${
    PODMAN_SUPPORT.map((s) => s.tested).join(", ")
  }`;
}
