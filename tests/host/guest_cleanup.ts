/**
 * Test hosts stopped when the process that booted them ends: on a signal
 * or at exit (all at once, synchronously), and by each guest's watchdog
 * when this process is killed outright.
 *
 * @module
 */

/** What cleanup needs to know of a booted host. */
export interface Stoppable {
  /** False for a host another process booted (and stops). */
  readonly owned: boolean;
  readonly nspawnPid: number;
  readonly pid1: number;
  readonly pid1Start: string | undefined;
  /** Its per-boot folder. */
  readonly dir: string;
}

const live = new Set<Stoppable>();

/**
 * Starts a guest's watchdog: a shell that lives as long as nspawn and,
 * when this process ends in any way (the kernel's parent-death signal,
 * SIGKILL of this process included), stops the guest as `Host.stop` does:
 * SIGTERM to nspawn (a clean halt), again after 3 s (an immediate end),
 * and SIGKILL to the guest's PID 1 (if it is still the process that
 * started at `pid1Start`) after 15 s. nspawn's own parent-death signal
 * asks for the clean halt only once, and a guest under load once did not
 * halt in 30 s. Unref'd: it does not keep this process alive.
 */
export function startWatchdog(nspawnPid: number, pid1: number, pid1Start: string): Deno.ChildProcess {
  const watchdog = new Deno.Command("setpriv", {
    args: [
      "--pdeathsig",
      "TERM",
      "sh",
      "-c",
      [
        'n=$1 p=$2 s=$3; alive() { [ -r "/proc/$1/stat" ] && [ "$(sed "s/.*) //" "/proc/$1/stat" | cut -c1)" != Z ]; }',
        "stop() {",
        '  kill -TERM "$n" 2>/dev/null; i=0',
        '  while alive "$n" && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done',
        '  kill -TERM "$n" 2>/dev/null',
        '  while alive "$n" && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done',
        '  if alive "$p" && [ "$(sed "s/.*) //" "/proc/$p/stat" | cut -d" " -f20)" = "$s" ]; then kill -KILL "$p"; fi',
        '  kill -KILL "$n" 2>/dev/null; exit 0',
        "}",
        // A Ctrl-C reaches the whole process group: the owner decides what to do with its guest.
        'trap stop TERM; trap "" INT HUP',
        'while alive "$n"; do sleep 1; done',
      ].join("\n"),
      "sh",
      String(nspawnPid),
      String(pid1),
      pid1Start,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  watchdog.unref();
  return watchdog;
}

// Best effort: a test run aborted with Ctrl-C, SIGTERM or an uncaught error
// must not leave a booted guest and a mounted overlay behind. Anything that
// survives this (SIGKILL) is swept by the next bootHost or `host_cli clean`.
const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let signalsElsewhere = false;
let listening = false;
/** Boot folders being prepared (overlay mounted, no guest yet): removed too if the process ends now. */
const preparing = new Set<string>();
function onSignal(): void {
  stopAllHostsSync();
  Deno.exit(130);
}
function onUnload(): void {
  stopAllHostsSync();
}

/**
 * Stops every host this process booted and has not stopped yet, all at
 * once (synchronously: the process is ending; a halting guest can take
 * seconds, and one after another they added up).
 */
export function stopAllHostsSync(): void {
  const hosts = [...live].filter((h) => h.owned);
  live.clear();
  for (const dir of preparing) {
    new Deno.Command("sh", {
      args: ["-c", 'umount "$1/merged" 2>/dev/null || umount -l "$1/merged" 2>/dev/null; rm -rf "$1"', "sh", dir],
      stdout: "null",
      stderr: "null",
    }).outputSync();
  }
  preparing.clear();
  stopHostsSync(hosts);
}

/**
 * Stops `hosts` all at once and waits: SIGTERM to each nspawn (a clean
 * halt), again after 3 s (an immediate end), and after 15 s SIGKILL to the
 * guest's PID 1 and to nspawn; then unmounts and removes each boot folder.
 */
export function stopHostsSync(hosts: Stoppable[]): void {
  if (hosts.length === 0) return;
  new Deno.Command("sh", {
    args: [
      "-c",
      [
        // A zombie counts as gone: this process cannot reap it while blocked.
        'alive() { [ -r "/proc/$1/stat" ] && [ "$(sed "s/.*) //" "/proc/$1/stat" | cut -c1)" != Z ]; }',
        'for e in "$@"; do kill -TERM "${e%%:*}" 2>/dev/null; done',
        "start=$(date +%s); again=1",
        "while [ $(($(date +%s) - start)) -lt 15 ]; do",
        '  any=; for e in "$@"; do alive "${e%%:*}" && any=1; done',
        '  [ -z "$any" ] && break',
        '  if [ -n "$again" ] && [ $(($(date +%s) - start)) -ge 3 ]; then',
        '    again=; for e in "$@"; do kill -TERM "${e%%:*}" 2>/dev/null; done',
        "  fi",
        "  sleep 0.1",
        "done",
        'for e in "$@"; do',
        "  n=${e%%:*}; rest=${e#*:}; p=${rest%%:*}; rest=${rest#*:}; s=${rest%%:*}; d=${rest#*:}",
        // PID 1 first (the same process: its start time): SIGKILL to nspawn alone leaves its guest running.
        '  if [ "$p" != 0 ] && alive "$p" && [ "$(sed "s/.*) //" "/proc/$p/stat" | cut -d" " -f20)" = "$s" ]; then',
        '    kill -KILL "$p" 2>/dev/null; i=0; while alive "$p" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
        "  fi",
        '  kill -KILL "$n" 2>/dev/null',
        '  umount "$d/merged" 2>/dev/null || umount -l "$d/merged" 2>/dev/null',
        // The container storage's image of a btrfs/xfs boot (storage_fs.ts).
        '  if [ -d "$d/storage-fs" ]; then umount "$d/storage-fs" 2>/dev/null || umount -l "$d/storage-fs" 2>/dev/null; fi',
        '  rm -rf "$d"',
        "done",
      ].join("\n"),
      "sh",
      ...hosts.map((h) => `${h.nspawnPid}:${h.pid1}:${h.pid1Start ?? "-"}:${h.dir}`),
    ],
    stdout: "null",
    stderr: "null",
  }).outputSync();
}

/**
 * For a process that handles SIGINT, SIGTERM and SIGHUP itself (the test
 * runner: it first waits for its children): no listener of this module
 * exits the process on them; the process calls {@linkcode stopAllHostsSync}
 * before it exits. At a normal exit the hosts stop anyway (unload).
 */
export function handleSignalsElsewhere(): void {
  if (listening) { for (const s of signals) Deno.removeSignalListener(s, onSignal); }
  signalsElsewhere = true;
}

/** Listens for the end of the process while there is a host or a boot folder to clean up. */
function listen(): void {
  const wanted = live.size + preparing.size > 0;
  if (wanted === listening) return;
  listening = wanted;
  if (wanted) {
    if (!signalsElsewhere) { for (const s of signals) Deno.addSignalListener(s, onSignal); }
    globalThis.addEventListener("unload", onUnload);
  } else {
    if (!signalsElsewhere) { for (const s of signals) Deno.removeSignalListener(s, onSignal); }
    globalThis.removeEventListener("unload", onUnload);
  }
}

/**
 * Holds a boot folder whose overlay may be mounted before its guest runs:
 * a signal then unmounts and removes it too. Returns the release, called
 * once the host exists (or the folder is gone).
 */
export function holdBootFolder(dir: string): () => void {
  preparing.add(dir);
  listen();
  return () => {
    preparing.delete(dir);
    listen();
  };
}

/** Counts a host booted by this process: stopped if the process ends before it does. */
export function register(host: Stoppable): void {
  live.add(host);
  listen();
}

/** Forgets a stopped host. */
export function unregister(host: Stoppable): void {
  if (!live.delete(host)) return;
  listen();
}
