/**
 * `build:` becomes a `.build` unit (podman >= 5.2) whose working
 * directory is the build context inside the project folder; the
 * container runs the image it tags (`Image=NAME.build`).
 *
 * @module
 */
import { isAbsolute } from "node:path";
import { projectPath, type Svc } from "../context.ts";
import { KIND_SINCE } from "../../quadlet/keys.ts";
import { type Node, str } from "../tree.ts";
import { arg, esc, UnitFile } from "../unit_file.ts";
import { bool, byteSize, pairs } from "../values.ts";

const LEFT_OUT = new Set([
  "ssh",
  "secrets",
  "cache_from",
  "cache_to",
  "platforms",
  "tags",
  "additional_contexts",
  "extra_hosts",
  "isolation",
  "privileged",
  "entitlements",
  "ulimits",
]);

/** `build:` (a context path or a mapping). */
export function mapBuild(s: Svc, v: Node, key: string): void {
  const { ctx } = s;
  const spec = v.kind === "map" ? v.entries : new Map<string, Node>([["context", v]]);
  const context = str(spec.get("context")) ?? ".";
  if (/^[a-z]+:\/\/|^git@|\.git(#|$)/.test(context)) {
    return ctx.log.error(
      v.line,
      `${key}.context`,
      "a remote build context has no quadlet form",
      "clone it into the project folder and build from there",
    );
  }
  const dir = projectPath(ctx, context, v.line, `${key}.context`);
  if (!dir) return;
  if (!ctx.log.has(KIND_SINCE.build!)) {
    return ctx.log.error(
      v.line,
      key,
      `.build units need podman ${KIND_SINCE.build}; the target is ${ctx.log.target}`,
      "build the image with podman build and name it in image:",
    );
  }
  const base = s.unit.name.replace(/\.container$/, "");
  const unit = new UnitFile(`${base}.build`, "Build", ctx.log);
  ctx.units.push(unit);
  const image = str(s.node.entries.get("image"));
  const tag = image
    ? (image.split("/")[0]!.match(/[.:]|^localhost$/) && image.includes("/") ? image : `localhost/${image}`)
    : `localhost/${base}:latest`;
  unit.key("ImageTag", esc(tag), { key, line: v.line });
  unit.key("SetWorkingDirectory", esc(dir), { key: `${key}.context`, line: v.line });
  // The generator leaves a .build unit inactive once built (seen on 5.8): the container's start would build again,
  // and leger's health gate would count the unit as not started.
  unit.systemd("Service", "RemainAfterExit", "yes", { key, line: v.line });
  for (const [k, val] of spec) {
    const at = `${key}.${k}`;
    const from = { key: at, line: val.line };
    if (k === "context") continue;
    if (k === "dockerfile") {
      const file = str(val) ?? "";
      if (isAbsolute(file) || file.split("/").includes("..")) {
        ctx.log.error(val.line, at, "the Containerfile must be inside the build context");
      } else unit.key("File", esc(file), from);
    } else if (k === "dockerfile_inline") {
      ctx.log.error(
        val.line,
        at,
        "an inline Containerfile has no quadlet form",
        "write it to a file in the build context and name it in dockerfile:",
      );
    } else if (k === "args") {
      for (const p of pairs(val, (l) => ctx.log.error(l, at, "expects a mapping or a list"))) {
        const value = p.value ?? ctx.env(p.key);
        if (value === undefined) continue;
        const kv = `${p.key}=${value}`;
        unit.key("BuildArg", arg(kv), { key: at, line: p.line }, arg(`--build-arg=${kv}`));
      }
    } else if (k === "target") unit.key("Target", esc(str(val) ?? ""), from);
    else if (k === "labels") {
      for (const p of pairs(val, () => {})) {
        unit.key("Label", arg(`${p.key}=${p.value ?? ""}`), { key: at, line: p.line });
      }
    } else if (k === "network") unit.key("Network", esc(str(val) ?? ""), from);
    else if (k === "pull") {
      if (bool(val)) unit.key("Pull", "always", from);
    } else if (k === "no_cache") {
      if (bool(val)) unit.key("PodmanArgs", "--no-cache", from);
    } else if (k === "shm_size") {
      const size = byteSize(str(val) ?? "");
      if (size) unit.key("PodmanArgs", `--shm-size=${size}`, from);
      else ctx.log.error(val.line, at, "not a size");
    } else if (LEFT_OUT.has(k)) ctx.log.warn(val.line, at, `build ${k} has no quadlet key: left out`);
    else ctx.log.error(val.line, at, `unknown build key ${k}`);
  }
  s.unit.key("Image", `${base}.build`, { key, line: v.line });
}
