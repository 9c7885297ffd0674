/**
 * The {@linkcode Host} handle: runs commands inside a booted test host
 * through `nsenter`, and stops it. Made by `bootHost` in `host.ts`.
 *
 * @module
 */

import { processAlive, run, type RunResult, unmountAndRemove } from "./process.ts";
import type { Suite } from "./rootfs.ts";

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
const live = new Set<Host>();

/** Internal construction data of a {@linkcode Host}. */
export interface HostInit {
  id: string;
  suite: Suite;
  dir: string;
  merged: string;
  child: Deno.ChildProcess;
  log: (line: string) => void;
}

/** A booted test host. Stop it with {@linkcode Host.stop}. */
export class Host implements AsyncDisposable {
  /** Short id; the guest's hostname is `leger-<id>`. */
  readonly id: string;
  /** Debian suite it runs. */
  readonly suite: Suite;
  /** The guest's root folder as seen from the build machine (the overlay). */
  readonly root: string;
  /** Per-boot folder (overlay layers, container storage, nspawn.log). */
  readonly dir: string;
  /** Milliseconds spent booting (`bootMs` includes the image imports). */
  readonly timings: { bootMs?: number; readyMs?: number } = {};
  #child: Deno.ChildProcess;
  #status: Promise<Deno.CommandStatus>;
  #exited = false;
  #pid1 = 0;
  #log: (line: string) => void;
  #stopping: Promise<void> | undefined;
  #stoppedSync = false;

  /** Use `bootHost` instead. */
  constructor(init: HostInit) {
    this.id = init.id;
    this.suite = init.suite;
    this.dir = init.dir;
    this.root = init.merged;
    this.#child = init.child;
    this.#log = init.log;
    this.#status = init.child.status.finally(() => {
      this.#exited = true;
    });
    register(this);
  }

  /** PID of the guest's systemd (PID 1 inside), as seen from outside. */
  get pid1(): number {
    return this.#pid1;
  }

  /** PID of the systemd-nspawn process. */
  get nspawnPid(): number {
    return this.#child.pid;
  }

  /**
   * Waits for PID 1, systemd, /dev/net/tun and alice's user manager. A boot
   * takes a few seconds alone; the fleet test boots three hosts at once
   * beside other end-to-end files, and one of them once missed a 60 s
   * deadline on the 2-core build machine, so the deadline is 120 s.
   */
  async waitReady(timeoutMs = 120_000): Promise<void> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    const fail = async (what: string) => {
      const logText = await Deno.readTextFile(`${this.dir}/nspawn.log`)
        .catch(() => "");
      throw new Error(
        `Cannot boot test host leger-${this.id}: ${what}\n` +
          `nspawn.log (tail):\n${logText.slice(-3000)}`,
      );
    };
    while (!this.#pid1) {
      if (this.#exited) await fail("systemd-nspawn exited");
      if (Date.now() > deadline) await fail("no PID 1 appeared");
      this.#pid1 = findChild(this.#child.pid, "systemd") ?? 0;
      if (!this.#pid1) await sleep(50);
    }
    let state = "";
    while (!["running", "degraded"].includes(state)) {
      if (this.#exited) await fail("systemd-nspawn exited");
      if (Date.now() > deadline) {
        await fail(`systemd never finished booting (state '${state}')`);
      }
      const r = await this.exec(["systemctl", "is-system-running", "--wait"], {
        timeoutMs: Math.max(1000, deadline - Date.now()),
      });
      state = r.stdout.trim();
      if (!["running", "degraded"].includes(state)) await sleep(100);
    }
    if (state === "degraded") {
      const failed = await this.exec(["systemctl", "--failed", "--no-legend"]);
      this.#log(`guest is degraded: ${failed.stdout.trim()}`);
    }
    // nspawn makes /dev/net/tun 0600; pasta (rootless networking) opens it.
    await this.sh(
      "rm -f /dev/net/tun && mknod -m 666 /dev/net/tun c 10 200 && " +
        "loginctl enable-linger alice",
      { check: true },
    );
    let userState = "";
    while (!["running", "degraded"].includes(userState)) {
      if (Date.now() > deadline) {
        await fail(`alice's user manager is not ready ('${userState}')`);
      }
      const r = await this.sh(
        "test -S /run/user/1000/bus && systemctl --user is-system-running --wait",
        { user: "alice", timeoutMs: Math.max(1000, deadline - Date.now()) },
      );
      userState = r.stdout.trim();
      if (!["running", "degraded"].includes(userState)) await sleep(100);
    }
    this.timings.readyMs = Date.now() - started;
  }

  /**
   * Runs `cmd` inside the guest with a clean environment (PATH, HOME, USER,
   * and for alice XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS).
   */
  async exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const user = opts.user ?? "root";
    const timeoutMs = opts.timeoutMs ?? 300_000;
    const argv = this.commandLine(cmd, { ...opts, timeoutMs });
    const result = await run(argv, {
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
      timeoutMs: timeoutMs + 5000,
    });
    if (opts.check && result.code !== 0) {
      throw new HostCommandError(cmd, user, result);
    }
    return result;
  }

  /**
   * The build machine's command line that runs `cmd` in the guest (for
   * callers that need their own stdio, like an interactive shell).
   * Without `timeoutMs` the command runs as long as it likes.
   */
  commandLine(cmd: string[], opts: ExecOptions = {}): string[] {
    return [
      "nsenter",
      "-t",
      String(this.#pid1),
      "-a",
      ...(opts.user === "alice" ? ["runuser", "-u", "alice", "--"] : []),
      ...envArgs(opts.user ?? "root", opts),
      // Killing nsenter would leave the command running inside: let the
      // guest's own timeout end it first.
      ...(opts.timeoutMs === undefined ? [] : ["timeout", "-k", "2", `${Math.ceil(opts.timeoutMs / 1000)}s`]),
      ...cmd,
    ];
  }

  /** Runs a `sh -c` script inside the guest; see {@linkcode Host.exec}. */
  sh(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(["sh", "-c", script], opts);
  }

  /**
   * Writes a file inside the guest as `user` (default root), creating its
   * folder; `mode` is octal like `0o600`.
   */
  async writeFile(
    guestPath: string,
    content: string | Uint8Array,
    opts: { user?: User; mode?: number } = {},
  ): Promise<void> {
    await this.exec([
      "sh",
      "-c",
      'mkdir -p "$(dirname "$1")" && cat > "$1" && ' +
      'if [ -n "$2" ]; then chmod "$2" "$1"; fi',
      "sh",
      guestPath,
      opts.mode === undefined ? "" : opts.mode.toString(8),
    ], {
      user: opts.user ?? "root",
      stdin: content,
      check: true,
    });
  }

  /** Reads a text file inside the guest (as root). */
  async readFile(guestPath: string): Promise<string> {
    return (await this.exec(["cat", "--", guestPath], { check: true })).stdout;
  }

  /**
   * Starts the git HTTP server (`git_http_server.ts`) inside the guest as
   * the transient unit `leger-git-http-<port>` and waits until it answers.
   */
  async startGitServer(
    opts: { root?: string; port?: number; allowPush?: boolean; auth?: string } = {},
  ): Promise<{ url: string }> {
    const root = opts.root ?? "/srv/git";
    const port = opts.port ?? 8418;
    const unit = `leger-git-http-${port}`;
    await this.exec(["systemctl", "stop", unit]);
    await this.exec(["systemctl", "reset-failed", unit]);
    await this.exec([
      "systemd-run",
      `--unit=${unit}`,
      // Not the command line: systemd logs a transient unit's description, and --auth holds a password.
      `--description=leger test git server on port ${port}`,
      "--setenv=DENO_DIR=/var/cache/leger-git-http-deno",
      "--setenv=DENO_NO_UPDATE_CHECK=1",
      "/usr/local/bin/deno",
      "run",
      "--no-config",
      "--no-lock",
      "--allow-all",
      "/opt/leger-test-host/git_http_server.ts",
      `--root=${root}`,
      `--port=${port}`,
      ...(opts.allowPush ? ["--allow-push"] : []),
      ...(opts.auth ? [`--auth=${opts.auth}`] : []),
    ], { check: true });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    while (true) {
      const r = await this.exec(["busybox", "wget", "-qO-", `${url}/_health`], {
        timeoutMs: 5000,
      });
      if (r.code === 0) return { url };
      if (Date.now() > deadline) {
        const journal = await this.exec(["journalctl", "-u", unit, "-n", "30"]);
        throw new Error(
          `Cannot start the git HTTP server in the test host:\n${journal.stdout}`,
        );
      }
      await sleep(200);
    }
  }

  /**
   * Stops the guest: SIGTERM to systemd-nspawn (a clean halt), again after
   * 3 s (immediate end), SIGKILL after 15 s; then unmounts the overlay and
   * removes the per-boot folder.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (!this.#exited) {
        try {
          this.#child.kill("SIGTERM");
        } catch { /* gone already */ }
        // The guest usually halts in under a second, but now and then its
        // systemd ignores the halt request (seen with parallel boots): a
        // second SIGTERM makes nspawn end it at once, SIGKILL is the last word.
        const kill = (signal: Deno.Signal) => () => {
          try {
            this.#child.kill(signal);
          } catch { /* gone already */ }
        };
        const timers = [
          setTimeout(kill("SIGTERM"), 3000),
          setTimeout(kill("SIGKILL"), 15_000),
        ];
        await this.#status;
        timers.forEach(clearTimeout);
      }
      await unmountAndRemove(this.dir);
      unregister(this);
    })();
    return this.#stopping;
  }

  /** Same as {@linkcode Host.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Synchronous last-resort cleanup, used when the process is exiting. */
  stopSync(): void {
    if (this.#exited || this.#stoppedSync) return;
    this.#stoppedSync = true;
    if (!processAlive(this.#child.pid)) return;
    new Deno.Command("sh", {
      args: [
        "-c",
        // A zombie counts as gone: this process cannot reap it while blocked.
        'alive() { [ -r "/proc/$1/stat" ] && ' +
        '[ "$(sed "s/.*) //" "/proc/$1/stat" | cut -c1)" != Z ]; }; ' +
        'kill -TERM "$1"; i=0; while alive "$1" && [ $i -lt 300 ]; ' +
        'do sleep 0.1; i=$((i+1)); done; kill -KILL "$1" 2>/dev/null; ' +
        'umount "$2/merged" || umount -l "$2/merged"; ' +
        'if [ -d "$2/storage-fs" ]; then umount "$2/storage-fs" || umount -l "$2/storage-fs"; fi; rm -rf "$2"',
        "sh",
        String(this.#child.pid),
        this.dir,
      ],
      stdout: "null",
      stderr: "null",
    }).outputSync();
  }
}

function envArgs(user: User, opts: ExecOptions): string[] {
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

function findChild(parent: number, name: string): number | undefined {
  let tasks: string[] = [];
  try {
    tasks = [...Deno.readDirSync(`/proc/${parent}/task`)].map((e) => e.name);
  } catch {
    return undefined;
  }
  for (const task of tasks) {
    let children = "";
    try {
      children = Deno.readTextFileSync(
        `/proc/${parent}/task/${task}/children`,
      );
    } catch {
      continue;
    }
    for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        if (Deno.readTextFileSync(`/proc/${pid}/comm`).trim() === name) {
          return pid;
        }
      } catch { /* exited meanwhile */ }
    }
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// Best effort: a test run aborted with Ctrl-C, SIGTERM or an uncaught error
// must not leave a booted guest and a mounted overlay behind. Anything that
// survives this (SIGKILL) is swept by the next bootHost or `host_cli clean`.
const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
function onSignal(): void {
  for (const host of live) host.stopSync();
  live.clear();
  Deno.exit(130);
}
function onUnload(): void {
  for (const host of live) host.stopSync();
}

function register(host: Host): void {
  if (live.size === 0) {
    for (const s of signals) Deno.addSignalListener(s, onSignal);
    globalThis.addEventListener("unload", onUnload);
  }
  live.add(host);
}

function unregister(host: Host): void {
  if (!live.delete(host) || live.size > 0) return;
  for (const s of signals) Deno.removeSignalListener(s, onSignal);
  globalThis.removeEventListener("unload", onUnload);
}
