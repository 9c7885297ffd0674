import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { scopePaths } from "./core/paths.ts";
import { parseLegerYaml } from "./meta/leger_yaml.ts";

async function withConfig(text: string | undefined, env: Record<string, string> = {}) {
  const home = await Deno.makeTempDir();
  const paths = scopePaths("user", { HOME: home });
  if (text !== undefined) {
    await Deno.mkdir(paths.configDir, { recursive: true });
    await Deno.writeTextFile(paths.configFile, text);
  }
  try {
    return await loadConfig(paths, env);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("no config file gives the documented defaults; SETEC_SERVER fills the daemon's server", async () => {
  const c = await withConfig(undefined, { SETEC_SERVER: "https://secrets.example.ts.net" });
  assert.equal(c.backend, "auto");
  assert.equal(c["health-timeout"], "30s");
  assert.deepEqual(c["backup-retention"], { count: 10 });
  assert.equal(c.daemon["poll-interval"], "1h");
  assert.equal(c.daemon["secret-prefix"], "leger/");
  assert.equal(c.daemon["setec-server"], "https://secrets.example.ts.net");
});

Deno.test("a config error names the file, the line and the key", async () => {
  const error = await withConfig("backend: auto\nforges:\n  git.example.com: bitbucket\n").catch((e) => e);
  assert.match(error.message, /config\.yaml:3:\d+: forges\.git\.example\.com: /);
  const typo = await withConfig("health-timeout: soon\n").catch((e) => e);
  assert.match(typo.message, /config\.yaml:1:\d+: health-timeout: a duration such as 30s/);
});

Deno.test(".leger.yaml problems come with positions; a good one parses", () => {
  const bad = parseLegerYaml("secrets:\n  - name: leger/a\n    podman-secret: 'bad name'\n");
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.equal(bad.problems[0]!.line, 3);
    assert.equal(bad.problems[0]!.key, "secrets.0.podman-secret");
  }
  const good = parseLegerYaml(
    "name: web\nversion: 2\nsecrets:\n  - name: leger/web/key\n    podman-secret: web-key\n    env: API_KEY\n",
  );
  assert.ok(good.ok && good.value.version === "2" && good.value.secrets[0]!.env === "API_KEY");
});

Deno.test("fleet.ref must be a ref git takes, never one that reads as an option", async () => {
  const dir = await Deno.makeTempDir();
  const paths = scopePaths("user", { HOME: dir, LEGER_CONFIG_DIR: dir });
  await Deno.writeTextFile(
    paths.configFile,
    "fleet:\n  source: https://git.example.org/fleet.git\n  ref: --upload-pack=x\n",
  );
  await assert.rejects(loadConfig(paths), /fleet\.ref.*not starting with '-'/s);
  await Deno.writeTextFile(
    paths.configFile,
    "fleet:\n  source: https://git.example.org/fleet.git\n  ref: release/1.0\n",
  );
  assert.equal((await loadConfig(paths)).fleet?.ref, "release/1.0");
  await Deno.remove(dir, { recursive: true });
});
