/** The Setec stand-in as a server: the HTTP framing, who may ask (identity, TLS, the ACL), how it decodes fields, what it logs, and running it alone. */
import assert from "node:assert/strict";
import { startSetecStandIn } from "./server.ts";
import { b64, call, HEADERS, withStandIn } from "./server_fixtures_test.ts";

Deno.test("stand-in: anything but POST gets 400 with a plain-text body", () =>
  withStandIn(async (s) => {
    const r = await call(s, "list", {}, { verb: "GET" });
    assert.equal(r.status, 400);
    assert.equal(r.text, "only POST requests allowed\n");
    assert.match(r.type ?? "", /^text\/plain/);
    const put = await call(s, "list", {}, { verb: "PUT" });
    assert.equal(put.status, 400);
  }));

Deno.test("stand-in: Content-Type must be exactly application/json", () =>
  withStandIn(async (s) => {
    for (
      const type of [
        "application/json; charset=utf-8",
        "text/plain",
        "Application/JSON",
      ]
    ) {
      const r = await call(s, "list", {}, {
        headers: { ...HEADERS, "Content-Type": type },
      });
      assert.equal(r.status, 400, type);
      assert.equal(r.text, "request body must be json\n");
    }
  }));

Deno.test("stand-in: a request without the no-browsers header gets 403", async () => {
  await withStandIn(async (s) => {
    const r = await call(s, "list", {}, {
      headers: { "Content-Type": "application/json" },
    });
    assert.equal(r.status, 403);
    assert.equal(r.text, "access denied\n");
    const wrong = await call(s, "list", {}, {
      headers: { ...HEADERS, "Sec-X-Tailscale-No-Browsers": "yes" },
    });
    assert.equal(wrong.status, 403);
  });
});

Deno.test('stand-in: an unknown path is 400 "invalid method" and a body that is not a request is 400', () =>
  withStandIn(async (s) => {
    const nope = await call(s, "nope", {});
    assert.equal(nope.status, 400);
    assert.equal(nope.text, "invalid method\n");
    assert.equal(
      (await call(s, "get", {}, { raw: "not json" })).text,
      "bad request\n",
    );
    assert.equal((await call(s, "get", [1])).status, 400);
    assert.equal(
      (await call(s, "get", { Name: "a", Version: -1 })).status,
      400,
    );
    assert.equal(
      (await call(s, "get", { Name: "a", Version: 2 ** 32 })).status,
      400,
    );
    assert.equal(
      (await call(s, "put", { Name: "a", Value: "not base64!" })).status,
      400,
    );
    assert.equal((await call(s, "get", { Name: 7 })).status, 400);
  }));

Deno.test('stand-in: a caller the server cannot identify gets 500 "unable to identify caller"', () =>
  withStandIn(async (s) => {
    s.setCallerKnown(false);
    const r = await call(s, "list", {});
    assert.deepEqual([r.status, r.text], [500, "unable to identify caller\n"]);
    s.setCallerKnown(true);
    assert.equal((await call(s, "list", {})).status, 200);
  }));

Deno.test("stand-in: serves HTTPS with a certificate only its test CA vouches for", async () => {
  await withStandIn(async (s) => {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(s.caPem ?? "", /BEGIN CERTIFICATE/);
    assert.equal(await Deno.readTextFile(s.caFile!), s.caPem);
    await assert.rejects(
      fetch(`${s.url}/api/list`, { method: "POST", headers: HEADERS, body: "{}" }),
      (e: Error) => /UnknownIssuer/.test(String(e.cause ?? e)),
    );
  });
  const plain = await startSetecStandIn({ tls: false });
  try {
    assert.match(plain.url, /^http:\/\/127\.0\.0\.1:/);
    const r = await fetch(`${plain.url}/api/list`, { method: "POST", headers: HEADERS, body: "{}" });
    assert.equal(await r.text(), "null");
  } finally {
    await plain.close();
  }
});

Deno.test("stand-in: missing secrets and versions are 404; a conditional get of an unknown version answers the active value", () =>
  withStandIn(async (s) => {
    const r = await call(s, "get", { Name: "nope" });
    assert.equal(r.status, 404);
    assert.equal(r.text, "not found\n");
    assert.equal((await call(s, "get", { Name: "nope", Version: 3, UpdateIfChanged: true })).status, 404);
    s.put("k", "one");
    assert.equal((await call(s, "get", { Name: "k", Version: 9 })).status, 404);
    assert.deepEqual(
      JSON.parse((await call(s, "get", { Name: "k", Version: 9, UpdateIfChanged: true })).text),
      { Value: b64("one"), Version: 1 },
    );
    assert.equal(
      (await call(s, "activate", { Name: "k", Version: 9 })).status,
      404,
    );
    assert.equal((await call(s, "info", { Name: "nope" })).status, 404);
  }));

Deno.test("stand-in: list shows what the ACL allows to info, and null when nothing", async () => {
  await withStandIn(async (s) => {
    assert.equal((await call(s, "list", {})).text, "null");
    s.put("leger/a", "1");
    s.put("other/b", "2");
    const listed = JSON.parse((await call(s, "list", {})).text);
    assert.deepEqual(listed, [{
      Name: "leger/a",
      Versions: [1],
      ActiveVersion: 1,
    }]);
  }, { acl: (name) => name.startsWith("leger/") });
});

Deno.test("stand-in: the ACL answers 403 before revealing whether a secret exists", async () => {
  await withStandIn(async (s) => {
    s.put("leger/a", "1");
    assert.equal((await call(s, "get", { Name: "leger/a" })).status, 403);
    assert.equal((await call(s, "get", { Name: "leger/missing" })).status, 403);
    assert.equal((await call(s, "info", { Name: "leger/a" })).status, 200);
    assert.equal(
      (await call(s, "put", { Name: "leger/a", Value: b64("x") })).status,
      403,
    );
    s.setAcl(undefined);
    assert.equal((await call(s, "get", { Name: "leger/a" })).status, 200);
  }, { acl: (_name, action) => action === "info" });
});

Deno.test("stand-in: field names match case-insensitively, as Go decodes them", () =>
  withStandIn(async (s) => {
    assert.equal(
      (await call(s, "put", { name: "k", value: b64("v") })).text,
      "1",
    );
    assert.deepEqual(JSON.parse((await call(s, "get", { NAME: "k" })).text), {
      Value: b64("v"),
      Version: 1,
    });
  }));

Deno.test("stand-in: the request log keeps names and headers but never values", () =>
  withStandIn(async (s) => {
    await call(s, "put", { Name: "k", Value: b64("hunter2") });
    await call(s, "get", { Name: "k", Version: 1, UpdateIfChanged: true });
    assert.equal(s.requests.length, 2);
    assert.deepEqual(s.requests[0]!.fields, ["Name", "Value"]);
    assert.equal(
      s.requests[0]!.headers["sec-x-tailscale-no-browsers"],
      "setec",
    );
    assert.equal(s.requests[1]!.status, 304);
    assert.equal(s.requests[1]!.updateIfChanged, true);
    const logged = JSON.stringify(s.requests);
    assert.ok(!logged.includes("hunter2") && !logged.includes(b64("hunter2")));
  }));

Deno.test("stand-in: failNext answers like a failing server, then recovers", () =>
  withStandIn(async (s) => {
    s.failNext(1, 502);
    assert.equal((await call(s, "list", {})).status, 502);
    assert.equal((await call(s, "list", {})).status, 200);
  }));

Deno.test("stand-in runs as a standalone process and prints its URL", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./server.ts", import.meta.url).pathname,
      "--port",
      "0",
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  let out = "";
  while (!/\nCA: .*\n/.test(out)) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  const [url, ca] = out.trim().split("\n");
  assert.match(url!, /^https:\/\/127\.0\.0\.1:\d+$/);
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(ca!.slice("CA: ".length))] });
  const res = await fetch(`${url}/api/list`, {
    method: "POST",
    headers: HEADERS,
    body: "{}",
    client,
  });
  assert.equal(await res.text(), "null");
  client.close();
  child.kill("SIGTERM");
  reader.releaseLock();
  await child.stdout.cancel();
  await child.status;
});
