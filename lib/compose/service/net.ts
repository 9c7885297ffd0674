/**
 * A service's network side: `ports` (short and long syntax, ranges,
 * protocol, host IP) as `PublishPort=`, `expose`, `networks` (with the
 * service's name as a network alias, since the container is named
 * `systemd-<unit>`) or `network_mode`, `dns*` and `extra_hosts`.
 *
 * @module
 */
import type { Svc } from "../context.ts";
import { declareNetwork } from "../top.ts";
import { type Node, str } from "../tree.ts";
import { arg, esc } from "../unit_file.ts";
import { pairs, strings } from "../values.ts";

const PORT = /^\d{1,5}(-\d{1,5})?$/;

function portOk(p: string): boolean {
  if (!PORT.test(p)) return false;
  const [a, b] = p.split("-").map(Number) as [number, number?];
  return a >= 1 && a <= 65535 && (b === undefined || (b >= a && b <= 65535));
}

/** A short-syntax port in PublishPort='s form, or an error message. */
export function shortPort(spec: string): { value: string } | { error: string } {
  let rest = spec;
  let proto = "";
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    proto = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (!["tcp", "udp", "sctp"].includes(proto)) return { error: `unknown protocol ${proto}` };
  }
  let ip = "";
  if (rest.startsWith("[")) {
    const end = rest.indexOf("]:");
    if (end < 0) return { error: "an IPv6 host address is written [ADDRESS]:PORT:PORT" };
    ip = rest.slice(0, end + 1);
    rest = rest.slice(end + 2);
  }
  const parts = rest.split(":");
  if (parts.length > 3 || (ip && parts.length !== 2)) return { error: "expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT" };
  if (parts.length === 3) {
    ip = parts.shift()!;
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return { error: `${ip} is not a host IP address` };
  }
  const container = parts.pop()!;
  const host = parts.pop();
  if (!portOk(container)) return { error: `${container} is not a port or port range` };
  if (host !== undefined && host !== "" && !portOk(host)) return { error: `${host} is not a port or port range` };
  if (host && host.includes("-") !== container.includes("-")) {
    return { error: "a port range maps to a range of the same length" };
  }
  const value = `${ip ? `${ip}:` : ""}${host !== undefined ? `${host}:` : ip ? ":" : ""}${container}${
    proto ? `/${proto}` : ""
  }`;
  return { value };
}

/** `ports:`. */
export function mapPorts(s: Svc, v: Node, key: string): void {
  if (v.kind !== "seq") return s.ctx.log.error(v.line, key, "expects a list");
  for (const item of v.items) {
    const from = { key, line: item.line };
    if (item.kind === "map") {
      const e = item.entries;
      const target = str(e.get("target"));
      if (!target) {
        s.ctx.log.error(item.line, key, "a port needs target:");
        continue;
      }
      for (const k of e.keys()) {
        if (!["target", "published", "host_ip", "protocol", "mode", "app_protocol", "name"].includes(k)) {
          s.ctx.log.error(e.get(k)!.line, `${key}.${k}`, `unknown port key ${k}`);
        }
      }
      if (str(e.get("mode")) === "ingress") {
        s.ctx.log.info(item.line, `${key}.mode`, "ingress is Swarm's routing mesh: published on this host");
      }
      for (const k of ["app_protocol", "name"]) {
        if (e.has(k)) s.ctx.log.info(item.line, `${key}.${k}`, `${k} is a label only: left out`);
      }
      const ip = str(e.get("host_ip"));
      const published = str(e.get("published"));
      const proto = str(e.get("protocol"));
      const hostIp = ip && ip.includes(":") && !ip.startsWith("[") ? `[${ip}]` : ip;
      let spec = published !== undefined || hostIp ? `${published ?? ""}:${target}` : target;
      if (hostIp) spec = `${hostIp}:${spec}`;
      if (proto) spec += `/${proto}`;
      const r = shortPort(spec);
      if ("error" in r) s.ctx.log.error(item.line, key, `${spec}: ${r.error}`);
      else s.unit.key("PublishPort", esc(r.value), from);
    } else {
      const spec = str(item);
      const r = spec === undefined ? { error: "expects a port" } : shortPort(spec);
      if ("error" in r) s.ctx.log.error(item.line, key, `${spec ?? ""}: ${r.error}`);
      else s.unit.key("PublishPort", esc(r.value), from);
    }
  }
}

/** `expose:`: ports other containers may reach (podman's --expose). */
export function mapExpose(s: Svc, v: Node, key: string): void {
  for (const p of strings(v, (l) => s.ctx.log.error(l, key, "expects a list of ports"))) {
    const [port, proto] = p.value.split("/");
    if (!portOk(port!) || (proto && !["tcp", "udp", "sctp"].includes(proto))) {
      s.ctx.log.error(p.line, key, `${p.value} is not a port`);
    } else s.unit.key("ExposeHostPort", esc(p.value), { key, line: p.line });
  }
}

/** `networks:` or `network_mode:` (the default network when neither is given, as Compose does). */
export function mapNetworks(s: Svc): void {
  const { ctx, node, unit, at, name } = s;
  const mode = node.entries.get("network_mode");
  if (mode) {
    const m = str(mode) ?? "";
    const from = { key: `${at}.network_mode`, line: mode.line };
    if (node.entries.has("networks")) {
      ctx.log.error(mode.line, from.key, "network_mode and networks exclude each other");
    }
    if (m === "host" || m === "none") unit.key("Network", m, from);
    else if (m === "bridge") unit.key("Network", "bridge", from);
    else if (m.startsWith("service:") || m.startsWith("container:")) {
      const other = m.slice(m.indexOf(":") + 1);
      const container = m.startsWith("service:") && ctx.services.has(other)
        ? `systemd-${ctx.services.get(other)!.unit.name.replace(/\.container$/, "")}`
        : other;
      ctx.log.error(
        mode.line,
        from.key,
        `sharing another container's network (${m}) has no quadlet key; the container must also start after it`,
        `put both in one .pod, or add PodmanArgs=--network=container:${container} and After=/Requires= on its unit`,
      );
    } else ctx.log.error(mode.line, from.key, `unknown network_mode ${m}`);
    return;
  }
  const v = node.entries.get("networks");
  const joined: Array<{ name: string; spec?: Node; line: number }> = [];
  if (!v) joined.push({ name: "default", line: node.line });
  else if (v.kind === "seq") {
    for (const i of v.items) {
      const n = str(i);
      if (n === undefined) ctx.log.error(i.line, `${at}.networks`, "expects a network name");
      else joined.push({ name: n, line: i.line });
    }
  } else if (v.kind === "map") {
    for (const [n, spec] of v.entries) joined.push({ name: n, spec, line: spec.line });
  } else ctx.log.error(v.line, `${at}.networks`, "expects a list or a mapping");
  const aliases = new Set<string>([name]);
  for (const j of joined) {
    const key = `${at}.networks.${j.name}`;
    if (!ctx.networks.has(j.name)) {
      if (j.name === "default") declareNetwork(ctx, "default", j.line);
      else {
        ctx.log.error(j.line, key, `network ${j.name} is not declared under the top-level networks:`);
        continue;
      }
    }
    const decl = ctx.networks.get(j.name)!;
    ctx.services.get(name)?.networks.push(j.name);
    unit.key("Network", decl.unit ?? esc(decl.name), { key, line: j.line });
    if (j.spec?.kind !== "map") continue;
    for (const [k, val] of j.spec.entries) {
      const from = { key: `${key}.${k}`, line: val.line };
      if (k === "aliases") {
        for (const a of strings(val, (l) => ctx.log.error(l, from.key, "expects a list of names"))) {
          aliases.add(a.value);
        }
      } else if (k === "ipv4_address" || k === "ipv6_address") {
        if (joined.length > 1) {
          ctx.log.warn(val.line, from.key, "with several networks podman applies the address to each");
        }
        unit.key(k === "ipv4_address" ? "IP" : "IP6", esc(str(val) ?? ""), from);
      } else if (k === "mac_address") unit.key("PodmanArgs", arg(`--mac-address=${str(val) ?? ""}`), from);
      else ctx.log.warn(val.line, from.key, `${k} has no quadlet key: left out`);
    }
  }
  if (joined.length > 1) {
    ctx.log.info(node.line, `${at}.networks`, "podman gives a container the same aliases on every network it joins");
  }
  for (const a of aliases) {
    unit.key(
      "NetworkAlias",
      esc(a),
      { key: `${at}.networks`, line: v?.line ?? node.line },
      arg(`--network-alias=${a}`),
    );
  }
}

/** `dns`, `dns_search`, `dns_opt`. */
export function mapDns(s: Svc, v: Node, key: string): void {
  const k = key.slice(key.lastIndexOf(".") + 1);
  const [quadlet, flag] = k === "dns"
    ? ["DNS", "--dns"]
    : k === "dns_search"
    ? ["DNSSearch", "--dns-search"]
    : ["DNSOption", "--dns-option"];
  for (const d of strings(v, (l) => s.ctx.log.error(l, key, "expects a string or a list"))) {
    s.unit.key(quadlet!, esc(d.value), { key, line: d.line }, arg(`${flag}=${d.value}`));
  }
}

/** `extra_hosts:` (`HOST:IP`, `HOST=IP` or a mapping) as `AddHost=HOST:IP`. */
export function mapExtraHosts(s: Svc, v: Node, key: string): void {
  const entries = v.kind === "map"
    ? pairs(v, () => {}).map((p) => ({ host: p.key, ip: p.value ?? "", line: p.line }))
    : strings(v, (l) => s.ctx.log.error(l, key, "expects a list or a mapping")).map((i) => {
      const sep = i.value.search(/[=:]/);
      return { host: i.value.slice(0, sep), ip: sep < 0 ? "" : i.value.slice(sep + 1), line: i.line };
    });
  for (const e of entries) {
    if (!e.host || !e.ip) {
      s.ctx.log.error(e.line, key, "expects HOST:IP");
      continue;
    }
    const ip = e.ip.replace(/^\[(.*)\]$/, "$1");
    s.unit.key("AddHost", esc(`${e.host}:${ip}`), { key, line: e.line }, arg(`--add-host=${e.host}:${ip}`));
  }
}
