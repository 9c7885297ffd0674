/**
 * The top-level keys besides `services`: `volumes` become `.volume`
 * units, `networks` `.network` units (external ones are used by name),
 * `secrets` podman secrets (created by the user, or declared as Setec
 * secrets in `.leger.yaml` with --setec-prefix), `configs` files kept in
 * the set. Podman names follow Compose's (`<project>_<key>`), so volumes
 * made by podman-compose or docker-compose under the same project keep
 * their data.
 *
 * @module
 */
import { basename, extname } from "node:path";
import { type Ctx, projectPath, setFileName, unitBase } from "./context.ts";
import { entriesOf, type MapNode, type Node, str } from "./tree.ts";
import { arg, esc, UnitFile } from "./unit_file.ts";
import { bool, pairs } from "./values.ts";

const VOLUME_KEYS = new Set(["driver", "driver_opts", "external", "labels", "name"]);
const NETWORK_KEYS = new Set([
  "driver",
  "driver_opts",
  "attachable",
  "enable_ipv4",
  "enable_ipv6",
  "external",
  "ipam",
  "internal",
  "labels",
  "name",
]);

function unknownKeys(ctx: Ctx, node: MapNode, known: Set<string>, at: string): void {
  for (const [k, v] of node.entries) {
    if (!known.has(k) && !k.startsWith("x-")) ctx.log.error(v.line, `${at}.${k}`, `unknown key ${k}`);
  }
}

function labelsOf(ctx: Ctx, unit: UnitFile, node: Node | undefined, at: string): void {
  for (const p of pairs(node, (l) => ctx.log.error(l, at, "labels are a mapping or a list of KEY=VALUE"))) {
    unit.key("Label", arg(`${p.key}=${p.value ?? ""}`), { key: at, line: p.line });
  }
}

/** Top-level `volumes:`. */
export function mapVolumes(ctx: Ctx, node: Node | undefined): void {
  for (const [key, v] of entriesOf(node)) {
    const at = `volumes.${key}`;
    const spec = v.kind === "map" ? v : undefined;
    if (!spec && !(v.kind === "scalar" && v.value === null)) {
      ctx.log.error(v.line, at, "a volume is a mapping (or empty)");
      continue;
    }
    const name = str(spec?.entries.get("name")) ?? `${ctx.project}_${key}`;
    if (spec) unknownKeys(ctx, spec, VOLUME_KEYS, at);
    if (bool(spec?.entries.get("external"))) {
      ctx.volumes.set(key, { name: str(spec?.entries.get("name")) ?? key, line: v.line });
      ctx.log.info(v.line, at, "external: used by name; podman must already have it");
      continue;
    }
    const file = `${unitBase(ctx, key)}.volume`;
    const unit = new UnitFile(file, "Volume", ctx.log);
    ctx.units.push(unit);
    ctx.volumes.set(key, { unit: file, name, line: v.line });
    unit.key("VolumeName", esc(name), { key: at, line: v.line });
    const driver = str(spec?.entries.get("driver"));
    if (driver && driver !== "local") unit.key("Driver", esc(driver), { key: `${at}.driver`, line: v.line });
    for (const p of pairs(spec?.entries.get("driver_opts"), (l) => ctx.log.error(l, at, "driver_opts is a mapping"))) {
      const from = { key: `${at}.driver_opts.${p.key}`, line: p.line };
      const value = p.value ?? "";
      if (p.key === "type") unit.key("Type", esc(value), from);
      else if (p.key === "device") unit.key("Device", esc(value), from);
      else if (p.key === "o") unit.key("Options", esc(value), from);
      else unit.key("PodmanArgs", arg(`--opt=${p.key}=${value}`), from);
    }
    labelsOf(ctx, unit, spec?.entries.get("labels"), `${at}.labels`);
  }
}

/** Top-level `networks:` (plus `default`, made when a service needs it). */
export function mapNetworks(ctx: Ctx, node: Node | undefined): void {
  for (const [key, v] of entriesOf(node)) {
    const at = `networks.${key}`;
    const spec = v.kind === "map" ? v : undefined;
    if (!spec && !(v.kind === "scalar" && v.value === null)) {
      ctx.log.error(v.line, at, "a network is a mapping (or empty)");
      continue;
    }
    if (spec) unknownKeys(ctx, spec, NETWORK_KEYS, at);
    if (bool(spec?.entries.get("external"))) {
      ctx.networks.set(key, { name: str(spec?.entries.get("name")) ?? key, line: v.line });
      ctx.log.info(v.line, at, "external: used by name; podman must already have it");
      continue;
    }
    declareNetwork(ctx, key, v.line, spec);
  }
}

/** Writes the `.network` unit of network `key`. */
export function declareNetwork(ctx: Ctx, key: string, line: number, spec?: MapNode): void {
  const at = `networks.${key}`;
  const file = `${unitBase(ctx, key)}.network`;
  const unit = new UnitFile(file, "Network", ctx.log);
  ctx.units.push(unit);
  const name = str(spec?.entries.get("name")) ?? `${ctx.project}_${key}`;
  ctx.networks.set(key, { unit: file, name, line });
  unit.key("NetworkName", esc(name), { key: at, line });
  const e = spec?.entries;
  const driver = str(e?.get("driver"));
  if (driver && driver !== "bridge") unit.key("Driver", esc(driver), { key: `${at}.driver`, line });
  for (const p of pairs(e?.get("driver_opts"), (l) => ctx.log.error(l, at, "driver_opts is a mapping"))) {
    unit.key("Options", esc(`${p.key}=${p.value ?? ""}`), { key: `${at}.driver_opts.${p.key}`, line: p.line });
  }
  if (bool(e?.get("internal"))) unit.key("Internal", "true", { key: `${at}.internal`, line });
  if (bool(e?.get("enable_ipv6"))) unit.key("IPv6", "true", { key: `${at}.enable_ipv6`, line });
  if (e?.has("enable_ipv4") && bool(e.get("enable_ipv4")) === false) {
    ctx.log.warn(line, `${at}.enable_ipv4`, "an IPv6-only network has no quadlet key: podman's network is dual-stack");
  }
  if (e?.has("attachable")) ctx.log.info(line, `${at}.attachable`, "attachable is a Swarm setting: nothing to do");
  const ipam = e?.get("ipam");
  if (ipam?.kind === "map") {
    const ipamDriver = str(ipam.entries.get("driver"));
    if (ipamDriver && ipamDriver !== "default") {
      unit.key("IPAMDriver", esc(ipamDriver), { key: `${at}.ipam.driver`, line: ipam.line });
    }
    const config = ipam.entries.get("config");
    for (const c of config?.kind === "seq" ? config.items : []) {
      if (c.kind !== "map") continue;
      for (const [k, v] of c.entries) {
        const from = { key: `${at}.ipam.config.${k}`, line: v.line };
        const value = str(v) ?? "";
        if (k === "subnet") unit.key("Subnet", esc(value), from);
        else if (k === "ip_range") unit.key("IPRange", esc(value), from);
        else if (k === "gateway") unit.key("Gateway", esc(value), from);
        else ctx.log.warn(v.line, from.key, `${k} has no quadlet key (podman reserves no addresses): left out`);
      }
    }
    if (ipam.entries.has("options")) {
      ctx.log.warn(ipam.line, `${at}.ipam.options`, "IPAM driver options have no quadlet key: left out");
    }
  }
  labelsOf(ctx, unit, e?.get("labels"), `${at}.labels`);
}

/** Top-level `secrets:`: podman secrets the containers use. */
export function mapSecrets(ctx: Ctx, node: Node | undefined): void {
  for (const [key, v] of entriesOf(node)) {
    const at = `secrets.${key}`;
    if (v.kind !== "map") {
      ctx.log.error(v.line, at, "a secret is a mapping with file:, environment: or external:");
      continue;
    }
    const file = str(v.entries.get("file"));
    const envName = str(v.entries.get("environment"));
    if (bool(v.entries.get("external"))) {
      const podman = str(v.entries.get("name")) ?? key;
      ctx.secrets.set(key, { podman, line: v.line });
      ctx.todo.push(`podman secret exists ${podman}`);
      continue;
    }
    const podman = str(v.entries.get("name")) ?? `${ctx.project}_${key}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(podman)) {
      ctx.log.error(v.line, at, `${podman} is not a podman secret name`, "use letters, digits, _ . and -");
      continue;
    }
    ctx.secrets.set(key, { podman, line: v.line });
    if (ctx.setecPrefix) {
      ctx.legerSecrets.push({ name: `${ctx.setecPrefix}/${key}`, podman });
      ctx.log.info(v.line, at, `declared in .leger.yaml as the Setec secret ${ctx.setecPrefix}/${key}`);
    } else if (file !== undefined) {
      const path = projectPath(ctx, file, v.line, `${at}.file`);
      if (path) ctx.todo.push(`podman secret create ${podman} ${path}`);
    } else if (envName !== undefined) {
      if (ctx.env(envName) === undefined) ctx.log.warn(v.line, `${at}.environment`, `${envName} is not set`);
      ctx.todo.push(`printenv ${envName} | podman secret create ${podman} -`);
    } else {
      ctx.log.error(v.line, at, "a secret needs file:, environment: or external: true");
    }
  }
}

/** Top-level `configs:`: each becomes a file of the set, bind-mounted read-only by the services that use it. */
export async function mapConfigs(ctx: Ctx, node: Node | undefined): Promise<void> {
  for (const [key, v] of entriesOf(node)) {
    const at = `configs.${key}`;
    if (v.kind !== "map") {
      ctx.log.error(v.line, at, "a config is a mapping with file:, content:, environment: or external:");
      continue;
    }
    const file = str(v.entries.get("file"));
    const content = str(v.entries.get("content"));
    const envName = str(v.entries.get("environment"));
    let text: string | undefined;
    let wanted = `${ctx.set}-${key}`;
    if (bool(v.entries.get("external"))) {
      ctx.log.error(
        v.line,
        at,
        "podman has no config objects, so an external config cannot be used",
        "write the content into the Compose file (content:) or a file (file:)",
      );
    } else if (file !== undefined) {
      const path = projectPath(ctx, file, v.line, `${at}.file`);
      if (path) {
        try {
          const info = await Deno.stat(path);
          if (!info.isFile) ctx.log.error(v.line, `${at}.file`, `${file} is not a file`);
          else if (info.size > 1024 * 1024) ctx.log.error(v.line, `${at}.file`, `${file} is larger than 1 MiB`);
          else {
            text = await Deno.readTextFile(path);
            wanted += extname(basename(file));
          }
        } catch {
          ctx.log.error(v.line, `${at}.file`, `${file} does not exist in the project folder`);
        }
      }
    } else if (content !== undefined) text = content;
    else if (envName !== undefined) {
      text = ctx.env(envName);
      if (text === undefined) ctx.log.error(v.line, `${at}.environment`, `${envName} is not set`);
    } else ctx.log.error(v.line, at, "a config needs file:, content:, environment: or external: true");
    if (text === undefined) {
      ctx.configs.set(key, { line: v.line });
      continue;
    }
    const name = setFileName(ctx, wanted);
    ctx.files.set(name, { text, mode: 0o644 });
    ctx.configs.set(key, { file: name, line: v.line });
  }
}
