/** The Setec stand-in's versions: put, activate, conditional get, create-version, delete and the errors, as SETEC-API.md has them. */
import assert from "node:assert/strict";
import { b64, call, withStandIn } from "./server_fixtures_test.ts";

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
