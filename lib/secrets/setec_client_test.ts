import assert from "node:assert/strict";
import { type SetecStandIn, startSetecStandIn } from "../../tests/fakes/setec/server.ts";
import { isUnchanged, SetecClient, type SetecClientOptions } from "./setec_client.ts";
import {
  SetecAccessDeniedError,
  SetecNotFoundError,
  SetecProtocolError,
  SetecServerError,
  SetecUnavailableError,
  SetecVersionClaimedError,
} from "./setec_errors.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { UsageError } from "../core/errors.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

async function withSetec(
  fn: (s: SetecStandIn, client: SetecClient) => Promise<void>,
  opts: Partial<SetecClientOptions> & {
    acl?: (n: string, a: string) => boolean;
  } = {},
) {
  const s = await startSetecStandIn(opts.acl ? { acl: opts.acl } : {});
  const client = new SetecClient({
    server: s.url,
    backoffMs: 1,
    maxBackoffMs: 2,
    caCert: s.caPem!,
    ...opts,
  });
  try {
    await fn(s, client);
  } finally {
    client.close();
    await s.close();
  }
}

Deno.test("client speaks the exact transport: POST /api/<method>, both headers, PascalCase fields", () =>
  withSetec(async (s, client) => {
    await client.put("leger/app/key", bytes("s3cret"));
    await client.get("leger/app/key", { version: 1, updateIfChanged: true });
    const [put, get] = s.requests;
    assert.equal(put!.method, "POST");
    assert.equal(put!.path, "/api/put");
    assert.equal(put!.headers["content-type"], "application/json");
    assert.equal(put!.headers["sec-x-tailscale-no-browsers"], "setec");
    assert.deepEqual(put!.fields, ["Name", "Value"]);
    assert.deepEqual(get!.fields, ["Name", "Version", "UpdateIfChanged"]);
    assert.equal(get!.status, 304);
  }));

Deno.test("client round-trips binary values through base64", () =>
  withSetec(async (_s, client) => {
    const value = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.equal(await client.put("bin", value), 1);
    const got = await client.get("bin");
    assert.deepEqual(got, { value, version: 1 });
    assert.deepEqual(decodeBase64(encodeBase64(value)), value);
    assert.throws(() => decodeBase64("abc"), TypeError);
  }));

Deno.test("rotation through the client: put, activate, conditional get sees the change", () =>
  withSetec(async (_s, client) => {
    await client.put("k", bytes("one"));
    const v2 = await client.put("k", bytes("two"));
    assert.equal(v2, 2);
    const before = await client.get("k", { version: 1, updateIfChanged: true });
    assert.ok(isUnchanged(before));
    assert.equal(before.version, 1);
    await client.activate("k", 2);
    const after = await client.get("k", { version: 1, updateIfChanged: true });
    assert.ok(!isUnchanged(after));
    assert.equal(text(after.value), "two");
    assert.equal(after.version, 2);
    assert.equal(text((await client.get("k", { version: 1 })).value), "one");
    assert.deepEqual(await client.info("k"), {
      name: "k",
      versions: [1, 2],
      activeVersion: 2,
    });
  }));

Deno.test("client: list, create-version (active at once), delete-version, delete", () =>
  withSetec(async (_s, client) => {
    assert.deepEqual(await client.list(), []);
    await client.put("a", bytes("1"));
    await client.createVersion("a", 5, bytes("5"));
    await assert.rejects(
      client.createVersion("a", 5, bytes("x")),
      SetecVersionClaimedError,
    );
    assert.deepEqual(await client.list(), [{
      name: "a",
      versions: [1, 5],
      activeVersion: 5,
    }]);
    assert.equal(text((await client.get("a")).value), "5");
    await client.activate("a", 1);
    await client.deleteVersion("a", 5);
    await client.delete("a");
    await assert.rejects(client.info("a"), SetecNotFoundError);
    await client.delete("a"); // deleting what does not exist succeeds, as on the server
  }));

Deno.test("version 0 and _internal/ names are refused before anything is sent", () =>
  withSetec(async (s, client) => {
    for (
      const call of [
        () => client.createVersion("a", 0, bytes("x")),
        () => client.activate("a", 0),
        () => client.deleteVersion("a", 0),
        () => client.put("_internal/config", bytes("x")),
        () => client.get("_internal/config"),
        () => client.delete("_internal/x"),
      ]
    ) {
      await assert.rejects(call(), UsageError);
    }
    assert.equal(s.requests.length, 0);
  }));

Deno.test("the server's permanent 500s are reported with its text and never retried", () =>
  withSetec(async (s, client) => {
    s.put("k", "one");
    s.put("k", "two");
    const active = await client.deleteVersion("k", 1).catch((e) => e);
    assert.ok(active instanceof SetecServerError, String(active));
    assert.equal(active.status, 500);
    assert.match(active.message, /the Setec server refused it \(500: internal error\)/);
    assert.match(active.hint ?? "", /Retrying will not help/);
    assert.equal(s.requests.length, 1);
    // "unable to identify caller" (tailscaled restarting): final for a write, a passing outage for a read.
    s.setCallerKnown(false);
    const write = await client.put("k", bytes("three")).catch((e) => e);
    assert.ok(write instanceof SetecServerError, String(write));
    assert.match(write.message, /500: unable to identify caller/);
    assert.match(write.hint ?? "", /MagicDNS name/);
    assert.equal(s.requests.length, 2);
    for (const read of [() => client.list(), () => client.get("k"), () => client.info("k")]) {
      s.requests.length = 0;
      const who = await read().catch((e) => e);
      assert.ok(who instanceof SetecUnavailableError, String(who));
      assert.match(who.message, /could not tell who this host is \(500: unable to identify caller\)/);
      assert.match(who.hint ?? "", /tailscaled restarts/);
      assert.equal(s.requests.length, 4, "asked again, as an outage is");
    }
  }, { retries: 3, backoffMs: 1 }));

Deno.test("a missing secret is a not-found error that names it and never retries", () =>
  withSetec(async (s, client) => {
    const error = await client.get("leger/nope").catch((e) => e);
    assert.ok(error instanceof SetecNotFoundError);
    assert.match(error.message, /leger\/nope/);
    assert.equal(error.exitCode, 5);
    assert.equal(s.requests.length, 1);
  }));

Deno.test("access denied names the ACL action the host needs, and never retries", () =>
  withSetec(async (s, client) => {
    s.put("leger/db/pass", "hunter2");
    const error = await client.get("leger/db/pass").catch((e) => e);
    assert.ok(error instanceof SetecAccessDeniedError);
    assert.match(error.message, /leger\/db\/pass/);
    assert.match(error.message, /tailscale\.com\/cap\/secrets action "get"/);
    assert.match(error.hint ?? "", /"get" on leger\/db\/pass/);
    assert.equal(s.requests.length, 1);
    const put = await client.put("leger/db/pass", bytes("x")).catch((e) => e);
    assert.match(put.message, /action "put"/);
  }, { acl: (_n, a) => a === "info" }));

Deno.test("502, 503 and 504 are retried with backoff, then succeed", () =>
  withSetec(async (s, client) => {
    s.put("k", "v");
    for (const status of [502, 503, 504]) {
      s.requests.length = 0;
      s.failNext(2, status);
      const got = await client.get("k");
      assert.equal(text(got.value), "v");
      assert.equal(s.requests.length, 3, String(status));
    }
  }));

Deno.test("persistent 5xx gives an unavailable error after the retries; never with the value", () =>
  withSetec(async (s, client) => {
    s.put("k", "topsecret");
    s.failNext(10, 503);
    const error = await client.put("k", bytes("topsecret")).catch((e) => e);
    assert.ok(error instanceof SetecUnavailableError);
    assert.equal(error.status, 503);
    assert.equal(s.requests.length, 3);
    assert.ok(
      !JSON.stringify({ m: error.message, h: error.hint, d: error.details })
        .includes("topsecret"),
    );
  }, { retries: 2 }));

Deno.test("an unreachable server is retried, then reported with a hint", async () => {
  const s = await startSetecStandIn();
  const url = s.url;
  await s.close();
  let calls = 0;
  const counting: typeof fetch = (input, init) => {
    calls++;
    return fetch(input, init);
  };
  const client = new SetecClient({
    server: url,
    fetch: counting,
    retries: 2,
    backoffMs: 1,
  });
  const error = await client.get("k").catch((e) => e);
  assert.ok(error instanceof SetecUnavailableError);
  assert.match(error.message, /unreachable/);
  assert.match(error.hint ?? "", /tailscale status/);
  assert.equal(calls, 3);
});

Deno.test("a slow server times out per request", () =>
  withSetec(async (s, client) => {
    s.put("k", "v");
    s.setDelay(3000);
    const started = Date.now();
    const error = await client.get("k").catch((e) => e);
    assert.ok(error instanceof SetecUnavailableError);
    assert.match(error.message, /did not answer within 50 ms/);
    assert.ok(Date.now() - started < 2000, "the client gave up long before the server answered");
    s.setDelay(0);
    await new Promise((r) => setTimeout(r, 3100)); // let the slow answers drain
  }, { timeoutMs: 50, retries: 1 }));

Deno.test("aborting the client's signal stops retries at once", async () => {
  const controller = new AbortController();
  const failing: typeof fetch = () => Promise.reject(new TypeError("connection refused"));
  const client = new SetecClient({
    server: "https://127.0.0.1:9",
    fetch: failing,
    retries: 5,
    backoffMs: 10_000,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 20);
  const started = Date.now();
  await assert.rejects(client.get("k"), SetecUnavailableError);
  assert.ok(Date.now() - started < 1000);
});

Deno.test("backoff grows exponentially with jitter and is capped", () => {
  const low = new SetecClient({
    server: "https://x.example.ts.net",
    backoffMs: 100,
    maxBackoffMs: 1000,
    random: () => 0,
  });
  const high = new SetecClient({
    server: "https://x.example.ts.net",
    backoffMs: 100,
    maxBackoffMs: 1000,
    random: () => 0.999,
  });
  assert.deepEqual([1, 2, 3, 4, 5].map((a) => low.backoffDelay(a)), [
    50,
    100,
    200,
    400,
    500,
  ]);
  assert.deepEqual([1, 2, 3, 5].map((a) => high.backoffDelay(a)), [
    100,
    200,
    400,
    1000,
  ]);
});

Deno.test("client refuses bad inputs before calling and rejects odd answers", async () => {
  assert.throws(() => new SetecClient({ server: "not a url" }), UsageError);
  const client = new SetecClient({
    server: "https://x.example.ts.net",
    fetch: () =>
      Promise.resolve(
        new Response(JSON.stringify({ Value: 5 }), { status: 200 }),
      ),
  });
  await assert.rejects(client.get("k", { version: -1 }), UsageError);
  await assert.rejects(client.get(""), UsageError);
  await assert.rejects(client.get("k"), SetecProtocolError);
  const teapot = new SetecClient({
    server: "https://x.example.ts.net",
    fetch: () => Promise.resolve(new Response("short and stout", { status: 418 })),
  });
  await assert.rejects(teapot.list(), SetecProtocolError);
  const notJson = new SetecClient({
    server: "https://x.example.ts.net",
    fetch: () => Promise.resolve(new Response("<html>", { status: 200 })),
  });
  await assert.rejects(notJson.info("k"), /not JSON/);
});
