/**
 * One Compose service becomes one `.container` (and a `.build` for
 * `build:`). Every key of the service is handled by exactly one mapper
 * (this file's table), reported as not expressible (unsupported.ts), or
 * refused as unknown: nothing is dropped silently.
 *
 * @module
 */
import { type Ctx, type Svc, unitBase } from "../context.ts";
import { mapBuild } from "./build.ts";
import { mapHealthcheck, mapLimits, mapLogging, mapRestart, mapStop, mapUlimits } from "./life.ts";
import { mapDns, mapExpose, mapExtraHosts, mapNetworks, mapPorts } from "./net.ts";
import { mapConfigsUse, mapEnvironment, mapSecretsUse, mapTmpfs, mapVolumesUse } from "./storage.ts";
import { type MapNode, type Node, str } from "../tree.ts";
import { arg, esc, UnitFile } from "../unit_file.ts";
import { UNSUPPORTED } from "./unsupported.ts";
import { bool, pairs, shellWords, strings } from "../values.ts";
import { suggest } from "../../quadlet/keys.ts";

type Mapper = (s: Svc, value: Node, key: string) => void | Promise<void>;

/** A key whose value the generator takes whole (escaped, never quoted); `flag` is podman's option for it. */
const simple = (quadlet: string, flag?: string): Mapper => (s, v, key) => {
  const value = str(v);
  if (value === undefined) return s.ctx.log.error(v.line, key, "expects a single value");
  s.unit.key(quadlet, esc(value), { key, line: v.line }, flag ? arg(`${flag}=${value}`) : undefined);
};

const yes = (quadlet: string): Mapper => (s, v, key) => {
  const b = bool(v);
  if (b === undefined) return s.ctx.log.error(v.line, key, "expects true or false");
  if (b) s.unit.key(quadlet, "true", { key, line: v.line });
};

/** One line per item; `words`: the generator splits the value into words (so it is quoted). */
const each = (quadlet: string, words: boolean, flag?: string): Mapper => (s, v, key) => {
  for (const item of strings(v, (l) => s.ctx.log.error(l, key, "expects a string or a list of strings"))) {
    const value = words ? arg(item.value) : esc(item.value);
    s.unit.key(quadlet, value, { key, line: item.line }, flag ? arg(`${flag}=${item.value}`) : undefined);
  }
};

/** `KEY=VALUE` items of a mapping or list, one line each (words: quoted). */
const keyvals = (quadlet: string, flag?: string): Mapper => (s, v, key) => {
  for (const p of pairs(v, (l) => s.ctx.log.error(l, key, "expects a mapping or a list of KEY=VALUE"))) {
    const kv = `${p.key}=${p.value ?? ""}`;
    s.unit.key(quadlet, arg(kv), { key: `${key}.${p.key}`, line: p.line }, flag ? arg(`${flag}=${kv}`) : undefined);
  }
};

/** A command in either form, as quadlet words. */
function commandWords(s: Svc, v: Node, key: string): string[] | undefined {
  if (v.kind === "scalar") {
    if (v.value === null) return undefined;
    const words = shellWords(String(v.value));
    if (!words) s.ctx.log.error(v.line, key, "a quote is not closed");
    return words;
  }
  return strings(v, (l) => s.ctx.log.error(l, key, "expects a string or a list of strings")).map((w) => w.value);
}

/** Fully qualifies a short image name as Compose (Docker Hub) reads it: podman would otherwise ask which registry. */
export function qualifyImage(image: string): string {
  const first = image.split("/")[0]!;
  if (image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return image;
  return image.includes("/") ? `docker.io/${image}` : `docker.io/library/${image}`;
}

const MAPPERS: Record<string, Mapper> = {
  image: (s, v, key) => {
    if (s.node.entries.has("build")) return; // the .build's ImageTag= (build.ts)
    const image = str(v);
    if (!image) return s.ctx.log.error(v.line, key, "expects an image name");
    const full = qualifyImage(image);
    if (full !== image) s.ctx.log.info(v.line, key, `${image} is read as ${full}, as Compose reads it`);
    s.unit.key("Image", esc(full), { key, line: v.line });
  },
  build: mapBuild,
  container_name: simple("ContainerName"),
  command: (s, v, key) => {
    const words = commandWords(s, v, key);
    if (words?.length) s.unit.key("Exec", words.map(arg).join(" "), { key, line: v.line });
  },
  entrypoint: (s, v, key) => {
    const words = commandWords(s, v, key);
    if (!words) return;
    // podman takes a JSON array for an entrypoint with arguments; "" resets the image's.
    const value = words.length === 1 ? words[0]! : words.length === 0 ? "" : JSON.stringify(words);
    s.unit.key("Entrypoint", esc(value), { key, line: v.line }, arg(`--entrypoint=${value}`));
  },
  environment: () => {}, // with env_file, after the table (storage.ts)
  env_file: () => {},
  labels: keyvals("Label"),
  annotations: keyvals("Annotation"),
  user: (s, v, key) => {
    const value = str(v);
    if (value === undefined) return s.ctx.log.error(v.line, key, "expects a user");
    const [user, group] = value.split(":");
    s.unit.key("User", esc(user!), { key, line: v.line });
    if (group) s.unit.key("Group", esc(group), { key, line: v.line });
  },
  working_dir: simple("WorkingDir", "--workdir"),
  hostname: simple("HostName", "--hostname"),
  domainname: (s, v, key) => void s.unit.key("PodmanArgs", arg(`--domainname=${str(v) ?? ""}`), { key, line: v.line }),
  cap_add: each("AddCapability", true),
  cap_drop: each("DropCapability", true),
  devices: (s, v, key) => {
    for (const d of strings(v, (l) => s.ctx.log.error(l, key, "devices are strings (HOST[:CONTAINER[:PERMS]])"))) {
      s.unit.key("AddDevice", arg(d.value), { key, line: d.line });
    }
  },
  sysctls: keyvals("Sysctl", "--sysctl"),
  ulimits: mapUlimits,
  shm_size: (s, v, key) => mapLimits(s, v, key),
  mem_limit: (s, v, key) => mapLimits(s, v, key),
  mem_reservation: (s, v, key) => mapLimits(s, v, key),
  memswap_limit: (s, v, key) => mapLimits(s, v, key),
  mem_swappiness: (s, v, key) => mapLimits(s, v, key),
  cpus: (s, v, key) => mapLimits(s, v, key),
  cpu_shares: (s, v, key) => mapLimits(s, v, key),
  cpuset: (s, v, key) => mapLimits(s, v, key),
  cpu_quota: (s, v, key) => mapLimits(s, v, key),
  cpu_period: (s, v, key) => mapLimits(s, v, key),
  cpu_rt_period: (s, v, key) => mapLimits(s, v, key),
  cpu_rt_runtime: (s, v, key) => mapLimits(s, v, key),
  pids_limit: (s, v, key) => mapLimits(s, v, key),
  oom_score_adj: (s, v, key) => mapLimits(s, v, key),
  deploy: (s, v, key) => mapLimits(s, v, key),
  stop_signal: mapStop,
  stop_grace_period: mapStop,
  logging: mapLogging,
  healthcheck: mapHealthcheck,
  restart: mapRestart,
  depends_on: () => {}, // after every service is known (depends.ts)
  profiles: () => {}, // chose the services (import.ts)
  links: () => {}, // aliases on the linked service (depends.ts)
  ports: mapPorts,
  expose: mapExpose,
  networks: () => {}, // with network_mode, after the table (net.ts)
  network_mode: () => {},
  dns: mapDns,
  dns_search: mapDns,
  dns_opt: mapDns,
  extra_hosts: mapExtraHosts,
  volumes: mapVolumesUse,
  tmpfs: mapTmpfs,
  secrets: mapSecretsUse,
  configs: mapConfigsUse,
  init: yes("RunInit"),
  read_only: yes("ReadOnly"),
  group_add: each("GroupAdd", false, "--group-add"),
  userns_mode: simple("UserNS"),
  pull_policy: (s, v, key) => {
    const p = str(v);
    const map: Record<string, string> = {
      always: "always",
      missing: "missing",
      if_not_present: "missing",
      never: "never",
      newer: "newer",
      build: "never",
    };
    if (!p || !map[p]) return s.ctx.log.error(v.line, key, `unknown pull policy ${p}`);
    if (p === "build" && !s.node.entries.has("build")) {
      return s.ctx.log.error(v.line, key, "pull_policy: build needs build:");
    }
    if (p !== "build") s.unit.key("Pull", map[p]!, { key, line: v.line });
  },
  platform: (s, v, key) => void s.unit.key("PodmanArgs", arg(`--platform=${str(v) ?? ""}`), { key, line: v.line }),
  security_opt: (s, v, key) => {
    for (const o of strings(v, (l) => s.ctx.log.error(l, key, "expects a list of strings"))) {
      const [name, value = ""] = o.value.split(/[:=]/, 2) as [string, string?];
      const rest = o.value.slice(name.length + 1);
      const from = { key, line: o.line };
      if (name === "no-new-privileges" && value !== "false") s.unit.key("NoNewPrivileges", "true", from);
      else if (name === "label" && rest === "disable") s.unit.key("SecurityLabelDisable", "true", from);
      else if (name === "label" && rest.startsWith("type:")) s.unit.key("SecurityLabelType", esc(rest.slice(5)), from);
      else if (name === "label" && rest.startsWith("level:")) {
        s.unit.key("SecurityLabelLevel", esc(rest.slice(6)), from);
      } else if (name === "seccomp") s.unit.key("SeccompProfile", esc(rest), from);
      else if (name === "apparmor") s.unit.key("AppArmor", esc(rest), from, arg(`--security-opt=${o.value}`));
      else {
        s.ctx.log.error(
          o.line,
          key,
          `security option ${o.value} has no quadlet key`,
          `if you accept it, add PodmanArgs=${arg(`--security-opt=${o.value}`)} after the import`,
        );
      }
    }
  },
  tty: (s, v, key) => {
    if (bool(v)) s.ctx.log.warn(v.line, key, "no terminal under systemd: the container runs without one");
  },
  stdin_open: (s, v, key) => {
    if (bool(v)) s.ctx.log.warn(v.line, key, "no standard input under systemd: the container runs without one");
  },
  scale: (s, v, key) => {
    if (Number(str(v)) !== 1) s.ctx.log.warn(v.line, key, "a quadlet runs one container: the import makes one");
  },
};

/** Maps one service to its `.container` (and `.build`). */
export async function mapService(ctx: Ctx, name: string, node: MapNode): Promise<UnitFile> {
  const at = `services.${name}`;
  const unit = new UnitFile(`${unitBase(ctx, name)}.container`, "Container", ctx.log);
  ctx.units.push(unit);
  ctx.services.set(name, {
    node,
    unit,
    service: unit.name.replace(/\.container$/, ".service"),
    healthcheck: false,
    networks: [],
  });
  unit.systemd("Unit", "Description", esc(`${name} (Compose project ${ctx.project})`), { key: at, line: node.line });
  const s: Svc = { ctx, name, node, unit, at };
  if (!node.entries.has("image") && !node.entries.has("build")) {
    ctx.log.error(node.line, at, "a service needs image: or build:");
  }
  for (const [key, value] of node.entries) {
    const path = `${at}.${key}`;
    const mapper = MAPPERS[key];
    if (mapper) await mapper(s, value, path);
    else if (UNSUPPORTED[key]) UNSUPPORTED[key]!(s, value, path);
    else if (key.startsWith("x-")) {
      ctx.log.info(value.line, path, "an extension field: ignored by Compose and by the import");
    } else {
      const known = [...Object.keys(MAPPERS), ...Object.keys(UNSUPPORTED)];
      const guess = suggest(key, known);
      ctx.log.error(value.line, path, `unknown key ${key}`, guess ? `did you mean ${guess}?` : undefined);
    }
  }
  mapNetworks(s);
  await mapEnvironment(s);
  return unit;
}
