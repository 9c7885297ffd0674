import assert from "node:assert/strict";
import { type SetecStandIn, startSetecStandIn } from "./setec_server.ts";

const HEADERS = {
  "Content-Type": "application/json",
  "Sec-X-Tailscale-No-Browsers": "setec",
};
const b64 = (s: string) => btoa(s);

async function call(
  s: SetecStandIn,
  method: string,
  body: unknown,
  init: { headers?: Record<string, string>; verb?: string; raw?: string } = {},
): Promise<{ status: number; text: string; type: string | null }> {
  const verb = init.verb ?? "POST";
  const client = Deno.createHttpClient({ caCerts: [s.caPem!] });
  try {
    const res = await fetch(`${s.url}/api/${method}`, {
      method: verb,
      headers: init.headers ?? HEADERS,
      ...(verb === "GET" ? {} : { body: init.raw ?? JSON.stringify(body) }),
      client,
    });
    return {
      status: res.status,
      text: await res.text(),
      type: res.headers.get("content-type"),
    };
  } finally {
    client.close();
  }
}

async function withStandIn(
  fn: (s: SetecStandIn) => Promise<void>,
  acl?: Parameters<typeof startSetecStandIn>[0],
) {
  const s = await startSetecStandIn(acl);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

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

Deno.test("stand-in: first put is v1 and active; later puts wait for activate", () =>
  withStandIn(async (s) => {
    assert.equal(
      (await call(s, "put", { Name: "leger/a", Value: b64("one") })).text,
      "1",
    );
    assert.equal(
      (await call(s, "put", { Name: "leger/a", Value: b64("two") })).text,
      "2",
    );
    const info = JSON.parse((await call(s, "info", { Name: "leger/a" })).text);
    assert.deepEqual(info, {
      Name: "leger/a",
      Versions: [1, 2],
      ActiveVersion: 1,
    });
    const get = JSON.parse((await call(s, "get", { Name: "leger/a" })).text);
    assert.deepEqual(get, { Value: b64("one"), Version: 1 });
    assert.equal(
      (await call(s, "activate", { Name: "leger/a", Version: 2 })).text,
      "{}",
    );
    assert.deepEqual(
      JSON.parse((await call(s, "get", { Name: "leger/a" })).text),
      { Value: b64("two"), Version: 2 },
    );
    const v1 = JSON.parse(
      (await call(s, "get", { Name: "leger/a", Version: 1 })).text,
    );
    assert.deepEqual(v1, { Value: b64("one"), Version: 1 });
  }));

Deno.test("stand-in: a put equal to the latest value returns that version and creates nothing", () =>
  withStandIn(async (s) => {
    await call(s, "put", { Name: "k", Value: b64("one") });
    await call(s, "put", { Name: "k", Value: b64("two") });
    assert.equal(
      (await call(s, "put", { Name: "k", Value: b64("two") })).text,
      "2",
    );
    assert.deepEqual(s.info("k"), { versions: [1, 2], activeVersion: 1 });
  }));

Deno.test("stand-in: conditional get answers 304 with no body only while the version is active", () =>
  withStandIn(async (s) => {
    s.put("k", "one");
    const same = await call(s, "get", {
      Name: "k",
      Version: 1,
      UpdateIfChanged: true,
    });
    assert.equal(same.status, 304);
    assert.equal(same.text, "");
    s.put("k", "two");
    assert.equal(
      (await call(s, "get", { Name: "k", Version: 1, UpdateIfChanged: true }))
        .status,
      304,
    );
    s.activate("k", 2);
    const moved = await call(s, "get", {
      Name: "k",
      Version: 1,
      UpdateIfChanged: true,
    });
    assert.deepEqual(JSON.parse(moved.text), { Value: b64("two"), Version: 2 });
    // Version 0 never gives 304, even with UpdateIfChanged.
    assert.equal(
      (await call(s, "get", { Name: "k", Version: 0, UpdateIfChanged: true }))
        .status,
      200,
    );
  }));

Deno.test("stand-in: create-version refuses 0 (400, before the grant) and any version used before; the new one is active at once", () =>
  withStandIn(async (s) => {
    s.put("k", "one");
    const zero = await call(s, "create-version", { Name: "k", Version: 0, Value: b64("x") });
    assert.equal(zero.status, 400);
    assert.equal(zero.text, "invalid version, please specify a version > 0\n");
    const claimed = await call(s, "create-version", {
      Name: "k",
      Version: 1,
      Value: b64("x"),
    });
    assert.equal(claimed.status, 412);
    assert.equal(claimed.text, "version already set\n");
    assert.equal(
      (await call(s, "create-version", {
        Name: "k",
        Version: 7,
        Value: b64("x"),
      })).text,
      "{}",
    );
    assert.deepEqual(s.info("k"), { versions: [1, 7], activeVersion: 7 });
    // A deleted version stays claimed.
    s.activate("k", 1);
    assert.equal(
      (await call(s, "delete-version", { Name: "k", Version: 7 })).text,
      "{}",
    );
    assert.equal(
      (await call(s, "create-version", {
        Name: "k",
        Version: 7,
        Value: b64("y"),
      })).status,
      412,
    );
    // The next put continues after the highest version ever used.
    assert.equal(
      (await call(s, "put", { Name: "k", Value: b64("z") })).text,
      "8",
    );
  }));

Deno.test("stand-in: version 0 of create-version is refused before the grant is checked", async () => {
  await withStandIn(async (s) => {
    assert.equal((await call(s, "create-version", { Name: "k", Version: 0, Value: b64("x") })).status, 400);
    assert.equal((await call(s, "create-version", { Name: "k", Version: 3, Value: b64("x") })).status, 403);
  }, { acl: () => false });
});

Deno.test("stand-in: a put equal to the highest version ever used creates nothing, even when that one is not active", () =>
  withStandIn(async (s) => {
    s.put("k", "one");
    s.put("k", "two");
    s.put("k", "three");
    assert.equal((await call(s, "put", { Name: "k", Value: b64("three") })).text, "3");
    assert.equal((await call(s, "put", { Name: "k", Value: b64("two") })).text, "4");
    assert.deepEqual(s.info("k"), { versions: [1, 2, 3, 4], activeVersion: 1 });
  }));

Deno.test('stand-in: permanent errors are 500 "internal error" as the server answers them', () =>
  withStandIn(async (s) => {
    s.put("k", "one");
    const cases: [string, Record<string, unknown>][] = [
      ["delete-version", { Name: "k", Version: 1 }], // the active version
      ["delete-version", { Name: "k", Version: 0 }],
      ["activate", { Name: "k", Version: 0 }],
      ["put", { Name: "", Value: b64("x") }],
      ["activate", { Name: "", Version: 1 }],
      ["create-version", { Name: "", Version: 1, Value: b64("x") }],
      ["put", { Name: "_internal/x", Value: b64("x") }],
      ["activate", { Name: "_internal/x", Version: 1 }],
      ["delete", { Name: "_internal/x" }],
    ];
    for (const [method, body] of cases) {
      const r = await call(s, method, body);
      assert.deepEqual([r.status, r.text], [500, "internal error\n"], `${method} ${JSON.stringify(body)}`);
    }
    assert.deepEqual(s.info("k"), { versions: [1], activeVersion: 1 });
  }));

Deno.test("stand-in: delete answers {} and succeeds for a name that does not exist; a re-created secret starts at 1", () =>
  withStandIn(async (s) => {
    s.put("k", "one");
    s.put("k", "two");
    assert.equal((await call(s, "delete", { Name: "k" })).text, "{}");
    assert.equal((await call(s, "get", { Name: "k" })).status, 404);
    assert.equal((await call(s, "activate", { Name: "k", Version: 1 })).status, 404);
    const again = await call(s, "delete", { Name: "never-was" });
    assert.deepEqual([again.status, again.text], [200, "{}"]);
    assert.equal((await call(s, "put", { Name: "k", Value: b64("new") })).text, "1");
    // A host holding v1 of the old secret gets 304 for the new one: the server cannot tell.
    assert.equal((await call(s, "get", { Name: "k", Version: 1, UpdateIfChanged: true })).status, 304);
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
      new URL("./setec_server.ts", import.meta.url).pathname,
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
