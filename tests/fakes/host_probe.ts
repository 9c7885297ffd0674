/**
 * A {@linkcode HostProbe} that answers from data, for tests of the
 * validator and of the commands that call it. Fields left out mean "this
 * host cannot answer that question".
 *
 * @module
 */
import type { HostProbe } from "../../lib/quadlet/diagnostic.ts";

/** What the fake host knows. */
export interface FakeHostSpec {
  /** Host ports bound by something. */
  portsInUse?: number[];
  /** Paths that exist (enables `pathExists`). */
  paths?: string[];
  /** Podman secrets that exist (enables `podmanSecretExists`). */
  secrets?: string[];
  /** systemd units that exist (enables `unitExists`). */
  units?: string[];
  /** `net.ipv4.ip_unprivileged_port_start`. */
  unprivilegedPortStart?: number;
  /** Canned generator answer; `DIR` in stderr is replaced by the folder it was given. */
  generator?: { code: number; stdout?: string; stderr: string };
}

/** Builds a fake host probe from data. */
export function fakeHost(spec: FakeHostSpec): HostProbe {
  const host: HostProbe = {};
  if (spec.portsInUse) {
    const ports = spec.portsInUse;
    host.portInUse = (port) => Promise.resolve(ports.includes(port));
  }
  if (spec.paths) {
    const paths = spec.paths;
    host.pathExists = (path) => Promise.resolve(paths.some((p) => p === path || p.startsWith(path + "/")));
  }
  if (spec.secrets) {
    const secrets = spec.secrets;
    host.podmanSecretExists = (name) => Promise.resolve(secrets.includes(name));
  }
  if (spec.units) {
    const units = spec.units;
    host.unitExists = (unit) => Promise.resolve(units.includes(unit));
  }
  if (spec.unprivilegedPortStart !== undefined) {
    const start = spec.unprivilegedPortStart;
    host.unprivilegedPortStart = () => Promise.resolve(start);
  }
  if (spec.generator) {
    const g = spec.generator;
    host.generator = (dir) =>
      Promise.resolve({ code: g.code, stdout: g.stdout ?? "", stderr: g.stderr.replaceAll("DIR", dir) });
  }
  return host;
}
