/**
 * How a command runs inside a test host: as which user, with which clean
 * environment, and what it returns or throws. The {@linkcode Host} handle
 * (guest.ts) runs them.
 *
 * @module
 */
import type { RunResult } from "./process.ts";

/** A user inside the guest. */
export type User = "root" | "alice";

/** What a command run in the guest returned. */
export type ExecResult = RunResult;

/** Options of {@linkcode Host.exec}. */
export interface ExecOptions {
  /** Run as this user (default root). alice gets her systemd user bus. */
  user?: User;
  /** Extra environment variables (the environment is otherwise clean). */
  env?: Record<string, string>;
  /** Text or bytes for standard input. */
  stdin?: string | Uint8Array;
  /** Working directory inside the guest. */
  cwd?: string;
  /** Kill the command after this many milliseconds (default 300 s). */
  timeoutMs?: number;
  /** Throw a {@linkcode HostCommandError} when the exit code is not 0. */
  check?: boolean;
}

/** Thrown by {@linkcode Host.exec} with `check` when a command fails. */
export class HostCommandError extends Error {
  /** What the command returned. */
  readonly result: ExecResult;

  /** Builds the error from the command, user and result. */
  constructor(cmd: readonly string[], user: User, result: ExecResult) {
    super(
      `Cannot run '${cmd.join(" ")}' as ${user} in the test host: exit code ${result.code}\n` +
        `stdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`,
    );
    this.name = "HostCommandError";
    this.result = result;
  }
}

const GUEST_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

/** What can run a command in a guest: a {@linkcode Host}, for the helpers that only run commands. */
export interface GuestShell {
  /** Runs `cmd` inside the guest. */
  exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
}

/** The `env -i ...` prefix of a command run as `user`: PATH, HOME, USER, and alice's user bus. */
export function envArgs(user: User, opts: ExecOptions): string[] {
  const home = user === "alice" ? "/home/alice" : "/root";
  return [
    "env",
    "-i",
    ...(opts.cwd ? ["-C", opts.cwd] : []),
    `PATH=${GUEST_PATH}`,
    `HOME=${home}`,
    `USER=${user}`,
    `LOGNAME=${user}`,
    "LANG=C.UTF-8",
    ...(user === "alice"
      ? [
        "XDG_RUNTIME_DIR=/run/user/1000",
        "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus",
      ]
      : []),
    ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
  ];
}
