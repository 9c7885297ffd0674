/**
 * The fake host's `podman secret`: values kept (never printed), as
 * podman 5 lists, inspects and refuses them.
 *
 * @module
 */
import { type HostState, newId } from "../fake_host_state.ts";
import type { Answer, Ctx } from "../fake_host_state.ts";
import { bool, err, flags, one, output, render, unknownFlag } from "../fake_host_args.ts";

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

/** Answers `podman secret ARGS`. */
export function secret(ctx: Ctx, args: string[], stdin: Uint8Array): Answer {
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
