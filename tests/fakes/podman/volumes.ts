/**
 * The fake host's `podman volume`: volumes with real folders, labels, the
 * containers that use them, and tar export/import.
 *
 * @module
 */
import { join } from "node:path";
import { type HostState, newId } from "../fake_host_state.ts";
import type { Answer, Ctx } from "../fake_host_state.ts";
import { createVolume } from "../systemd/units.ts";
import { packDir, unpackInto } from "./tar.ts";
import { bool, err, flags, one, output, render } from "../fake_host_args.ts";

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

/** Answers `podman volume ARGS`. */
export function volume(ctx: Ctx, args: string[], stdin: Uint8Array): Answer {
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
