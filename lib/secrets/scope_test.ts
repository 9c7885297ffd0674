import assert from "node:assert/strict";
import { bench, NGINX, repoWith } from "../../tests/fakes/fake_host_fixtures.ts";
import type { LegerError } from "../core/errors.ts";
import { install } from "../../tests/helpers/ops.ts";
import { secretScopeFindings } from "./scope.ts";

const FAST = { healthTimeoutMs: 5_000 };
const unit = (secret: string) => `[Container]\nImage=${NGINX}\nSecret=${secret},type=env,target=TOKEN\n`;
const yaml = (setec: string, podman: string) => `secrets:\n  - name: ${setec}\n    podman-secret: ${podman}\n`;

Deno.test("a set declares Setec secrets under its own prefix only, unless config.yaml shares them", () => {
  const base = { set: "web", used: [], others: [], prefix: "leger/", shared: [] as string[] };
  const codes = (declared: Array<{ name: string; podmanSecret: string }>, shared: string[] = []) =>
    secretScopeFindings({ ...base, declared, shared }).map((d) => `${d.code} ${d.message}`);
  assert.deepEqual(codes([{ name: "leger/web/key", podmanSecret: "web-key" }]), []);
  assert.match(
    codes([{ name: "leger/db/password", podmanSecret: "x" }])[0]!,
    /^secret\/outside-prefix .*web's own prefix leger\/web\//,
  );
  assert.match(
    codes([{ name: "leger/webhook/key", podmanSecret: "x" }])[0]!,
    /outside-prefix/,
    "a longer set name is another set",
  );
  assert.deepEqual(codes([{ name: "leger/shared/smtp", podmanSecret: "smtp" }], ["leger/shared/"]), []);
  assert.deepEqual(codes([{ name: "leger/db/password", podmanSecret: "x" }], ["leger/db/password"]), []);
});

Deno.test("install refuses a set that reaches another set's secrets, and says how to share one", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [
      {
        folder: "db",
        files: { "db.container": unit("db-password"), ".leger.yaml": yaml("leger/db/password", "db-password") },
      },
      {
        folder: "web",
        files: { "web.container": unit("web-token"), ".leger.yaml": yaml("leger/db/password", "web-token") },
      },
      { folder: "spy", files: { "spy.container": unit("db-password") } },
    ]);
    b.host.addSecret("db-password", "s3cr3t");
    b.host.addSecret("web-token", "s3cr3t");
    await install(b.engine, `${url}#main:apps/db`, FAST);
    await assert.rejects(install(b.engine, `${url}#main:apps/web`, FAST), (e: LegerError) => {
      assert.equal(e.exitCode, 3);
      assert.match(
        e.message,
        /secret\/outside-prefix: the Setec secret leger\/db\/password is outside web's own prefix leger\/web\/ \(the installed set db uses it\)/,
      );
      assert.match(e.message, /daemon\.shared-secrets: \[leger\/db\/password\]/);
      return true;
    });
    await assert.rejects(install(b.engine, `${url}#main:apps/spy`, FAST), (e: LegerError) => {
      assert.match(
        e.message,
        /secret\/other-set: Secret=db-password is the Podman secret the installed set db fills from leger\/db\/password; spy does not declare it/,
      );
      return true;
    });
    b.engine.config.daemon["shared-secrets"] = ["leger/db/password"];
    assert.equal((await install(b.engine, `${url}#main:apps/web`, FAST)).name, "web");
  } finally {
    await b.cleanup();
  }
});
