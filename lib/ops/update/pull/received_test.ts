import assert from "node:assert/strict";
import { createShell } from "../../../host/shell.ts";
import { tcpBytesRead, watchReceived } from "./received.ts";

// `ss -tinHe` as seen on the build machine, a download under way: the server's side and the client's.
const SS = `ESTAB 0      4133568 127.0.0.1:18998 127.0.0.1:34176 timer:(persist,124ms,1) ino:12877230 sk:1 cgroup:/ <->
\t ts sack bbr wscale:10,10 rto:204 bytes_sent:11266409 bytes_acked:11225131 bytes_received:84 segs_out:204
ESTAB 391005 0       127.0.0.1:34176 127.0.0.1:18998 timer:(keepalive,58sec,0) ino:12877992 sk:2 cgroup:/ <->
\t ts sack bbr wscale:10,10 rto:204 bytes_sent:84 bytes_acked:85 bytes_received:11225131 segs_out:92 segs_in:205
SYN-SENT 0 1 10.0.0.2:41000 10.0.0.9:443 timer:(on,1.0s,0) ino:12878000 sk:3 cgroup:/ <->
\t ts sack cubic wscale:7,7 rto:1000 bytes_sent:0
`;

Deno.test("ss's counts: what each socket delivered, less its receive queue; a socket without data counts 0", () => {
  assert.deepEqual(
    tcpBytesRead(SS),
    new Map([["12877230", 84], ["12877992", 11225131 - 391005], ["12878000", 0]]),
  );
  assert.deepEqual(tcpBytesRead(""), new Map());
});

Deno.test("a child's download is counted by what its connection delivered, not by the files it reads", async () => {
  const SIZE = 3_000_000;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.write(new Uint8Array(SIZE));
    return conn;
  })();
  // The child downloads SIZE bytes, reads 20 MB from a file besides (what rchar would count), and waits.
  const code = `const c = await Deno.connect({ hostname: "127.0.0.1", port: ${listener.addr.port} });
    const buf = new Uint8Array(65536); let got = 0;
    while (got < ${SIZE}) { const n = await c.read(buf); if (n === null) break; got += n; }
    const f = await Deno.open("/dev/zero"); for (let i = 0; i < 320; i++) await f.read(buf);
    console.log("ready"); await new Promise((r) => setTimeout(r, 5000));`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
  }).spawn();
  const seen: number[] = [];
  const w = watchReceived(createShell(), (n) => seen.push(n), 20);
  try {
    const reader = child.stdout.getReader();
    await reader.read();
    reader.releaseLock();
    const deadline = Date.now() + 5000;
    while (seen.at(-1) !== SIZE && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen.at(-1), SIZE, seen.join(" "));
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), "never goes back");
  } finally {
    w.stop();
    child.kill();
    await child.status;
    await child.stdout.cancel().catch(() => {});
    (await served).close();
    listener.close();
  }
});
