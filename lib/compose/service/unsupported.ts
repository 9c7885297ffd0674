/**
 * Service keys a quadlet cannot express. Keys that would change how the
 * container behaves are errors (nothing is written) with the
 * `PodmanArgs=` line that would do it, for the user to add knowingly;
 * keys with no effect here (Windows, Swarm, Docker Desktop, development)
 * are warnings or notes. Each says why.
 *
 * @module
 */
import type { Svc } from "../context.ts";
import { type Node, str } from "../tree.ts";
import { arg } from "../unit_file.ts";
import { bool, strings } from "../values.ts";

type Handler = (s: Svc, v: Node, key: string) => void;

/** An error whose fix is podman's own option, written by the user after the import. */
const behaviour = (what: string, flag: (v: Node) => string | undefined): Handler => (s, v, key) => {
  if (v.kind === "scalar" && (v.value === false || v.value === null)) return;
  const f = flag(v);
  s.ctx.log.error(
    v.line,
    key,
    `${what} has no quadlet key, and leaving it out would change how the container behaves`,
    f ? `remove it from the Compose file and, if you accept it, add PodmanArgs=${f} to ${s.unit.name}` : undefined,
  );
};

const note = (severity: "warning" | "info", why: string): Handler => (s, v, key) => {
  if (severity === "warning") s.ctx.log.warn(v.line, key, why);
  else s.ctx.log.info(v.line, key, why);
};

const valueFlag = (flag: string) => (v: Node) => arg(`${flag}=${str(v) ?? ""}`);

/** Handlers of the service keys that are reported rather than mapped. */
export const UNSUPPORTED: Record<string, Handler> = {
  privileged: (s, v, key) => {
    if (bool(v)) behaviour("privileged: true", () => "--privileged")(s, v, key);
  },
  pid: behaviour("pid", valueFlag("--pid")),
  ipc: behaviour("ipc", valueFlag("--ipc")),
  uts: behaviour("uts", valueFlag("--uts")),
  cgroup: behaviour("cgroup", valueFlag("--cgroupns")),
  cgroup_parent: behaviour("cgroup_parent", valueFlag("--cgroup-parent")),
  runtime: behaviour("runtime", valueFlag("--runtime")),
  storage_opt: behaviour("storage_opt", () => undefined),
  volumes_from: behaviour("volumes_from", (v) => {
    const from = strings(v, () => {}).map((x) => x.value);
    return from.length ? from.map((f) => arg(`--volumes-from=${f}`)).join(" ") : undefined;
  }),
  device_cgroup_rules: behaviour("device_cgroup_rules", (v) => {
    const rules = strings(v, () => {}).map((x) => x.value);
    return rules.length ? rules.map((r) => arg(`--device-cgroup-rule=${r}`)).join(" ") : undefined;
  }),
  oom_kill_disable: (s, v, key) => {
    if (bool(v)) behaviour("oom_kill_disable", () => "--oom-kill-disable")(s, v, key);
  },
  gpus: behaviour("gpus", () => "--device=nvidia.com/gpu=all"),
  post_start: behaviour("post_start hooks", () => undefined),
  pre_stop: behaviour("pre_stop hooks", () => undefined),
  extends: (s, v, key) =>
    s.ctx.log.error(
      v.line,
      key,
      "extends is not followed by the import",
      "write the service out in full (YAML anchors work)",
    ),
  use_api_socket: behaviour("use_api_socket", () => undefined),
  models: behaviour("models", () => undefined),
  provider: behaviour("provider", () => undefined),
  blkio_config: note("warning", "block I/O weights have no quadlet key: left out"),
  mac_address: (s, v, key) =>
    void s.unit.key("PodmanArgs", arg(`--mac-address=${str(v) ?? ""}`), { key, line: v.line }),
  isolation: note("warning", "isolation is a Windows setting: left out"),
  cpu_count: note("warning", "cpu_count is a Windows setting: left out (use cpus)"),
  cpu_percent: note("warning", "cpu_percent is a Windows setting: left out (use cpus)"),
  credential_spec: note("warning", "credential_spec is a Windows setting: left out"),
  external_links: note("warning", "external_links: podman resolves containers by name on a shared network; join it"),
  label_file: note("warning", "label_file is not read by the import: write the labels under labels:"),
  attach: note("info", "attach only affects docker compose up's output"),
  develop: note("info", "develop: is for docker compose watch: left out"),
  driver_opts: note("warning", "per-service network driver options have no quadlet key: left out"),
};
