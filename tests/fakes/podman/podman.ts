/**
 * The fake host's podman: `podman quadlet` (quadlet.ts), volumes
 * (volumes.ts), secrets (secrets.ts), and here
 * images, `ps`, `inspect` and `version`.
 *
 * @module
 */
import { last, normalizeImage } from "../fake_host_ini.ts";
import type { Answer, Ctx, HostState } from "../fake_host_state.ts";
import { ensureImage } from "../systemd/units.ts";
import { bool, err, flags, one, output, render } from "../fake_host_args.ts";
import { quadlet } from "./quadlet.ts";
import { volume } from "./volumes.ts";
import { secret } from "./secrets.ts";

// ---------------------------------------------------------------- images, containers

function imageRows(state: HostState) {
  return state.images.map((i) => {
    const colon = i.lastIndexOf(":");
    return { Repository: i.slice(0, colon), Tag: i.slice(colon + 1), Id: newIdFor(i), Names: [i] };
  });
}

function newIdFor(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(12, "0").slice(0, 12);
}

function image(ctx: Ctx, sub: string | undefined, rest: string[]): Answer {
  const { state } = ctx;
  const { opts, pos } = flags(rest, ["--format", "--filter"]);
  switch (sub) {
    case "exists":
      return { code: state.images.includes(normalizeImage(pos[0] ?? "")) ? 0 : 1 };
    case "ls":
    case "list": {
      const rows = imageRows(state);
      return output(
        one(opts, "--format"),
        rows,
        () => "REPOSITORY  TAG  IMAGE ID\n" + rows.map((r) => `${r.Repository}  ${r.Tag}  ${r.Id}\n`).join(""),
      );
    }
    case "pull": {
      const out: string[] = [];
      for (const ref of pos) {
        const e = ensureImage(ctx, ref);
        if (e) return { stdout: out.join(""), stderr: `Trying to pull ${normalizeImage(ref)}...\n${e}\n`, code: 125 };
        out.push(newIdFor(normalizeImage(ref)) + "\n");
      }
      return { stdout: out.join("") };
    }
    case "rm": {
      for (const ref of pos) {
        const n = normalizeImage(ref);
        if (!state.images.includes(n)) return err(`${ref}: image not known`, 1);
        state.images = state.images.filter((i) => i !== n);
      }
      return {};
    }
    default:
      return err(`unrecognized command \`podman image ${sub ?? ""}\`\nTry 'podman image --help' for more information`);
  }
}

function ps(ctx: Ctx, args: string[]): Answer {
  const { opts } = flags(args, ["--format", "--filter", "-f"]);
  const filters = [...(opts["--filter"] ?? []), ...(opts["-f"] ?? [])];
  const rows = Object.values(ctx.state.containers).sort((a, b) => a.name.localeCompare(b.name)).map((c) => ({
    Id: c.id,
    Names: [c.name],
    Image: c.image,
    State: "running",
    Status: "Up",
    Labels: { PODMAN_SYSTEMD_UNIT: c.unit },
    Ports: c.ports,
    Mounts: c.volumes,
    StartedAt: c.startedAt,
  })).filter((r) =>
    filters.every((f) => {
      const [k, ...v] = f.split("=");
      if (k === "name") return r.Names[0] === v.join("=");
      if (k === "label") {
        return v[0] === "PODMAN_SYSTEMD_UNIT" ? r.Labels.PODMAN_SYSTEMD_UNIT === v.slice(1).join("=") : false;
      }
      return true;
    })
  );
  if (bool(opts, "-q", "--quiet")) return { stdout: rows.map((r) => r.Id.slice(0, 12) + "\n").join("") };
  return output(
    one(opts, "--format"),
    rows,
    () =>
      "CONTAINER ID  IMAGE  COMMAND  CREATED  STATUS  PORTS  NAMES\n" +
      rows.map((r) => `${r.Id.slice(0, 12)}  ${r.Image}    now  Up  ${r.Ports.join(", ")}  ${r.Names[0]}\n`).join(""),
  );
}

/** How long a container's healthcheck reports "starting" before its first result (ms). */
export const HEALTH_FIRST_RESULT_MS = 300;

/**
 * `podman inspect` / `podman container inspect` of running containers.
 * A container whose unit has `HealthCmd=` reports State.Health: "starting"
 * for {@linkcode HEALTH_FIRST_RESULT_MS}, then "unhealthy" when the command
 * is `false`/`/bin/false`/`exit 1`, else "healthy".
 */
function inspect(ctx: Ctx, args: string[]): Answer {
  const { opts, pos } = flags(args, ["--format", "-f", "--type", "-t"]);
  if (pos.length === 0) return err("must provide at least one name or id");
  const rows: unknown[] = [];
  for (const name of pos) {
    const c = Object.values(ctx.state.containers).find((x) => x.name === name || x.id.startsWith(name));
    if (!c) return err(`no such object: "${name}"`);
    const cmd = last(ctx.state.units[c.unit]?.def, "Container", "HealthCmd");
    const age = ctx.now - Date.parse(c.startedAt);
    const health = cmd && cmd !== "none"
      ? {
        Status: age < HEALTH_FIRST_RESULT_MS
          ? "starting"
          : /(^|[\s/])false(\s|$)|exit 1/.test(cmd)
          ? "unhealthy"
          : "healthy",
        FailingStreak: 0,
        Log: [],
      }
      : undefined;
    rows.push({
      Id: c.id,
      Name: c.name,
      ImageName: c.image,
      State: { Status: "running", Running: true, StartedAt: c.startedAt, ...(health ? { Health: health } : {}) },
      Config: { Labels: { PODMAN_SYSTEMD_UNIT: c.unit } },
    });
  }
  const format = one(opts, "--format", "-f");
  if (format && format !== "json") return { stdout: rows.map((r) => render(format, r)).join("\n") + "\n" };
  return { stdout: JSON.stringify(rows, null, 4) + "\n" };
}

/** Answers `podman ARGS`. */
export function podman(ctx: Ctx, args: string[], stdin: Uint8Array): Answer {
  const { state } = ctx;
  const [cmd, ...rest] = args;
  switch (cmd) {
    case "--version":
    case "-v":
      return { stdout: `podman version ${state.podmanVersion}\n` };
    case "version": {
      const { opts } = flags(rest, ["--format", "-f"]);
      const info = { Client: { Version: state.podmanVersion, APIVersion: state.podmanVersion, OsArch: "linux/amd64" } };
      const format = one(opts, "--format", "-f");
      if (format === "json") return { stdout: JSON.stringify(info, null, 4) + "\n" };
      if (format) return { stdout: render(format, info) + "\n" };
      return {
        stdout: `Client:       Podman Engine\nVersion:      ${state.podmanVersion}\nOS/Arch:      linux/amd64\n`,
      };
    }
    case "quadlet":
      return quadlet(ctx, rest);
    case "volume":
      return volume(ctx, rest, stdin);
    case "secret":
      return secret(ctx, rest, stdin);
    case "image":
      return image(ctx, rest[0], rest.slice(1));
    case "images":
      return image(ctx, "ls", rest);
    case "pull":
      return image(ctx, "pull", rest);
    case "ps":
      return ps(ctx, rest);
    case "inspect":
      return inspect(ctx, rest);
    case "container":
      if (rest[0] === "inspect") return inspect(ctx, rest.slice(1));
      return err(`unrecognized command \`podman container ${rest[0] ?? ""}\``);
    case undefined:
      return err("missing command 'podman COMMAND'\nTry 'podman --help' for more information");
    default:
      return err(`unrecognized command \`podman ${cmd}\`\nTry 'podman --help' for more information`);
  }
}
