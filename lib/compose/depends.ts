/**
 * `depends_on` and `links`, once every service is known. A dependency is
 * `Requires=` (or `Wants=` for `required: false`) plus `After=` on the
 * dependency's service. The conditions:
 *
 * - `service_started`: that is all (systemd starts it first);
 * - `service_healthy`: the dependency's container gets `Notify=healthy`
 *   (podman >= 5.0), so its unit is "started" only once its healthcheck
 *   passes, and `After=` waits for exactly that; its start timeout is
 *   raised to cover the checks;
 * - `service_completed_successfully`: the dependency becomes a one-shot
 *   (`Type=oneshot`, `RemainAfterExit=yes`): `After=` waits for it to exit
 *   with success.
 *
 * `restart: true` adds `PartOf=` (stopping or restarting the dependency
 * does the same to this service).
 *
 * @module
 */
import type { Ctx, ServiceDecl } from "./context.ts";
import { str } from "./tree.ts";
import { esc } from "./unit_file.ts";
import { durationMs } from "./values.ts";
import { NOTIFY_HEALTHY_SINCE } from "../quadlet/keys.ts";

/** What one dependency asks for. */
interface Dep {
  name: string;
  condition: string;
  required: boolean;
  restart: boolean;
  line: number;
}

function depsOf(ctx: Ctx, name: string, decl: ServiceDecl): Dep[] {
  const at = `services.${name}.depends_on`;
  const v = decl.node.entries.get("depends_on");
  const out: Dep[] = [];
  if (!v) return out;
  if (v.kind === "seq") {
    for (const i of v.items) {
      const n = str(i);
      if (n) out.push({ name: n, condition: "service_started", required: true, restart: false, line: i.line });
    }
  } else if (v.kind === "map") {
    for (const [n, spec] of v.entries) {
      const e = spec.kind === "map" ? spec.entries : new Map();
      out.push({
        name: n,
        condition: str(e.get("condition")) ?? "service_started",
        required: str(e.get("required")) !== "false",
        restart: str(e.get("restart")) === "true",
        line: spec.line,
      });
    }
  } else ctx.log.error(v.line, at, "expects a list or a mapping");
  return out;
}

/** Adds the dependencies of every service; `leftOut` are the services the profiles left out. */
export function mapDepends(ctx: Ctx, leftOut: ReadonlySet<string>): void {
  for (const [name, decl] of ctx.services) {
    const at = `services.${name}.depends_on`;
    const links = decl.node.entries.get("links");
    const deps = depsOf(ctx, name, decl);
    for (const l of links?.kind === "seq" ? links.items : []) {
      const [target, alias] = (str(l) ?? "").split(":") as [string, string?];
      const other = ctx.services.get(target);
      if (!other) {
        ctx.log.error(l.line, `services.${name}.links`, `links names ${target}, which is not a service here`);
        continue;
      }
      if (alias && alias !== target) {
        other.unit.key(
          "NetworkAlias",
          esc(alias),
          { key: `services.${name}.links`, line: l.line },
          `--network-alias=${alias}`,
        );
      }
      if (!deps.some((d) => d.name === target)) {
        deps.push({ name: target, condition: "service_started", required: true, restart: false, line: l.line });
      }
    }
    for (const d of deps) {
      const key = `${at}.${d.name}`;
      const target = ctx.services.get(d.name);
      if (!target) {
        if (leftOut.has(d.name)) {
          if (d.required) {
            ctx.log.error(
              d.line,
              key,
              `${d.name} is left out by the chosen profiles`,
              `add --profile for a profile of ${d.name}`,
            );
          } else ctx.log.info(d.line, key, `${d.name} is left out by the chosen profiles (required: false)`);
        } else ctx.log.error(d.line, key, `${d.name} is not a service of this file`);
        continue;
      }
      if (d.name === name) {
        ctx.log.error(d.line, key, "a service cannot depend on itself");
        continue;
      }
      const from = { key, line: d.line };
      decl.unit.systemd("Unit", d.required ? "Requires" : "Wants", target.service, from);
      decl.unit.systemd("Unit", "After", target.service, from);
      if (d.restart) decl.unit.systemd("Unit", "PartOf", target.service, from);
      if (d.condition === "service_healthy") waitHealthy(ctx, d, target, key);
      else if (d.condition === "service_completed_successfully") oneShot(ctx, d, target, key);
      else if (d.condition !== "service_started") ctx.log.error(d.line, key, `unknown condition ${d.condition}`);
    }
  }
}

function waitHealthy(ctx: Ctx, d: Dep, target: ServiceDecl, key: string): void {
  if (!ctx.log.has(NOTIFY_HEALTHY_SINCE)) {
    ctx.log.warn(
      d.line,
      key,
      `waiting for health needs Notify=healthy (podman ${NOTIFY_HEALTHY_SINCE}); the target is ${ctx.log.target}: this service starts once ${d.name} has started, healthy or not`,
    );
    return;
  }
  if (!target.healthcheck) {
    ctx.log.warn(
      d.line,
      key,
      `${d.name} has no healthcheck in the Compose file: Notify=healthy waits for its image's own HEALTHCHECK, and forever without one`,
      `add a healthcheck: to ${d.name}`,
    );
  }
  if (target.unit.hasKey("Container", "Notify")) return;
  target.unit.key("Notify", "healthy", { key, line: d.line });
  // systemd gives a start 90 s; the checks may need longer: start period, then retries at the interval.
  const hc = target.node.entries.get("healthcheck");
  const get = (k: string, def: number) => {
    const n = hc?.kind === "map" ? hc.entries.get(k) : undefined;
    return (n?.kind === "scalar" && n.value !== null ? durationMs(n.value as string | number) : undefined) ?? def;
  };
  const retries = Number(hc?.kind === "map" ? str(hc.entries.get("retries")) ?? 3 : 3);
  const secs =
    Math.ceil((get("start_period", 0) + (get("interval", 30_000) + get("timeout", 30_000)) * (retries + 1)) / 1000) +
    30;
  if (secs > 90) target.unit.systemd("Service", "TimeoutStartSec", String(secs), { key, line: d.line });
}

function oneShot(ctx: Ctx, d: Dep, target: ServiceDecl, key: string): void {
  if (target.unit.hasKey("Service", "Type")) return;
  if (["always", "on-success"].includes(target.unit.value("Service", "Restart") ?? "")) {
    ctx.log.error(
      d.line,
      key,
      `${d.name} must run to completion, but its restart policy restarts it always; systemd refuses that on a one-shot`,
      `use restart: no or on-failure on ${d.name}`,
    );
    return;
  }
  const from = { key, line: d.line };
  target.unit.systemd("Service", "Type", "oneshot", from);
  target.unit.systemd("Service", "RemainAfterExit", "yes", from);
}
