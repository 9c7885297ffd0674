/**
 * How much of an image a `podman pull` has downloaded: the bytes its TCP
 * connections have delivered to it. Not the bytes podman reads in all
 * (`rchar` in /proc/PID/io): on a real host (the sid test host, a 64 MiB
 * layer from a registry) a pull read three times the layer, because podman
 * writes each blob to a file under /var/tmp as it downloads it, reads that
 * file back, and hands the layer to a child process (`storage-untar`) that
 * reads it through a pipe; the line showed 192 MiB and a rate that jumped
 * when the download had ended. The kernel counts each TCP connection's
 * bytes (`bytes_received` in `ss -tinHe`); the connections are podman's
 * when their socket inode is one its processes hold open
 * (lib/core/progress/watch.ts). A connection that closes takes its count
 * along, so each is remembered at its highest.
 *
 * @module
 */
import { run, type Shell } from "../../../host/shell.ts";
import { childrenSockets, pollAsync, type Watch } from "../../../core/progress/watch.ts";

/**
 * The bytes each TCP socket in `ss -tinHe` output has delivered to its
 * program, by socket inode: `bytes_received` less what still waits in its
 * receive queue (Recv-Q). A socket with no data yet counts 0.
 */
export function tcpBytesRead(ssOutput: string): Map<string, number> {
  const out = new Map<string, number>();
  let current: { ino: string; queued: number } | undefined;
  for (const line of ssOutput.split("\n")) {
    if (/^\S/.test(line)) {
      // `ESTAB 0 0 127.0.0.1:41234 127.0.0.1:5000 ... ino:12345 sk:1 ...`
      const head = /^\S+\s+(\d+)\s+\d+\s/.exec(line);
      const ino = /\bino:(\d+)\b/.exec(line);
      current = head && ino ? { ino: ino[1]!, queued: Number(head[1]) } : undefined;
      if (current) out.set(current.ino, 0);
      continue;
    }
    const received = /\bbytes_received:(\d+)\b/.exec(line);
    if (current && received) out.set(current.ino, Math.max(0, Number(received[1]) - current.queued));
  }
  return out;
}

/**
 * Reports the bytes the children's TCP connections have delivered (see
 * the module notes), every `everyMs`; never less than reported before.
 * Runs `ss` only while a child holds a socket; reports nothing where `ss`
 * is missing or fails (the pull goes on unwatched).
 */
export function watchReceived($: Shell, onBytes: (n: number) => void, everyMs = 400): Watch {
  const seen = new Map<string, number>();
  let reported = 0;
  return pollAsync(
    async () => {
      const mine = childrenSockets();
      if (mine.size === 0) return undefined;
      const r = await run($, ["ss", "-tinHe"]);
      if (r.code !== 0) return undefined;
      for (const [ino, n] of tcpBytesRead(r.stdout)) {
        if (mine.has(ino)) seen.set(ino, Math.max(n, seen.get(ino) ?? 0));
      }
      const total = [...seen.values()].reduce((a, b) => a + b, 0);
      if (total <= reported) return undefined;
      reported = total;
      return total;
    },
    onBytes,
    everyMs,
  );
}
