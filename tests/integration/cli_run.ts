/**
 * Runs main.ts as a user would: a subprocess with the fake host's
 * podman/systemctl/journalctl on PATH (or a plain environment without a host).
 *
 * @module
 */
import { join } from "node:path";
import type { Bench } from "../fakes/fake_host_fixtures.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const MAIN = join(ROOT, "main.ts");

/** What a leger run printed and how it ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The one variable a clean environment keeps from the test's own: where
 * `deno test --coverage` collects profiles, so that the leger runs of the
 * integration tier count towards lib/'s coverage (without it, every
 * `clearEnv` child ran uncounted).
 */
export function coverageEnv(): Record<string, string> {
  const dir = Deno.env.get("DENO_COVERAGE_DIR");
  return dir ? { DENO_COVERAGE_DIR: dir } : {};
}

/** Runs Deno with `args` in a clean environment (`env` only), no standard input, and collects what it printed. */
export async function runDeno(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env: { ...env, ...coverageEnv() },
    clearEnv: true,
    ...(cwd ? { cwd } : {}),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}

/** Runs `leger ARGS` against the bench's host (or none), with extra environment. */
export async function runLeger(
  b: Bench | undefined,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<CliResult> {
  return await runDeno(["run", "-A", "--quiet", MAIN, ...args], {
    ...(b ? b.host.env() : { HOME: "/tmp", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" }),
    DENO_DIR: Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache/deno"),
    NO_COLOR: "1",
    ...extraEnv,
  });
}

/** The project's root folder. */
export const PROJECT_ROOT = ROOT;

/**
 * The environment of a run whose user systemd cannot be reached: a
 * `systemctl` and a `busctl` first on PATH that answer as systemd 256+
 * does without a user bus (both reach systemd over the same bus).
 */
export async function systemdDownEnv(b: Bench): Promise<Record<string, string>> {
  const down = join(b.host.root, "systemd-down");
  await Deno.mkdir(down, { recursive: true });
  for (const tool of ["systemctl", "busctl"]) {
    await Deno.writeTextFile(
      join(down, tool),
      "#!/bin/sh\necho 'Failed to connect to user scope bus via local transport: $DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR not defined (consider using --machine=<user>@.host --user to connect to bus of other user)' >&2\nexit 1\n",
    );
    await Deno.chmod(join(down, tool), 0o755);
  }
  return { PATH: `${down}:${b.host.env().PATH}` };
}
