/**
 * The fake host's podman: `podman quadlet` (in fake_host_quadlet.ts),
 * volumes with real folders and tar export/import, secrets (values kept,
 * never printed), images, `ps` and `version`.
 *
 * @module
 */
import { join } from "node:path";
import { last, normalizeImage } from "./fake_host_ini.ts";
import { type HostState, newId } from "./fake_host_state.ts";
import { type Answer, createVolume, type Ctx, ensureImage } from "./fake_host_systemd.ts";
import { packDir, unpackInto } from "./fake_host_tar.ts";
import { bool, err, flags, one, output, render, unknownFlag } from "./fake_host_args.ts";
import { quadlet } from "./fake_host_quadlet.ts";

export { render };

// ---------------------------------------------------------------- volumes

function volumeRow(state: HostState, name: string) {
  const v = state.volumes[name]!;
  return {
    Name: v.name,
    Driver: "local",
    Mountpoint: v.mountpoint,
    CreatedAt: v.createdAt,
    Labels: v.labels,
    Scope: "local",
    Options: {},
    MountCount: 0,
    NeedsCopyUp: true,
    NeedsChown: true,
  };
}

function usersOf(state: HostState, volume: string): string[] {
  return Object.values(state.containers).filter((c) => c.volumes.includes(volume)).map((c) => c.id);
}

function volume(ctx: Ctx, args: string[], stdin: Uint8Array): Answer {
  const { state } = ctx;
  const [sub, ...rest] = args;
  const { opts, pos } = flags(rest, ["--format", "--filter", "--label", "-l", "--output", "-o"]);
  switch (sub) {
    case "ls":
    case "list": {
      const filters = opts["--filter"] ?? [];
      const rows = Object.keys(state.volumes).sort().map((n) => volumeRow(state, n)).filter((r) =>
        filters.every((f) => {
          const [k, ...v] = f.split("=");
          if (k === "name") return r.Name === v.join("=") || new RegExp(`^${v.join("=")}$`).test(r.Name);
          if (k === "label") return v.length === 1 ? v[0]! in r.Labels : r.Labels[v[0]!] === v.slice(1).join("=");
          return true;
        })
      );
      if (bool(opts, "-q", "--quiet")) return { stdout: rows.map((r) => r.Name + "\n").join("") };
      return output(
        one(opts, "--format"),
        rows,
        () => "DRIVER      VOLUME NAME\n" + rows.map((r) => `local       ${r.Name}\n`).join(""),
      );
    }
    case "inspect": {
      const names = bool(opts, "--all", "-a") ? Object.keys(state.volumes).sort() : pos;
      if (names.length === 0) return err("provide one or more volume names or use --all");
      const missing = names.find((n) => !state.volumes[n]);
      if (missing) return err(`no such volume ${missing}`);
      const rows = names.map((n) => volumeRow(state, n));
      const format = one(opts, "--format", "-f");
      if (format && format !== "json") return { stdout: rows.map((r) => render(format, r)).join("\n") + "\n" };
      return { stdout: JSON.stringify(rows, null, 4) + "\n" };
    }
    case "exists":
      return { code: state.volumes[pos[0] ?? ""] ? 0 : 1 };
    case "create": {
      const name = pos[0] ?? newId();
      if (state.volumes[name]) {
        if (bool(opts, "--ignore")) return { stdout: name + "\n" };
        return err(`volume with name ${name} already exists: volume already exists`);
      }
      const labels: Record<string, string> = {};
      for (const l of [...(opts["--label"] ?? []), ...(opts["-l"] ?? [])]) {
        const [k, ...v] = l.split("=");
        labels[k!] = v.join("=");
      }
      createVolume(ctx, name, labels);
      return { stdout: name + "\n" };
    }
    case "rm":
    case "remove": {
      const force = bool(opts, "--force", "-f");
      const names = bool(opts, "--all", "-a") ? Object.keys(state.volumes) : pos;
      if (names.length === 0) return err("choose either one or more volumes or all");
      const out: string[] = [];
      for (const n of names) {
        // With --force a volume that does not exist is passed over (seen on podman 5.4.2 and 5.8.6: exit 0).
        if (!state.volumes[n] && force) continue;
        if (!state.volumes[n]) {
          return {
            stdout: out.map((o) => o + "\n").join(""),
            ...err(`no volume with name "${n}" found: no such volume`, 1),
          };
        }
        const users = usersOf(state, n);
        if (users.length && !force) {
          return {
            stdout: out.map((o) => o + "\n").join(""),
            ...err(
              `volume ${n} is being used by the following container(s): ${users.join(", ")}: volume is being used`,
              2,
            ),
          };
        }
        for (const [cname, c] of Object.entries(state.containers)) {
          if (users.includes(c.id)) delete state.containers[cname];
        }
        // A volume whose folder is gone (moved aside) is still removed from the records (seen on 5.8.6).
        try {
          Deno.removeSync(join(state.volumeRoot, n), { recursive: true });
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
        delete state.volumes[n];
        out.push(n);
      }
      return { stdout: out.map((o) => o + "\n").join("") };
    }
    case "export": {
      if (pos.length !== 1) return err(`accepts 1 arg(s), received ${pos.length}`);
      const v = state.volumes[pos[0]!];
      if (!v) return err(`no such volume ${pos[0]}`);
      const tar = packDir(v.mountpoint);
      const file = one(opts, "--output", "-o");
      if (file) {
        Deno.writeFileSync(file, tar);
        return {};
      }
      return { stdout: tar };
    }
    case "import": {
      if (pos.length !== 2) return err(`accepts 2 arg(s), received ${pos.length}`);
      const v = state.volumes[pos[0]!];
      if (!v) return err(`no such volume ${pos[0]}`);
      let tar: Uint8Array;
      try {
        tar = pos[1] === "-" ? stdin : Deno.readFileSync(pos[1]!);
      } catch {
        return err(`open ${pos[1]}: no such file or directory`);
      }
      try {
        unpackInto(tar, v.mountpoint);
      } catch (e) {
        return err(`extracting archive to volume ${v.name}: ${(e as Error).message}`);
      }
      return {};
    }
    default:
      return err(
        `unrecognized command \`podman volume ${sub ?? ""}\`\nTry 'podman volume --help' for more information`,
      );
  }
}

// ---------------------------------------------------------------- secrets

const SECRET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function secretRow(state: HostState, name: string) {
  const s = state.secrets[name]!;
  return { ID: s.id, Name: name, Driver: "file", CreatedAt: s.createdAt, UpdatedAt: s.updatedAt };
}

function secret(ctx: Ctx, args: string[], stdin: Uint8Array): Answer {
  const { state } = ctx;
  const [sub, ...rest] = args;
  const { opts, pos } = flags(rest, ["--format", "--driver", "-d", "--label", "-l", "--filter"]);
  switch (sub) {
    case "create": {
      const bad = unknownFlag(opts, ["--replace", "--driver", "-d", "--label", "-l", "--env"], "secret create");
      if (bad) return bad;
      if (pos.length !== 2) return err(`accepts 2 arg(s), received ${pos.length}`);
      const [name, source] = pos as [string, string];
      let data: Uint8Array;
      if (source === "-") data = stdin;
      else {
        try {
          data = Deno.readFileSync(source);
        } catch {
          return err(`open ${source}: no such file or directory`);
        }
      }
      if (!SECRET_NAME.test(name) || name.length > 253) {
        return err(`secret name "${name}" is invalid: invalid secret name`);
      }
      if (data.length === 0 || data.length >= 512_000) {
        return err("secret data must be larger than 0 and less than 512000 bytes");
      }
      const existing = state.secrets[name];
      if (existing && !bool(opts, "--replace")) return err(`${name}: secret name in use`);
      const now = new Date(ctx.now).toISOString();
      const id = newId().slice(0, 25);
      state.secrets[name] = { id, value: b64(data), createdAt: existing?.createdAt ?? now, updatedAt: now };
      return { stdout: id + "\n" };
    }
    case "ls":
    case "list": {
      const rows = Object.keys(state.secrets).sort().map((n) => secretRow(state, n));
      if (bool(opts, "-q", "--quiet")) return { stdout: rows.map((r) => r.ID + "\n").join("") };
      return output(
        one(opts, "--format"),
        rows,
        () =>
          "ID                         NAME        DRIVER      CREATED     UPDATED\n" +
          rows.map((r) => `${r.ID}  ${r.Name}  file  now  now\n`).join(""),
      );
    }
    case "inspect": {
      // --showsecret is accepted but the fake never prints a value.
      if (pos.length === 0) return err("requires at least 1 arg(s), only received 0");
      const missing = pos.find((n) => !state.secrets[n]);
      if (missing) return err(`inspecting secret: no secret with name or id "${missing}": no such secret`);
      const rows = pos.map((n) => {
        const s = state.secrets[n]!;
        return {
          ID: s.id,
          CreatedAt: s.createdAt,
          UpdatedAt: s.updatedAt,
          Spec: { Name: n, Driver: { Name: "file", Options: { path: "/fake/secrets/filedriver" } }, Labels: {} },
        };
      });
      const format = one(opts, "--format", "-f");
      if (format && format !== "json") return { stdout: rows.map((r) => render(format, r)).join("\n") + "\n" };
      return { stdout: JSON.stringify(rows, null, 4) + "\n" };
    }
    case "exists":
      return { code: state.secrets[pos[0] ?? ""] ? 0 : 1 };
    case "rm":
    case "remove": {
      const names = bool(opts, "--all", "-a") ? Object.keys(state.secrets) : pos;
      if (names.length === 0) return err("`podman secret rm` requires one argument");
      const out: string[] = [];
      for (const n of names) {
        const s = state.secrets[n];
        if (!s) {
          if (bool(opts, "--ignore", "-i")) continue;
          return { stdout: out.join(""), ...err(`no secret with name or id "${n}": no such secret`, 1) };
        }
        delete state.secrets[n];
        out.push(s.id + "\n");
      }
      return { stdout: out.join("") };
    }
    default:
      return err(
        `unrecognized command \`podman secret ${sub ?? ""}\`\nTry 'podman secret --help' for more information`,
      );
  }
}

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
