import assert from "node:assert/strict";
import { join } from "node:path";
import { startSetecStandIn } from "../../tests/fakes/setec/server.ts";
import { createFakePodmanSecrets } from "../../tests/fakes/podman/secrets_in_memory.ts";
import { createShell } from "../host/shell.ts";
import { defaultConfig } from "../config.ts";
import { scopePaths } from "../core/paths.ts";
import type { Manifest } from "../state/manifest.ts";
import { writeManifest } from "../state/manifest.ts";
import { declaredSecrets, quadletUsesSecret } from "./declared.ts";
import { createSetecClient, localSecretStatus, syncFromState } from "./sync_state.ts";

function manifest(
  name: string,
  files: Manifest["files"],
  secrets: Manifest["secrets"],
  units: string[],
): Manifest {
  const now = new Date().toISOString();
  return {
    schema: 1,
    name,
    scope: "user",
    backend: "files",
    source: { kind: "local", input: "/x", url: "/x", subpath: "" },
    files,
    units,
    volumes: [],
    secrets,
    ports: [],
    installedAt: now,
    updatedAt: now,
  };
}

Deno.test("quadletUsesSecret reads Secret= in [Container] only, with or without options", () => {
  const text = '[Unit]\nSecret=nope\n[Container]\nImage=x\nSecret=app-key,type=env,target=K\nSecret = "other"\n';
  assert.equal(quadletUsesSecret(text, "app-key"), true);
  assert.equal(quadletUsesSecret(text, "other"), true);
  assert.equal(quadletUsesSecret(text, "nope"), false);
  assert.equal(quadletUsesSecret(text, "app"), false);
});

Deno.test("declaredSecrets maps each secret to the container units that use it", async () => {
  const files: Record<string, string> = {
    "/q/web.container": "[Container]\nSecret=app-key\n",
    "/q/worker.container": "[Container]\nServiceName=jobs\nSecret=app-key\nSecret=db-pass\n",
    "/q/db.container": "[Container]\nSecret=db-pass\n",
  };
  const m = manifest("app", [
    ...Object.keys(files).map((path) => ({
      name: path.slice(3),
      sha256: "0",
      path,
      kind: "quadlet" as const,
    })),
    {
      name: "app.network",
      sha256: "0",
      path: "/q/app.network",
      kind: "quadlet",
    },
  ], [
    { name: "leger/app/key", podmanSecret: "app-key" },
    { name: "leger/db/pass", podmanSecret: "db-pass", restart: false },
  ], ["web.service", "jobs.service", "db.service"]);
  const declared = await declaredSecrets(
    [m, manifest("empty", [], [], [])],
    (p) => Promise.resolve(files[p]!),
  );
  assert.deepEqual(declared, [
    {
      name: "leger/app/key",
      podmanSecret: "app-key",
      users: ["jobs.service", "web.service"],
    },
    {
      name: "leger/db/pass",
      podmanSecret: "db-pass",
      restart: false,
      users: ["db.service", "jobs.service"],
    },
  ]);
  // Unreadable files: every service of the set is a user, to be safe.
  const blind = await declaredSecrets(
    [m],
    () => Promise.reject(new Error("gone")),
  );
  assert.deepEqual(blind[0]!.users, [
    "db.service",
    "jobs.service",
    "web.service",
  ]);
});

Deno.test("declaredSecrets: a template's secret is used by each instance, never by the template unit itself", async () => {
  const tpl = "[Container]\nSecret=app-key\n[Install]\nWantedBy=default.target\nDefaultInstance=one\n";
  const files: Record<string, string> = { "/q/web@.container": tpl, "/q/web@two.container": tpl };
  const m = manifest(
    "tpl",
    Object.keys(files).map((path) => ({ name: path.slice(3), sha256: "0", path, kind: "quadlet" as const })),
    [{ name: "leger/app/key", podmanSecret: "app-key" }],
    ["web@one.service", "web@two.service"],
  );
  const [d] = await declaredSecrets([m], (p) => Promise.resolve(files[p]!));
  assert.deepEqual(d!.users, ["web@one.service", "web@two.service"]);
});

Deno.test("syncFromState syncs what the manifests declare; localSecretStatus shows the cache", async () => {
  const root = await Deno.makeTempDir();
  const paths = scopePaths("user", { HOME: root });
  const setec = await startSetecStandIn();
  try {
    setec.put("leger/app/key", "v1");
    const container = join(root, "app.container");
    await Deno.writeTextFile(container, "[Container]\nSecret=app-key\n");
    await writeManifest(
      paths,
      manifest("app", [{
        name: "app.container",
        sha256: "0",
        path: container,
        kind: "quadlet",
      }], [
        { name: "leger/app/key", podmanSecret: "app-key" },
      ], ["app.service"]),
    );
    assert.deepEqual(
      (await localSecretStatus(paths)).map((s) => [s.name, s.version]),
      [["leger/app/key", undefined]],
    );
    const podman = createFakePodmanSecrets();
    const config = defaultConfig();
    config.daemon["setec-server"] = setec.url;
    config.daemon["setec-ca-file"] = setec.caFile;
    const report = await syncFromState({
      paths,
      config,
      $: createShell({ fakes: { podman: podman.podman } }),
      log: { info: () => {}, warn: () => {} },
      restartUnits: () => Promise.resolve(),
      fetch: (input, init) => fetch(input, init),
    });
    assert.deepEqual(report.results.map((r) => r.action), ["created"]);
    const status = await localSecretStatus(paths);
    assert.equal(status[0]!.version, 1);
    assert.deepEqual(status[0]!.users, ["app.service"]);
    assert.ok(status[0]!.fetchedAt);
    assert.throws(
      () => createSetecClient(defaultConfig()),
      /no Setec server is configured/,
    );
  } finally {
    await setec.close();
    await Deno.remove(root, { recursive: true });
  }
});
