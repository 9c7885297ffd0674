/**
 * The {@linkcode Host} handle: runs commands inside a booted test host
 * through `nsenter`, and stops it. Made by `bootHost` in `host.ts`.
 *
 * @module
 */

import { guestCgroupDir, removeGuestCgroup } from "./cgroup.ts";
import { findChild, processAlive, processStart, run, unmountAndRemove } from "./process.ts";
import type { Suite } from "./rootfs.ts";
import { envArgs, type ExecOptions, type ExecResult, HostCommandError, type User } from "./guest_exec.ts";
import { register, startWatchdog, stopHostsSync, unregister } from "./guest_cleanup.ts";
import { startGitServer } from "./git_server.ts";

/** `LEGER_E2E_TRACE=1` (the runner's --trace): every command run in a guest is printed with its time. */
const TRACE = Deno.env.get("LEGER_E2E_TRACE") === "1";

/** Internal construction data of a {@linkcode Host}. */
export interface HostInit {
  id: string;
  suite: Suite;
  dir: string;
  merged: string;
  child: Deno.ChildProcess;
  log: (line: string) => void;
}

/**
 * What another process needs to use a booted host ({@linkcode Host.attach}):
 * the test runner boots hosts and hands them to the end-to-end files it
 * starts, as JSON in `LEGER_E2E_HOST`.
 */
export interface HostHandle {
  id: string;
  suite: Suite;
  dir: string;
  root: string;
  pid1: number;
  nspawnPid: number;
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
  /** False for a host another process booted and will stop ({@linkcode Host.attach}). */
  readonly owned: boolean;
  #child: Deno.ChildProcess | undefined;
  #nspawnPid: number;
  #status: Promise<unknown>;
  #exited = false;
  #pid1 = 0;
  /** When PID 1 started (`processStart`): the id alone may have been reused once the guest is gone. */
  #pid1Start: string | undefined;
  #log: (line: string) => void;
  #stopping: Promise<void> | undefined;
  #stoppedSync = false;
  #watchdog: Deno.ChildProcess | undefined;

  /** Use `bootHost` (or {@linkcode Host.attach}) instead. */
  constructor(init: HostInit | { handle: HostHandle; log: (line: string) => void }) {
    this.#log = init.log;
    if ("handle" in init) {
      const h = init.handle;
      this.id = h.id;
      this.suite = h.suite;
      this.dir = h.dir;
      this.root = h.root;
      this.#pid1 = h.pid1;
      this.#nspawnPid = h.nspawnPid;
      this.owned = false;
      this.#status = new Promise(() => {});
      return;
    }
    this.id = init.id;
    this.suite = init.suite;
    this.dir = init.dir;
    this.root = init.merged;
    this.owned = true;
    this.#child = init.child;
    this.#nspawnPid = init.child.pid;
    this.#status = init.child.status.finally(() => {
      this.#exited = true;
    });
    register(this);
  }

  /**
   * Uses a host booted by another process (the test runner), which stops
   * it: `stop()` here does nothing.
   */
  static attach(handle: HostHandle, log: (line: string) => void = () => {}): Host {
    return new Host({ handle, log });
  }

  /** What {@linkcode Host.attach} needs, for another process. */
  handle(): HostHandle {
    return {
      id: this.id,
      suite: this.suite,
      dir: this.dir,
      root: this.root,
      pid1: this.#pid1,
      nspawnPid: this.#nspawnPid,
    };
  }

  /** PID of the guest's systemd (PID 1 inside), as seen from outside. */
  get pid1(): number {
    return this.#pid1;
  }

  /** When the guest's PID 1 started (`processStart`), once it is known. */
  get pid1Start(): string | undefined {
    return this.#pid1Start;
  }

  /** PID of the systemd-nspawn process. */
  get nspawnPid(): number {
    return this.#nspawnPid;
  }

  /** Whether the guest still runs: its nspawn and its PID 1 are there. */
  alive(): boolean {
    if (this.#exited || !processAlive(this.#nspawnPid)) return false;
    return this.#pid1 === 0 || processAlive(this.#pid1);
  }

  /** The end of the guest's console log (what its systemd printed), for an error message. */
  async consoleTail(chars = 3000): Promise<string> {
    const text = await Deno.readTextFile(`${this.dir}/nspawn.log`).catch(() => "(no nspawn.log)");
    return text.slice(-chars);
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
    const fail = async (what: string): Promise<never> => {
      // What systemd saw: its failed units and the journal of this boot, when the guest still answers.
      const seen = this.alive()
        ? await this.sh(
          "systemctl --failed --no-pager --no-legend; systemctl status --no-pager -l systemd-logind dbus 2>&1 | head -30; " +
            "journalctl -b --no-pager -n 60 -o short-precise",
          { timeoutMs: 15_000 },
        ).then((r) => r.stdout + r.stderr, (e) => String(e))
        : "(the guest is gone)";
      throw new Error(
        `Cannot boot test host leger-${this.id}: ${what}\n` +
          `nspawn.log (tail):\n${await this.consoleTail()}\nwhat systemd saw:\n${seen.slice(-6000)}`,
      );
    };
    while (!this.#pid1) {
      if (this.#exited) await fail("systemd-nspawn exited");
      if (Date.now() > deadline) await fail("no PID 1 appeared");
      this.#pid1 = findChild(this.#nspawnPid, "systemd") ?? 0;
      if (this.#pid1) {
        this.#pid1Start = processStart(this.#pid1);
        this.#watch();
      }
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
    await this.sh("rm -f /dev/net/tun && mknod -m 666 /dev/net/tun c 10 200", { check: true });
    // logind can still be starting (or restarting its bus connection) when systemd says "running": a loaded
    // machine once answered "Could not enable linger: Connection reset by peer". Asked again until it answers.
    let linger = await this.exec(["loginctl", "enable-linger", "alice"]);
    while (linger.code !== 0) {
      if (Date.now() > deadline) await fail(`loginctl enable-linger alice failed: ${linger.stderr.trim()}`);
      await sleep(200);
      linger = await this.exec(["loginctl", "enable-linger", "alice"]);
    }
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
    const started = Date.now();
    const result = await run(argv, {
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
      timeoutMs: timeoutMs + 5000,
    });
    if (TRACE) console.log(`[exec] ${Date.now() - started} ms ${user} ${result.code}: ${cmd.join(" ").slice(0, 160)}`);
    if (result.code !== 0 && !this.alive()) {
      // Whatever the command said, the real news is that the guest is gone: say so, with its last words.
      throw new Error(
        `The test host leger-${this.id} (${this.suite}) is gone: '${cmd.join(" ")}' as ${user} ` +
          `exited ${result.code} (${result.stderr.trim().slice(-300)})\nnspawn.log (tail):\n${await this
            .consoleTail()}`,
      );
    }
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
    const cgroup = guestCgroupDir(this.id);
    return [
      // Into the guest's own cgroup first (cgroup.ts), where its systemd expects the commands it is given.
      ...(cgroup ? ["sh", "-c", 'echo $$ >"$0/cgroup.procs" && exec "$@"', cgroup] : []),
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
  startGitServer(
    opts: { root?: string; port?: number; allowPush?: boolean; auth?: string } = {},
  ): Promise<{ url: string }> {
    return startGitServer(this, opts);
  }

  /**
   * Stops the guest: SIGTERM to systemd-nspawn (a clean halt), again after
   * 3 s (immediate end), SIGKILL after 15 s; then unmounts the overlay and
   * removes the per-boot folder.
   */
  stop(): Promise<void> {
    if (!this.owned || !this.#child) return Promise.resolve();
    const child = this.#child;
    this.#stopping ??= (async () => {
      if (!this.#exited) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone already */ }
        // The guest usually halts in under a second, but now and then its
        // systemd ignores the halt request (seen with parallel boots): a
        // second SIGTERM makes nspawn end it at once, SIGKILL is the last word.
        const kill = (signal: Deno.Signal) => () => {
          try {
            child.kill(signal);
          } catch { /* gone already */ }
        };
        const timers = [
          setTimeout(kill("SIGTERM"), 3000),
          setTimeout(() => {
            this.#killGuest();
            kill("SIGKILL")();
          }, 15_000),
        ];
        await this.#status;
        timers.forEach(clearTimeout);
      }
      // The guest is gone: its watchdog goes too (SIGKILL: no stop sequence), awaited (ref'd again) so none is left.
      if (this.#watchdog) {
        try {
          this.#watchdog.kill("SIGKILL");
        } catch { /* ended already */ }
        this.#watchdog.ref();
        await this.#watchdog.status;
      }
      await unmountAndRemove(this.dir);
      await removeGuestCgroup(this.id);
      unregister(this);
    })();
    return this.#stopping;
  }

  /** Starts the guest's watchdog (guest_cleanup.ts): it stops the guest when this process ends in any way. */
  #watch(): void {
    if (!this.owned || this.#watchdog || !this.#pid1Start) return;
    this.#watchdog = startWatchdog(this.#nspawnPid, this.#pid1, this.#pid1Start);
  }

  /**
   * SIGKILL to the guest's PID 1, which ends every process of the guest
   * (its PID namespace goes with it). SIGKILL to nspawn alone does not: its
   * guest's systemd ran on, with no parent but the build machine's init.
   */
  #killGuest(): void {
    if (this.#pid1 && this.#pid1Start && processStart(this.#pid1) === this.#pid1Start) {
      try {
        Deno.kill(this.#pid1, "SIGKILL");
      } catch { /* gone already */ }
    }
  }

  /** Same as {@linkcode Host.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Synchronous last-resort cleanup, used when the process is exiting. */
  stopSync(): void {
    if (!this.owned || this.#exited || this.#stoppedSync) return;
    this.#stoppedSync = true;
    stopHostsSync([this]);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
