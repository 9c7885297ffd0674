/**
 * Setec replies an attacker or a broken proxy could send, and TLS that does
 * not check out: leger refuses each with a clear message, never prints a
 * value, and changes nothing on the host (Podman secrets, cache).
 */
import assert from "node:assert/strict";
import { startSetecStandIn } from "../../tests/fakes/setec/server.ts";
import { testCertificates } from "../../tests/fakes/setec/test_ca.ts";
import { createFakePodmanSecrets } from "../../tests/fakes/podman/secrets_in_memory.ts";
import { createShell } from "../host/shell.ts";
import { UsageError } from "../core/errors.ts";
import { SecretCache } from "./cache.ts";
import { MAX_VALUE_BYTES, SetecClient } from "./setec_client.ts";
import { SetecProtocolError, SetecTlsError, SetecTooLargeError, SetecUnavailableError } from "./setec_errors.ts";
import { encodeBase64 } from "./base64.ts";
import { type DeclaredSecret, syncSecrets } from "./sync.ts";

const SECRET = "hostile-Test-Value-93be";
const bytes = (s: string) => new TextEncoder().encode(s);

/** Hangs until the test's server closes. */
const hanging: (() => void)[] = [];

/** A plain-http server on loopback that answers whatever `answer` makes. */
function badServer(
  answer: (path: string, body: Record<string, unknown>) => Response | Promise<Response>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const text = await req.text();
    return await answer(new URL(req.url).pathname, text ? JSON.parse(text) : {});
  });
  return Promise.resolve({
    url: `http://127.0.0.1:${server.addr.port}`,
    close: () => {
      for (const end of hanging.splice(0)) end();
      return server.shutdown();
    },
  });
}

const json = (v: unknown) => new Response(JSON.stringify(v), { headers: { "content-type": "application/json" } });

const APP: DeclaredSecret = { name: "leger/app/key", podmanSecret: "app-key", users: ["app.service"] };

/** Syncs APP against `server` with a host that already holds v1 of it; returns what changed. */
async function syncAgainst(server: string, client?: SetecClient) {
  const dir = await Deno.makeTempDir();
  const podman = createFakePodmanSecrets();
  const $ = createShell({ fakes: { podman: podman.podman } });
  const cache = await SecretCache.open(`${dir}/secrets`);
  await cache.write({ name: APP.name, value: bytes("old-value"), version: 1, fetchedAt: new Date() });
  await $`podman secret create app-key -`.stdinText("old-value").quiet();
  const lines: string[] = [];
  const restarts: string[][] = [];
  const c = client ?? new SetecClient({ server, retries: 1, backoffMs: 1, timeoutMs: 300 });
  try {
    const report = await syncSecrets({
      $,
      client: c,
      cache,
      declared: [APP],
      prefix: "leger/",
      restartUnits: (u) => {
        restarts.push(u);
        return Promise.resolve();
      },
      log: { info: (l) => lines.push(l), warn: (l) => lines.push(l) },
    });
    return {
      report,
      lines,
      restarts,
      podmanValue: podman.text("app-key"),
      cached: await cache.read(APP.name),
    };
  } finally {
    c.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function assertNoValue(...texts: unknown[]) {
  const all = JSON.stringify(texts);
  for (const needle of [SECRET, encodeBase64(bytes(SECRET))]) {
    assert.ok(!all.includes(needle), `a secret value leaked: ${all.slice(0, 300)}`);
  }
}

Deno.test("only https:// is a Setec server; plain http only on loopback; the hint names the MagicDNS name", () => {
  for (const server of ["http://secrets.example.ts.net", "http://100.64.0.5", "ftp://secrets.example.ts.net"]) {
    const error = (() => {
      try {
        new SetecClient({ server });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error instanceof UsageError, server);
    assert.equal(error.exitCode, 2);
    assert.match(error.hint ?? "", /MagicDNS name/);
  }
  assert.match(
    (() => {
      try {
        new SetecClient({ server: "http://secrets.example.ts.net" });
      } catch (e) {
        return (e as Error).message;
      }
    })() ?? "",
    /only over HTTPS/,
  );
  assert.throws(() => new SetecClient({ server: "https://user:pw@secrets.example.ts.net" }), UsageError);
  for (
    const ok of ["https://secrets.example.ts.net", "http://127.0.0.1:8700", "http://localhost:1", "http://[::1]:2"]
  ) {
    assert.equal(new SetecClient({ server: ok }).server, ok);
  }
});

Deno.test("a server whose CA is not trusted is refused as a TLS error, at once, and the sync changes nothing", async () => {
  const s = await startSetecStandIn();
  try {
    s.put(APP.name, SECRET);
    let calls = 0;
    const client = new SetecClient({
      server: s.url,
      retries: 3,
      backoffMs: 1,
      fetch: (i, init) => {
        calls++;
        return fetch(i, init);
      },
    });
    const error = await client.get(APP.name).catch((e) => e);
    assert.ok(error instanceof SetecTlsError, String(error));
    assert.match(
      error.message,
      /TLS connection to https:\/\/127\.0\.0\.1:\d+ failed \(its certificate is not signed by a trusted CA\)/,
    );
    assert.match(error.hint ?? "", /setec-ca-file/);
    assert.equal(calls, 1, "a TLS failure is not retried");
    const r = await syncAgainst(s.url);
    assert.equal(r.report.results[0]!.action, "failed");
    assert.equal(r.report.unreachable, false, "not served as stale: the server is not who it claims");
    assert.equal(r.podmanValue, "old-value");
    assert.equal(r.cached?.version, 1);
    assert.deepEqual(r.restarts, []);
    assertNoValue(r.report, r.lines, error.message);
  } finally {
    await s.close();
  }
});

Deno.test("a certificate that does not cover the server's name is refused", async () => {
  const other = await testCertificates(["DNS:secrets.example.ts.net"]);
  const s = await startSetecStandIn({ tls: other });
  const client = new SetecClient({ server: s.url, caCert: other.caPem, retries: 0 });
  try {
    const error = await client.list().catch((e) => e);
    assert.ok(error instanceof SetecTlsError, String(error));
    assert.match(error.message, /its certificate does not cover that name/);
    assert.match(error.hint ?? "", /the name its certificate covers/);
  } finally {
    client.close();
    await s.close();
  }
});

Deno.test("a value larger than a Podman secret holds is refused, without reading an endless answer", async () => {
  const big = encodeBase64(new Uint8Array(MAX_VALUE_BYTES + 1).fill(65));
  const server = await badServer((path) => {
    if (path === "/api/list") return json(null);
    if (path === "/api/info") {
      // An endless body: leger must stop reading.
      let n = 0;
      return new Response(
        new ReadableStream({
          pull(c) {
            c.enqueue(new Uint8Array(64 * 1024).fill(32));
            if (++n > 10_000) c.close();
          },
        }),
      );
    }
    return json({ Value: big, Version: 2 });
  });
  try {
    const client = new SetecClient({ server: server.url, retries: 0 });
    const error = await client.get(APP.name).catch((e) => e);
    assert.ok(error instanceof SetecTooLargeError, String(error));
    assert.match(error.message, /larger than 511999 bytes|more than a Podman secret holds/);
    const endless = await client.info(APP.name).catch((e) => e);
    assert.ok(endless instanceof SetecTooLargeError, String(endless));
    assert.match(endless.message, /the answer is larger than 1048576 bytes/);
    await assert.rejects(client.put(APP.name, new Uint8Array(MAX_VALUE_BYTES + 1)), SetecTooLargeError);
    const r = await syncAgainst(server.url);
    assert.equal(r.report.results[0]!.action, "failed");
    assert.match(r.report.results[0]!.error!.message, /more than a Podman secret holds|larger than/);
    assert.equal(r.podmanValue, "old-value");
    assert.equal(r.cached?.version, 1);
  } finally {
    await server.close();
  }
});

Deno.test("bad base64, a wrong version and an answer about another secret are refused without echoing them", async () => {
  let mode = "base64";
  const server = await badServer((path, body) => {
    if (path === "/api/list") return json([{ Name: "prod/root-pw", Versions: [9], ActiveVersion: 9 }]);
    if (path === "/api/info") return json({ Name: "prod/root-pw", Versions: [1], ActiveVersion: 1 });
    if (mode === "base64") return json({ Value: `${SECRET}!!`, Version: 2 });
    if (mode === "zero") return json({ Value: encodeBase64(bytes(SECRET)), Version: 0 });
    return json({ Value: encodeBase64(bytes(SECRET)), Version: (body.Version as number) + 1 });
  });
  try {
    const client = new SetecClient({ server: server.url, retries: 0 });
    const bad = await client.get(APP.name).catch((e) => e);
    assert.ok(bad instanceof SetecProtocolError);
    assert.match(bad.message, /Value is not base64/);
    mode = "zero";
    assert.match((await client.get(APP.name).catch((e) => e)).message, /version 0 is not the version asked for/);
    mode = "other";
    assert.match((await client.get(APP.name, { version: 3 }).catch((e) => e)).message, /version 4 is not the version/);
    assert.match((await client.info(APP.name).catch((e) => e)).message, /about another secret/);
    mode = "base64";
    const r = await syncAgainst(server.url);
    assert.equal(r.report.results[0]!.action, "failed");
    assert.equal(r.podmanValue, "old-value");
    assertNoValue(bad.message, r.report, r.lines);
    // The list named a secret outside the prefix: nothing was done with it.
    assert.deepEqual(r.report.results.map((x) => x.name), [APP.name]);
  } finally {
    await server.close();
  }
});

Deno.test("a connection cut during the TLS handshake (Setec restarting) is an outage: retried, then the cache served", async () => {
  // What a restarting server does to a client that reaches it at the wrong moment: TCP accepted, the handshake cut.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      connections++;
      await conn.read(new Uint8Array(4096)).catch(() => null); // the ClientHello
      conn.close();
    }
  })();
  const { caPem } = await testCertificates(["IP:127.0.0.1"]);
  const url = `https://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  try {
    const client = new SetecClient({ server: url, caCert: caPem, retries: 2, backoffMs: 1 });
    const error = await client.get(APP.name).catch((e) => e);
    client.close();
    assert.ok(error instanceof SetecUnavailableError, String(error));
    assert.match(error.message, /closed the connection during the TLS handshake \(restarting\?\)/);
    assert.equal(connections, 3, "asked again, as an outage is");
    const synced = await syncAgainst(url, new SetecClient({ server: url, caCert: caPem, retries: 1, backoffMs: 1 }));
    assert.deepEqual(synced.report.results.map((r) => [r.action, r.toVersion]), [["stale", 1]]);
    assert.equal(synced.podmanValue, "old-value");
    assert.ok(
      synced.lines.some((l) => /^stale leger\/app\/key: Setec cut the TLS handshake short, serving cached v1/.test(l)),
      synced.lines.join("\n"),
    );
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
});

Deno.test("a server that hangs (before or during its answer) times out; the sync serves the cache as stale", async () => {
  const server = await badServer((path) => {
    if (path === "/api/get") {
      // Headers at once, then a body that never ends.
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(bytes('{"Value":"'));
            hanging.push(() => {
              try {
                c.close();
              } catch { /* the client went away: already cancelled */ }
            });
          },
        }),
      );
    }
    return new Promise((resolve) => hanging.push(() => resolve(new Response("late", { status: 503 })))); // never answers
  });
  try {
    const client = new SetecClient({ server: server.url, retries: 1, backoffMs: 1, timeoutMs: 200 });
    const started = Date.now();
    const list = await client.list().catch((e) => e);
    assert.ok(list instanceof SetecUnavailableError);
    assert.match(list.message, /did not answer within 200 ms/);
    const get = await client.get(APP.name).catch((e) => e);
    assert.ok(get instanceof SetecUnavailableError, String(get));
    assert.ok(Date.now() - started < 3000, "timeouts bound the wait");
    const r = await syncAgainst(server.url);
    assert.equal(r.report.results[0]!.action, "stale");
    assert.equal(r.podmanValue, "old-value");
  } finally {
    await server.close();
  }
});
