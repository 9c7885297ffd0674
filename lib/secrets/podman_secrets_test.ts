import assert from "node:assert/strict";
import { createShell, run } from "../host/shell.ts";
import { createFakePodmanSecrets } from "../../tests/fakes/podman/secrets_in_memory.ts";
import { listPodmanSecrets, podmanSecretExists, removePodmanSecret, setPodmanSecret } from "./podman_secrets.ts";
import { LegerError } from "../core/errors.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

function setup() {
  const fake = createFakePodmanSecrets();
  return { fake, $: createShell({ fakes: { podman: fake.podman } }) };
}

Deno.test("setPodmanSecret passes the value on stdin only, never in argv or env", async () => {
  const { fake, $ } = setup();
  await setPodmanSecret($, "app-key", bytes("correct horse battery"));
  assert.equal(fake.text("app-key"), "correct horse battery");
  assert.deepEqual(fake.calls[0]!.args, [
    "secret",
    "create",
    "--replace",
    "--",
    "app-key",
    "-",
  ]);
  assert.equal(fake.calls[0]!.stdinLength, 21);
  const seen = JSON.stringify(fake.calls);
  assert.ok(!seen.includes("correct horse"), "value leaked into argv or env");
});

Deno.test("setPodmanSecret replaces an existing secret", async () => {
  const { fake, $ } = setup();
  await setPodmanSecret($, "app-key", bytes("one"));
  await setPodmanSecret($, "app-key", bytes("two"));
  assert.equal(fake.text("app-key"), "two");
  assert.equal(fake.secrets.get("app-key")!.writes, 2);
});

Deno.test("the fake podman refuses create of an existing name without --replace, like podman", async () => {
  const { $ } = setup();
  await setPodmanSecret($, "k", bytes("one"));
  const r = await run($, ["podman", "secret", "create", "k", "-"], {
    stdin: "x",
  });
  assert.equal(r.code, 125);
  assert.equal(r.stderr, "Error: k: secret name in use\n");
});

Deno.test("an empty value is refused by podman and reported with its message", async () => {
  const { $ } = setup();
  const error = await setPodmanSecret($, "k", new Uint8Array()).catch((e) => e);
  assert.ok(error instanceof LegerError);
  assert.match(
    error.message,
    /Cannot set Podman secret k: podman says: secret data must be larger than 0/,
  );
});

Deno.test("listPodmanSecrets reads podman's {{json .}} lines (Podman 5 rows and Podman 4 inspect shape)", async () => {
  const { $ } = setup();
  assert.deepEqual(await listPodmanSecrets($), []);
  await setPodmanSecret($, "a", bytes("1"));
  await setPodmanSecret($, "b", bytes("2"));
  const listed = await listPodmanSecrets($);
  assert.deepEqual(listed.map((s) => [s.name, s.driver]), [["a", "file"], [
    "b",
    "file",
  ]]);
  assert.match(listed[0]!.id, /^[0-9a-f]{25}$/);
  const old = createShell({
    fakes: {
      podman: () => ({
        // podman 4 renders {{json .}} with the inspect shape, one object a line
        stdout: JSON.stringify({
          ID: "x",
          Spec: { Name: "legacy", Driver: { Name: "file" } },
        }) + "\n",
      }),
    },
  });
  assert.deepEqual(await listPodmanSecrets(old), [{
    id: "x",
    name: "legacy",
    driver: "file",
  }]);
  const junk = createShell({
    fakes: { podman: () => ({ stdout: "NAME ID\n" }) },
  });
  await assert.rejects(listPodmanSecrets(junk), /did not print JSON lines/);
  const odd = createShell({
    fakes: { podman: () => ({ stdout: '{"x":1}\n' }) },
  });
  await assert.rejects(listPodmanSecrets(odd), /unexpected JSON/);
});

Deno.test("exists and remove", async () => {
  const { fake, $ } = setup();
  assert.equal(await podmanSecretExists($, "k"), false);
  assert.equal(await removePodmanSecret($, "k"), false);
  await setPodmanSecret($, "k", bytes("1"));
  assert.equal(await podmanSecretExists($, "k"), true);
  assert.equal(await removePodmanSecret($, "k"), true);
  assert.equal(fake.secrets.size, 0);
});

Deno.test("podman failures become LegerErrors with podman's message and a hint", async () => {
  const { fake, $ } = setup();
  fake.failWith({ code: 125, stderr: "Error: database is locked\n" });
  const error = await listPodmanSecrets($).catch((e) => e);
  assert.ok(error instanceof LegerError);
  assert.equal(
    error.message,
    "Cannot list Podman secrets: podman says: database is locked",
  );
  assert.ok(error.hint);
  await assert.rejects(podmanSecretExists($, "k"), /database is locked/);
  const missing = createShell({
    fakes: { podman: () => ({ code: 127, stderr: "" }) },
  });
  const e2 = await setPodmanSecret(missing, "k", bytes("v")).catch((e) => e);
  assert.match(e2.hint, /Install podman/);
});
