/**
 * `PublishPort=` and `ExposeHostPort=` values: addresses, ports, ranges
 * and protocols, and the host binding a published port makes.
 *
 * @module
 */
import { err, type ValueIssue, warn } from "./value_issue.ts";

/** A host port binding read from `PublishPort=`. */
export interface PortBinding {
  /** Host IP, "" for all addresses. */
  ip: string;
  /** First host port. */
  port: number;
  /** Last host port (same as `port` unless a range). */
  end: number;
  /** Protocols. */
  protos: ("tcp" | "udp" | "sctp")[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a dotted IPv4 address. */
export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

/** True for an IPv6 address (without brackets, optional zone). */
export function isIPv6(s: string): boolean {
  const [addr = "", zone] = s.split("%");
  if (zone === "" || !addr.includes(":")) return false;
  let body = addr;
  let groups = 8;
  const lastColon = body.lastIndexOf(":");
  if (body.slice(lastColon + 1).includes(".")) {
    if (!isIPv4(body.slice(lastColon + 1))) return false;
    body = body.slice(0, lastColon + 1) + "0:0";
  }
  const halves = body.split("::");
  if (halves.length > 2) return false;
  const parts = (h: string) => (h === "" ? [] : h.split(":"));
  const all = halves.flatMap(parts);
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? all.length < groups : all.length === (groups = 8);
}

function parseRange(s: string): { start: number; end: number } | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const start = Number(m[1]);
  return { start, end: m[2] === undefined ? start : Number(m[2]) };
}

/**
 * Checks a `PublishPort=` value: `[[ip:][hostPort]:]containerPort[/proto]`,
 * IPv6 addresses in brackets, ports and ranges within 1..65535.
 */
export function checkPublishPort(
  value: string,
  opts: { rootless: boolean; unprivilegedStart?: number },
): { issues: ValueIssue[]; binding?: PortBinding } {
  const issues: ValueIssue[] = [];
  const fix = "write [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|/udp], e.g. 8080:80 or 127.0.0.1:8080:80/tcp";
  let rest = value;
  let protoText = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    protoText = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  const protos = protoText.split(",");
  if (protos.some((p) => !["tcp", "udp", "sctp"].includes(p.toLowerCase()))) {
    issues.push(err("value/port-protocol", `unknown protocol "${protoText}"`, "use /tcp, /udp or /sctp"));
  }
  let ip = "";
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  let parts: string[];
  if (v6) {
    ip = v6[1]!;
    if (!isIPv6(ip)) issues.push(err("value/port-ip", `"${ip}" is not an IPv6 address`, fix));
    parts = v6[2]!.split(":");
    if (parts.length !== 2) {
      issues.push(err("value/port-format", `"${value}" needs a host and a container port after the address`, fix));
      return { issues };
    }
  } else {
    parts = rest.split(":");
    if (parts.length > 3) {
      issues.push(err("value/port-format", `"${value}" has too many ":"; put IPv6 addresses in brackets`, fix));
      return { issues };
    }
    if (parts.length === 3) {
      ip = parts.shift()!;
      if (ip !== "" && !isIPv4(ip)) {
        issues.push(err("value/port-ip", `"${ip}" is not an IPv4 address`, fix));
      }
    }
  }
  const container = parts[parts.length - 1]!;
  const host = parts.length === 2 ? parts[0]! : "";
  const cr = parseRange(container);
  if (!cr) {
    issues.push(err("value/port-format", `"${container}" is not a port or port range`, fix));
    return { issues };
  }
  const hr = host === "" ? undefined : parseRange(host);
  if (host !== "" && !hr) {
    issues.push(err("value/port-format", `"${host}" is not a port or port range`, fix));
    return { issues };
  }
  for (const [what, r] of [["container", cr], ["host", hr]] as const) {
    if (!r) continue;
    if (r.start < 1 || r.end > 65535 || r.start > r.end) {
      issues.push(
        err(
          "value/port-range",
          `${what} port ${r.start === r.end ? r.start : `${r.start}-${r.end}`} is outside 1..65535`,
          "use ports between 1 and 65535, low-high",
        ),
      );
      return { issues };
    }
  }
  if (hr && hr.end - hr.start !== cr.end - cr.start) {
    issues.push(
      err(
        "value/port-range",
        `host range ${host} and container range ${container} differ in size`,
        "give both ranges the same number of ports",
      ),
    );
  }
  if (!hr) return { issues };
  const start = opts.unprivilegedStart ?? 1024;
  if (opts.rootless && hr.start < start) {
    const known = opts.unprivilegedStart !== undefined;
    issues.push({
      severity: known ? "error" : "info",
      code: known ? "host/privileged-port" : "value/privileged-port",
      message: known
        ? `host port ${hr.start} is below net.ipv4.ip_unprivileged_port_start (${start}): rootless podman cannot bind it`
        : `host port ${hr.start} is privileged: rootless podman can only bind it if net.ipv4.ip_unprivileged_port_start <= ${hr.start}`,
      fix: `use a port >= ${start}, or lower net.ipv4.ip_unprivileged_port_start on the host`,
    });
  }
  const binding: PortBinding = {
    ip,
    port: hr.start,
    end: hr.end,
    protos: protos.map((p) => p.toLowerCase()) as PortBinding["protos"],
  };
  return { issues, binding };
}

/** Checks `ExposeHostPort=` as the generator does (it refuses anything not ending in PORT[-PORT][/tcp|/udp]). */
export function checkExposePort(value: string): ValueIssue[] {
  const v = value.trim();
  if (!/\d+(-\d+)?(\/udp|\/tcp)?$/.test(v)) {
    return [err("value/expose-format", `invalid port format "${v}"`, "write PORT, PORT-PORT, optionally /tcp or /udp")];
  }
  if (!/^\d+(-\d+)?(\/udp|\/tcp)?$/.test(v)) {
    return [warn("value/expose-format", `"${v}" is not PORT[-PORT][/tcp|/udp]`)];
  }
  return [];
}
